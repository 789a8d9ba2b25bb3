import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkwell.people.similarity import (
    CLOSE,
    family_name_similarity,
    given_name_similarity,
    jaro_winkler,
    name_similarity,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jon", "John"),
        ("Katherine", "Kathryn"),
        ("Kate", "Katherine"),
        ("Bob", "Robert"),
        ("J", "John"),
        ("Chris", "Christopher"),
        ("Ann Mary", "Mary"),
        ("Mohammed", "Muhammad"),
    ],
)
def test_close_given_names(a, b):
    assert given_name_similarity(a, b) >= CLOSE
    assert given_name_similarity(b, a) >= CLOSE


@pytest.mark.parametrize(("a", "b"), [("Sarah", "Susan"), ("Peter", "Paul"), ("J", "Mary")])
def test_different_given_names(a, b):
    assert given_name_similarity(a, b) < CLOSE


def test_family_names_tolerate_a_typo_and_a_double_barrel():
    assert family_name_similarity("Smith", "Smyth") >= CLOSE
    assert family_name_similarity("O'Brien", "OBrien") == 1.0
    assert family_name_similarity("Smith-Jones", "Jones") >= CLOSE
    assert family_name_similarity("Jones", "Johnson") < CLOSE


def test_swapped_names_are_recognised():
    given, family, swapped = name_similarity("Smith", "John", "John", "Smith")
    assert swapped
    assert given == family == 1.0


@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_jaro_winkler_is_a_symmetric_score_between_0_and_1(a, b):
    score = jaro_winkler(a, b)
    assert 0.0 <= score <= 1.0
    assert score == pytest.approx(jaro_winkler(b, a))
    assert jaro_winkler(a, a) == 1.0


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=14),
    st.data(),
)
def test_a_single_typo_after_the_first_letter_is_still_a_close_name(name, data):
    position = data.draw(st.integers(min_value=1, max_value=len(name) - 1))
    letter = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
    typo = name[:position] + letter + name[position + 1 :]
    assert family_name_similarity(name, typo) >= CLOSE
    assert given_name_similarity(name.title(), typo.upper()) >= CLOSE


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("abbott", "aabott", True),  # substitution
        ("abbott", "abott", True),  # deletion
        ("abbott", "abbbott", True),  # insertion
        ("abbott", "abbtot", True),  # neighbours swapped
        ("abbott", "abbott", False),  # the same
        ("abbott", "ebbotx", False),  # two slips
    ],
)
def test_one_edit_apart_recognises_a_single_slip(a, b, expected):
    from linkwell.people.similarity import one_edit_apart

    assert one_edit_apart(a, b) is expected
