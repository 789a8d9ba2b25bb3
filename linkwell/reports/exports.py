"""A report as CSV, XLSX (openpyxl) or PDF (reportlab)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .selectors import Report


def _cell(value: Any) -> Any:
    return "" if value is None else value


def report_csv(report: Report) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([report.title])
    for key, value in report.filters.as_dict().items():
        w.writerow([key, value])
    for section in report.sections:
        w.writerow([])
        w.writerow([section.title])
        w.writerow(section.headers)
        for row in section.rows:
            w.writerow([_cell(v) for v in row])
        if section.note:
            w.writerow([section.note])
    for note in report.notes:
        w.writerow([note])
    return out.getvalue()


def rows_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(headers)
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return out.getvalue()


def sheet_name(number: int, title: str) -> str:
    """A spreadsheet's sheet name for a report's section: unique by its number, without the
    characters a sheet name may not hold (``[ ] : * ? / \\``: "Groups: fill rates" was a
    server error), at most 31 characters and not ending in an apostrophe."""
    plain = " ".join(re.sub(r"[\[\]:*?/\\]", " ", title).split())
    return f"{number} {plain}"[:31].rstrip(" '")


def report_xlsx(report: Report) -> bytes:
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for i, section in enumerate(report.sections, start=1):
        ws = wb.create_sheet(sheet_name(i, section.title))
        ws.append([section.title])
        ws.append(section.headers)
        for row in section.rows:
            ws.append([_cell(v) for v in row])
        if section.note:
            ws.append([])
            ws.append([section.note])
    notes = wb.create_sheet("Notes")
    notes.append([report.title])
    for key, value in report.filters.as_dict().items():
        notes.append([key, value])
    for note in report.notes:
        notes.append([note])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_pdf(report: Report) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), title=f"Linkwell {report.title} report")
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8)
    story: list[Any] = [Paragraph(f"{report.title} report", styles["Title"])]
    filters = report.filters.as_dict()
    if filters:
        text = ", ".join(f"{k}: {v}" for k, v in filters.items())
        story.append(Paragraph(f"Filters: {text}", styles["BodyText"]))
    for section in report.sections:
        story.append(Spacer(1, 8))
        story.append(Paragraph(section.title, styles["Heading2"]))
        data = [[Paragraph(str(h), small) for h in section.headers]]
        data += [[Paragraph(str(_cell(v)), small) for v in row] for row in section.rows]
        if len(data) == 1:
            story.append(Paragraph("No data.", styles["BodyText"]))
        else:
            table = Table(data, repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edee")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(table)
        if section.note:
            story.append(Paragraph(section.note, small))
    for note in report.notes:
        story.append(Spacer(1, 6))
        story.append(Paragraph(note, styles["BodyText"]))
    doc.build(story)
    return buf.getvalue()
