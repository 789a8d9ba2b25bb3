"""Name similarity for duplicate detection: Jaro-Winkler plus the ways names really differ.

Records of one person differ by a typo ("Jon"/"John", "Katherine"/"Kathryn"), a short or familiar
given name ("Kate"/"Katherine", "Bob"/"Robert", "J"/"John"), a double-barrelled family name, or
given and family names entered the wrong way round. Scores are 0..1; 1 means the same name.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# A similarity at or above this counts as "a close name match".
CLOSE = 0.85

# Familiar forms of common English given names. Small on purpose: the Jaro-Winkler score and the
# prefix rule cover most variants; these are the ones that share too few letters to be caught.
_FAMILIAR: dict[str, frozenset[str]] = {
    "robert": frozenset({"bob", "bobby", "rob", "robbie", "bert"}),
    "william": frozenset({"bill", "billy", "will", "willie", "liam"}),
    "richard": frozenset({"dick", "rick", "ricky", "rich", "richie"}),
    "elizabeth": frozenset({"liz", "lizzie", "beth", "betty", "bess", "eliza", "libby"}),
    "margaret": frozenset({"maggie", "peggy", "meg", "madge", "marge", "rita"}),
    "edward": frozenset({"ted", "teddy", "ed", "eddie", "ned"}),
    "james": frozenset({"jim", "jimmy", "jamie"}),
    "john": frozenset({"jack", "johnny", "jon"}),
    "catherine": frozenset({"kate", "katie", "cathy", "kath", "kay"}),
    "katherine": frozenset({"kate", "katie", "kathy", "kath", "kay"}),
    "charles": frozenset({"charlie", "chas", "chuck"}),
    "anthony": frozenset({"tony"}),
    "henry": frozenset({"harry", "hal", "hank"}),
    "mary": frozenset({"molly", "polly", "mae"}),
    "susan": frozenset({"sue", "suzy", "susie"}),
    "patricia": frozenset({"pat", "patsy", "trish", "tricia"}),
    "christopher": frozenset({"chris", "kit"}),
    "christine": frozenset({"chris", "chrissie", "tina"}),
    "alexander": frozenset({"alex", "sandy", "sasha"}),
    "alexandra": frozenset({"alex", "sandra", "sasha", "lexi"}),
    "michael": frozenset({"mike", "mick", "micky"}),
    "thomas": frozenset({"tom", "tommy"}),
    "joseph": frozenset({"joe", "joey"}),
    "daniel": frozenset({"dan", "danny"}),
    "david": frozenset({"dave", "davey"}),
    "stephen": frozenset({"steve", "stevie"}),
    "steven": frozenset({"steve", "stevie"}),
    "jennifer": frozenset({"jen", "jenny"}),
    "rebecca": frozenset({"becky", "becca"}),
    "deborah": frozenset({"debbie", "deb"}),
    "frederick": frozenset({"fred", "freddie"}),
    "abigail": frozenset({"abby", "gail"}),
    "nicholas": frozenset({"nick", "nicky"}),
    "samuel": frozenset({"sam", "sammy"}),
    "samantha": frozenset({"sam", "sammy"}),
}
_FAMILIAR_PAIRS: frozenset[frozenset[str]] = frozenset(
    frozenset({formal, familiar}) for formal, forms in _FAMILIAR.items() for familiar in forms
)


@lru_cache(maxsize=8192)
def simplify(name: str) -> str:
    """Lower case, accents removed, only letters kept: "O'Brien-Ní" -> "obrienni"."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(c for c in decomposed.lower() if c.isalpha())


@lru_cache(maxsize=8192)
def _tokens(name: str) -> tuple[str, ...]:
    spaced = "".join(c if c.isalpha() else " " for c in unicodedata.normalize("NFKD", name or ""))
    return tuple(simplify(t) for t in spaced.split() if simplify(t))


