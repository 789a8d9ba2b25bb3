import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from linkwell.accounts.models import ODS_CODE_RE, Organisation, OrganisationKind, User
from linkwell.accounts.tests.factories import OrganisationFactory, TeamFactory


def _gp(ods_code):
    return Organisation(
        name="Meadow Lane Surgery", kind=OrganisationKind.GP_PRACTICE, ods_code=ods_code
    )


@given(st.from_regex(r"\A[A-Z0-9]{3,6}\Z"))
def test_gp_practice_accepts_any_3_to_6_upper_case_alphanumerics(code):
    org = _gp(code)
    org.clean()
    assert org.ods_code == code


@given(st.from_regex(r"\A[a-z0-9]{3,6}\Z"))
def test_gp_practice_ods_code_is_upper_cased(code):
    org = _gp(f"  {code} ")
    org.clean()
    assert org.ods_code == code.upper()


@given(st.text(max_size=10))
def test_gp_practice_ods_code_outside_the_format_is_refused_with_a_clear_message(code):
    normalised = code.strip().upper()
    org = _gp(code)
    if normalised and ODS_CODE_RE.match(normalised):
        org.clean()
        return
    with pytest.raises(ValidationError) as exc:
        org.clean()
    message = exc.value.message_dict["ods_code"][0]
    assert "ODS code" in message


@pytest.mark.parametrize("code", ["Y-1234", "AB", "Y0123456", "Y01 23", "Ÿ0123"])
def test_gp_practice_rejects_malformed_ods_codes(code):
    with pytest.raises(ValidationError, match="3 to 6 capital letters or numbers"):
        _gp(code).clean()


def test_gp_practice_without_an_ods_code_is_refused():
    with pytest.raises(ValidationError, match="A GP practice needs its ODS code"):
        _gp("   ").clean()


def test_other_organisations_need_no_ods_code_and_blank_is_stored_as_null():
    org = Organisation(name="Money Matters", kind=OrganisationKind.COMMUNITY_PROVIDER, ods_code="")
    org.clean()
    assert org.ods_code is None


@pytest.mark.django_db
def test_user_team_must_belong_to_the_users_organisation():
    team = TeamFactory()
    other = OrganisationFactory()
    user = User(username="x", organisation=other, team=team)
    with pytest.raises(ValidationError, match="team that belongs"):
        user.clean()


@pytest.mark.django_db
def test_user_with_a_team_and_no_organisation_takes_the_teams_organisation():
    team = TeamFactory()
    user = User(username="x", team=team)
    user.clean()
    assert user.organisation_id == team.organisation_id
