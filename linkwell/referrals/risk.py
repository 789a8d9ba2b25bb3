"""Spotting possible risk in what a referrer or a person wrote.

This is a safety net, not an assessment: it only decides who looks at a referral first. A match
alerts the team's supervisors at once and flags the referral; a supervisor then reads it. False
alarms are accepted (e.g. "alcohol abuse" matches "abuse") because a missed one costs far more.

Two groups, because they lead to different flags:
- harm to self (suicide, self-harm, overdose): ``risk_of_harm``;
- harm from others (abuse, violence, fear at home): ``safeguarding_concern``.
Phrases are matched case-insensitively on word boundaries; "self harm", "self-harm" and
"selfharm" are the same; curly apostrophes count as straight ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HARM_TO_SELF: tuple[str, ...] = (
    "suicide",
    "suicidal",
    "kill myself",
    "killing myself",
    "end my life",
    "ending my life",
    "end it all",
    "take my own life",
    "take my life",
    "want to die",
    "better off dead",
    "no reason to live",
    "self-harm",
    "self harm",
    "selfharm",
    "self-harming",
    "self harming",
    "harming myself",
    "hurt myself",
    "hurting myself",
    "cutting myself",
    "overdose",
    "overdosed",
)

HARM_FROM_OTHERS: tuple[str, ...] = (
    "abuse",
    "abused",
    "abusive",
    "domestic violence",
    "hits me",
    "beats me",
    "hurts me",
    "threatens me",
    "threatened me",
    "scared of him",
    "scared of her",
    "scared of them",
    "afraid of him",
    "afraid of her",
    "afraid of them",
    "frightened of him",
    "frightened of her",
    "frightened of them",
    "unsafe at home",
    "not safe at home",
    "don't feel safe",
    "do not feel safe",
    "exploited",
    "exploiting me",
    "coercive",
)


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        words = [re.escape(w) for w in re.split(r"[\s\-]+", phrase)]
        parts.append(r"[\s\-]*".join(words) if phrase.startswith("self") else r"\s+".join(words))
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


_SELF = _pattern(HARM_TO_SELF)
_OTHERS = _pattern(HARM_FROM_OTHERS)


@dataclass(frozen=True)
class RiskWords:
    harm_to_self: tuple[str, ...]
    harm_from_others: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.harm_to_self or self.harm_from_others)

    @property
    def all(self) -> tuple[str, ...]:
        return self.harm_to_self + self.harm_from_others


def find_risk_words(text: str) -> RiskWords:
    """The risk phrases found in ``text``, lower-cased, in order of first appearance."""
    clean = text.replace("\u2019", "'").replace("\u2018", "'")

    def found(pattern: re.Pattern[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.group(0).lower() for m in pattern.finditer(clean)))

    return RiskWords(harm_to_self=found(_SELF), harm_from_others=found(_OTHERS))