def jaro_winkler(a: str, b: str, *, prefix_scale: float = 0.1) -> float:
    """Jaro-Winkler similarity of two strings (0..1)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    a_matched = [False] * len(a)
    b_matched = [False] * len(b)
    matches = 0
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not b_matched[j] and b[j] == ch:
                a_matched[i] = b_matched[j] = True
                matches += 1
                break
    if matches == 0:
        return 0.0
    a_seq = [ch for ch, m in zip(a, a_matched, strict=True) if m]
    b_seq = [ch for ch, m in zip(b, b_matched, strict=True) if m]
    transpositions = sum(x != y for x, y in zip(a_seq, b_seq, strict=True)) / 2
    jaro = (matches / len(a) + matches / len(b) + (matches - transpositions) / matches) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * prefix_scale * (1 - jaro)


def one_edit_apart(a: str, b: str) -> bool:
    """True when one substitution, insertion, deletion or swap of neighbours turns a into b.

    Jaro-Winkler undervalues a single slip in names with repeated letters ("Abbott"/"Aabott");
    one keyboard slip is exactly the mistake a duplicate check must forgive.
    """
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and (a[diffs[1]] == b[diffs[0]])
        )
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


# Names of at least this many letters count as close when one slip apart.
_ONE_EDIT_MIN_LENGTH = 4
_ONE_EDIT_SCORE = 0.88


# Names repeat a great deal on a register, so pairs are remembered (the functions are pure).
@lru_cache(maxsize=16384)
def given_name_similarity(a: str, b: str) -> float:
    """How alike two given names are, allowing initials, short and familiar forms."""
    x, y = simplify(a), simplify(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    best = jaro_winkler(x, y)
    if min(len(x), len(y)) >= _ONE_EDIT_MIN_LENGTH and one_edit_apart(x, y):
        best = max(best, _ONE_EDIT_SCORE)
    short, long_ = sorted((x, y), key=len)
    if len(short) == 1:
        # An initial: "J" for "John".
        return 0.9 if long_.startswith(short) else 0.0
    if frozenset({x, y}) in _FAMILIAR_PAIRS:
        best = max(best, 0.92)
    if len(short) >= 3 and long_.startswith(short):
        # A short form: "Kat"/"Kate" for "Katherine", "Chris" for "Christopher".
        best = max(best, 0.92)
    # A middle name entered with the given name: "Ann Mary" on one record, "Mary" on the other.
    for raw_long, raw_short in ((a, b), (b, a)):
        parts = _tokens(raw_long)
        if len(parts) > 1 and simplify(raw_short) in parts and len(simplify(raw_short)) >= 3:
            best = max(best, 0.9)
    return best


@lru_cache(maxsize=16384)
def family_name_similarity(a: str, b: str) -> float:
    """How alike two family names are, allowing one part of a double-barrelled name."""
    x, y = simplify(a), simplify(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    best = jaro_winkler(x, y)
    if min(len(x), len(y)) >= _ONE_EDIT_MIN_LENGTH and one_edit_apart(x, y):
        best = max(best, _ONE_EDIT_SCORE)
    a_parts, b_parts = set(_tokens(a)), set(_tokens(b))
    if (len(a_parts) > 1 or len(b_parts) > 1) and a_parts & b_parts:
        # "Smith-Jones" / "Jones": one record kept only part of the name.
        best = max(best, 0.9)
    return best


def name_similarity(
    given_a: str, family_a: str, given_b: str, family_b: str, *, preferred_b: str = ""
) -> tuple[float, float, bool]:
    """(given similarity, family similarity, swapped) for two people's names.

    ``swapped`` is True when the names match better the other way round (given entered as family).
    ``preferred_b`` is the second record's preferred name, tried as a given name too.
    """
    given = given_name_similarity(given_a, given_b)
    if preferred_b:
        given = max(given, given_name_similarity(given_a, preferred_b))
    family = family_name_similarity(family_a, family_b)
    if given >= CLOSE and family >= CLOSE:
        return given, family, False
    swapped_given = given_name_similarity(given_a, family_b)
    swapped_family = family_name_similarity(family_a, given_b)
    if (
        min(swapped_given, swapped_family) > min(given, family)
        and min(swapped_given, swapped_family) >= CLOSE
    ):
        return swapped_given, swapped_family, True
    return given, family, False
