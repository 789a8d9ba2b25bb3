"""Suggesting needs domains from free text: a referral reason, the person's own words.

Pure Python and offline: a weighted lexicon (lexicon.py) of everyday words and phrases, matched
after light stemming, with negation ("I'm not lonely", "money is fine") for the domains whose cues
can be denied. A domain's score is ``1 - exp(-weight / SCALE)``: one strong cue gives about 0.6,
two about 0.85. Safety is never negated and needs only one cue: recall first (DESIGN.md).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from linkwell.common.needs import NEED_CODES, SAFEGUARDING_NEED

from .lexicon import LEXICON, NEGATABLE

SCALE = 3.0
# A domain is suggested from this score; safety from its first cue.
THRESHOLD = 0.45
SAFETY_THRESHOLD = 0.3
MAX_TEXT = 20_000

_TOKEN = re.compile(r"24/7|[a-z0-9]+(?:['-][a-z]+)*")
# "can't" and "cannot" say what a person is unable to do (a need), so they do not negate.
_NEGATORS = frozenset({"not", "never"})
_NOT_NEGATORS = frozenset({"can't", "cannot", "couldn't"})
# After a negator these verbs describe a lack ("don't have any money"), which is the need itself.
_LACK = frozenset(
    {
        "have", "got", "get", "afford", "pay", "find", "know", "cope", "manage", "sleep", "eat",
        "see", "go", "use", "read", "speak", "leave", "stop", "understand", "drive", "keep",
        "make", "feed", "talk", "meet", "enough", "any", "much", "a", "an", "hav", "enjoy",
        "want", "sure", "able", "allowed", "let", "learn", "learned", "learnt", "had", "been",
    }
)  # fmt: skip
# Words after a cue that deny it: "money is fine", "housing is sorted".
_FINE = frozenset({"fine", "ok", "okay", "sorted", "good", "great", "alright", "settled"})
_WINDOW = 4
# Words the suffix rules would merge with a different word ("caring" is not "car").
_STEM_EXCEPTIONS = {
    "caring": "care",
    "cared": "care",
    "training": "training",
    "trained": "training",
}


def stem(word: str) -> str:
    """Light suffix stripping, applied alike to the lexicon and the text."""
    if word in _STEM_EXCEPTIONS:
        return _STEM_EXCEPTIONS[word]
    if word.endswith("'s"):
        word = word[:-2]
    for suffix, repl in (("iness", "y"), ("ies", "y"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + repl
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def tokens(text: str) -> list[str]:
    clean = text[:MAX_TEXT].lower().replace("\u2019", "'").replace("\u2018", "'")
    return _TOKEN.findall(clean)


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]
    code: str
    weight: float


@lru_cache(maxsize=1)
def _index() -> dict[str, list[_Entry]]:
    index: dict[str, list[_Entry]] = defaultdict(list)
    for code, entries in LEXICON.items():
        if code not in NEED_CODES:
            raise ValueError(f"lexicon domain {code!r} is not a needs code")
        for phrase, weight in entries:
            words = tuple(stem(t) for t in tokens(phrase))
            if words:
                index[words[0]].append(_Entry(words, code, float(weight)))
    for bucket in index.values():
        bucket.sort(key=lambda e: len(e.words), reverse=True)
    return dict(index)


def _is_negator(tok: str) -> bool:
    if tok in _NOT_NEGATORS:
        return False
    return tok in _NEGATORS or tok.endswith("n't")


def _negated(raw: list[str], start: int, end: int) -> bool:
    """Is the cue raw[start:end] denied: a negator shortly before it with no lack verb between,
    or a "fine" word just after it ("money is fine")."""
    if raw[start] in _LACK or stem(raw[start]) in _LACK:
        return False
    for i in range(max(0, start - _WINDOW), start):
        if _is_negator(raw[i]) or (raw[i] == "no" and i + 1 < len(raw) and raw[i + 1] == "longer"):
            between = raw[i + 1 : start]
            if not any(w in _LACK or stem(w) in _LACK for w in between):
                return True
    after = raw[end : end + 3]
    return any(w in _FINE for w in after) and not any(_is_negator(w) for w in after)


def domain_weights(text: str) -> dict[str, float]:
    """Summed cue weights per domain (denied cues count nothing)."""
    raw = tokens(text)
    stems = [stem(t) for t in raw]
    index = _index()
    totals: dict[str, float] = defaultdict(float)
    for i, first in enumerate(stems):
        matched_codes: set[str] = set()
        for entry in index.get(first, ()):
            n = len(entry.words)
            if tuple(stems[i : i + n]) != entry.words or entry.code in matched_codes:
                continue
            # The longest phrase of a domain at this position is the one that counts.
            matched_codes.add(entry.code)
            if entry.code in NEGATABLE and _negated(raw, i, i + n):
                continue
            totals[entry.code] += entry.weight
    return totals


def suggest_needs(text: str, *, limit: int = 5) -> list[tuple[str, float]]:
    """(code, score) of the domains the text suggests, best first, scores in (0, 1)."""
    scored = []
    for code, weight in domain_weights(text).items():
        score = 1 - math.exp(-weight / SCALE)
        threshold = SAFETY_THRESHOLD if code == SAFEGUARDING_NEED else THRESHOLD
        if score >= threshold:
            scored.append((code, round(score, 2)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    # Safety is always offered when found, even past the limit.
    top = scored[:limit]
    for code, score in scored[limit:]:
        if code == SAFEGUARDING_NEED:
            top.append((code, score))
    return top
