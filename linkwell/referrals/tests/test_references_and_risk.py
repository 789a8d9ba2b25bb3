from hypothesis import given
from hypothesis import strategies as st

from linkwell.referrals.references import (
    ALPHABET,
    generate_reference,
    is_valid_reference,
    normalise_reference,
)
from linkwell.referrals.risk import find_risk_words


def test_generated_references_have_the_documented_shape():
    for _ in range(200):
        reference = generate_reference()
        assert len(reference) == 12
        assert reference.startswith("LW-") and reference[7] == "-"
        assert is_valid_reference(reference)


def test_alphabet_leaves_out_confusable_characters():
    assert not set("01OILUV") & set(ALPHABET)


@given(st.data())
def test_any_single_mistyped_character_is_caught(data):
    reference = generate_reference()
    positions = [i for i, c in enumerate(reference) if c in ALPHABET and i > 2]
    i = data.draw(st.sampled_from(positions))
    replacement = data.draw(st.sampled_from([c for c in ALPHABET if c != reference[i]]))
    typo = reference[:i] + replacement + reference[i + 1 :]
    assert not is_valid_reference(typo)


@given(st.data())
def test_any_swap_of_neighbouring_characters_is_caught(data):
    reference = generate_reference()
    code = reference[3:].replace("-", "")
    i = data.draw(st.integers(min_value=0, max_value=len(code) - 2))
    if code[i] == code[i + 1]:
        return  # swapping equal characters changes nothing
    swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    assert not is_valid_reference(f"LW-{swapped[:4]}-{swapped[4:]}")


@given(st.sampled_from([" ", "-", ""]), st.booleans())
def test_normalising_is_case_and_spacing_insensitive(sep, lower):
    reference = generate_reference()
    typed = reference.replace("-", sep)
    typed = typed.lower() if lower else typed
    assert normalise_reference(typed) == reference
    assert normalise_reference(normalise_reference(typed)) == reference


def test_risk_words_are_grouped():
    words = find_risk_words("She took an overdose and says her partner hits me.")
    assert words.harm_to_self == ("overdose",)
    assert words.harm_from_others == ("hits me",)
    assert bool(words)


def test_self_harm_spellings_match():
    for text in ("self harm", "self-harm", "SELFHARM", "Self - harming"):
        assert find_risk_words(text).harm_to_self, text


def test_words_inside_other_words_do_not_match():
    assert not find_risk_words("Kills time at the allotment; overdosing on telly is a joke")
    assert not find_risk_words("Would like help with the garden and meeting people.")
