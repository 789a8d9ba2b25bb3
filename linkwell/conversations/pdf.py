"""The support plan as a PDF the person can take away: plain words, large type, no codes."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

from linkwell.cases.models import Episode

from .models import PlanOption, SupportPlan


def _date(value: str | dt.date | None) -> str:
    if not value:
        return ""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%-d %B %Y")


def plan_pdf(*, episode: Episode, plan: SupportPlan, chosen: list[PlanOption]) -> bytes:
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=13, leading=18)
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontSize=22, leading=28)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=16, leading=22)
    person = episode.person
    name = escape(person.preferred_name or person.given_name)
    story = [
        Paragraph(f"{name}'s support plan", h1),
        Paragraph(
            f"Written together on {_date(plan.created_at.date())} with "
            f"{escape(plan.recorded_by.display_name if plan.recorded_by else 'your link worker')}"
            f" of {escape(episode.team.organisation.name)}.",
            body,
        ),
        Spacer(1, 6 * mm),
        Paragraph("What I want to work on", h2),
        ListFlowable(
            [ListItem(Paragraph(escape(g), body)) for g in plan.goals], bulletType="bullet"
        ),
    ]
    if plan.actions:
        story += [Spacer(1, 4 * mm), Paragraph("Who will do what", h2)]
        items = []
        for action in plan.actions:
            when = f", by {_date(action['by'])}" if action.get("by") else ""
            items.append(
                ListItem(
                    Paragraph(
                        f"<b>{escape(action['who'])}</b>: {escape(action['what'])}{when}", body
                    )
                )
            )
        story.append(ListFlowable(items, bulletType="bullet"))
    if chosen:
        story += [Spacer(1, 4 * mm), Paragraph("The support I chose", h2)]
        story.append(
            ListFlowable(
                [ListItem(Paragraph(escape(o.service_name), body)) for o in chosen],
                bulletType="bullet",
            )
        )
    if plan.review_date:
        story += [
            Spacer(1, 4 * mm),
            Paragraph("When we will look at this again", h2),
            Paragraph(_date(plan.review_date), body),
        ]
    story += [
        Spacer(1, 8 * mm),
        Paragraph(
            "This is your plan. You can change it at any time: just tell your link worker.", body
        ),
    ]
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Support plan version {plan.version}",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    doc.build(story)
    return buffer.getvalue()


def message_back_pdf(*, message: Any) -> bytes:
    """The message back as a letter-like PDF for the GP and the referrer."""
    styles = getSampleStyleSheet()
    body = ParagraphStyle("mb", parent=styles["BodyText"], fontSize=11, leading=15)
    h1 = styles["Heading1"]
    h2 = styles["Heading2"]
    episode = message.episode
    person = episode.person
    story = [
        Paragraph("Social prescribing: support has ended", h1),
        Paragraph(
            f"<b>{escape(message.person_name)}</b>"
            + (f", born {_date(person.date_of_birth)}" if person.date_of_birth else "")
            + (f", NHS number {escape(person.nhs_number)}" if person.nhs_number else ""),
            body,
        ),
        Paragraph(
            f"Supported by {escape(episode.team.organisation.name)} from "
            f"{_date(episode.opened_at.date())} to {_date(message.closed_on)}. "
            f"Why support ended: {escape(message.discharge_reason)}.",
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph("What mattered to them", h2),
        Paragraph(escape(", ".join(message.needs) or "Not recorded"), body),
        Paragraph("Support they were connected to", h2),
    ]
    if message.connected:
        story.append(
            ListFlowable(
                [
                    ListItem(Paragraph(f"{escape(c['service'])}: {escape(c['status'])}", body))
                    for c in message.connected
                ],
                bulletType="bullet",
            )
        )
    else:
        story.append(Paragraph("None", body))
    story.append(Paragraph("Outcomes", h2))
    if message.outcomes:
        story.append(
            ListFlowable(
                [
                    ListItem(
                        Paragraph(
                            escape(f"{o['measure']}: {o['before']} to {o['after']} {o['verdict']}"),
                            body,
                        )
                    )
                    for o in message.outcomes
                ],
                bulletType="bullet",
            )
        )
    else:
        story.append(Paragraph("No measures were completed.", body))
    story.append(Paragraph("Codes (SNOMED CT)", h2))
    for code, display in message.codes:
        story.append(Paragraph(f"{code} {escape(display)}", body))
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="Message back").build(story)
    return buffer.getvalue()
