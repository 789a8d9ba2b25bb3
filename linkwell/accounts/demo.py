"""Demo builder for accounts: the fictional Northside area's organisations, teams and users.

Leaves in the context: ``organisations`` (keys below), ``teams`` ("team_east", "team_west"),
``users`` (the seven demo logins by username plus the other staff), ``logins`` to print, and
``extra["community_providers"]``: the providers with the needs domains they meet, for the directory
builder and for onward connections.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from linkwell.audit.services import audit_log
from linkwell.common.demo import DEMO_SERVICE_NAME, DemoContext, DemoLogin

from .models import Organisation, OrganisationKind, Role, Team, User
from .services import organisation_save, team_save, user_save

# username, what the role is called, what to try with it: printed at the end of load_demo.
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("linkworker", "Link worker", "the referral inbox and a caseload in the East team"),
    ("supervisor", "Supervisor", "the East team's caseload, risk flags and waiting times"),
    ("referrer", "Referrer", "a GP practice's referrals and what happened to them"),
    ("provider", "Provider", "a debt advice charity's listings and the people sent to it"),
    ("volunteer", "Volunteer", "a befriender: only the people matched to them"),
    ("commissioner", "Commissioner", "aggregate reports, never a name"),
    ("admin", "Administrator", "organisations, users and settings"),
)
BACKUP_CODES_PER_USER = 5
BACKUP_DEVICE_NAME = "Demo backup codes"


@dataclass(frozen=True)
class ProviderSpec:
    key: str
    name: str
    needs: tuple[str, ...]
    description: str


# The kinds of community support social prescribing connects people to. All names are invented.
COMMUNITY_PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        "money_matters",
        "Money Matters Debt Advice",
        ("money",),
        "Free, confidential debt advice and help with creditors.",
    ),
    ProviderSpec(
        "benefits_clinic",
        "Northside Welfare Rights Clinic",
        ("money", "legal"),
        "Benefit checks, Universal Credit claims and appeals.",
    ),
    ProviderSpec(
        "citizens_help",
        "Northside Citizens Help Point",
        ("money", "legal", "housing"),
        "Drop-in advice on money, housing, work and consumer problems.",
    ),
    ProviderSpec(
        "work_ready",
        "Work Ready Northside",
        ("employment", "learning"),
        "One-to-one employment advisers: CVs, interviews and job search.",
    ),
    ProviderSpec(
        "staying_well_at_work",
        "Staying Well at Work",
        ("employment", "mental_wellbeing"),
        "Support to stay in or return to work after sickness absence.",
    ),
    ProviderSpec(
        "tenancy_support",
        "Northside Tenancy Support",
        ("housing",),
        "Help to keep a tenancy: arrears, repairs, neighbour problems.",
    ),
    ProviderSpec(
        "homeless_advice",
        "Safe Doors Housing Advice",
        ("housing", "safety"),
        "Advice for people who are homeless or at risk of losing their home.",
    ),
    ProviderSpec(
        "recovery_college",
        "Northside Recovery College",
        ("mental_wellbeing", "learning", "purpose"),
        "Free courses on managing stress, sleep, confidence and living well.",
    ),
    ProviderSpec(
        "peer_support_mh",
        "Talk It Through Peer Support",
        ("mental_wellbeing", "loneliness"),
        "Weekly peer support groups run by people with lived experience.",
    ),
    ProviderSpec(
        "mens_shed",
        "Canal Side Men's Shed",
        ("loneliness", "purpose"),
        "A workshop where men meet, make and mend together.",
    ),
    ProviderSpec(
        "befriending",
        "Good Neighbours Befriending",
        ("loneliness",),
        "A volunteer befriender who visits or phones every week.",
    ),
    ProviderSpec(
        "telephone_friends",
        "Ring Round Telephone Friendship",
        ("loneliness",),
        "Friendly weekly phone calls for people who cannot get out.",
    ),
    ProviderSpec(
        "bereavement_group",
        "After Loss Bereavement Group",
        ("bereavement", "loneliness"),
        "A fortnightly group for people who have lost someone close.",
    ),
    ProviderSpec(
        "bereavement_counselling",
        "Northside Bereavement Listening Service",
        ("bereavement", "mental_wellbeing"),
        "Trained listeners for people grieving, one to one.",
    ),
    ProviderSpec(
        "walking_moor",
        "Moorside Walking for Health",
        ("physical_activity", "loneliness"),
        "Short, friendly led walks every Tuesday and Saturday.",
    ),
    ProviderSpec(
        "walking_park",
        "Park Strollers Walking Group",
        ("physical_activity",),
        "Gentle walks around the park for all abilities.",
    ),
    ProviderSpec(
        "active_ageing",
        "Active Ageing Chair Exercise",
        ("physical_activity", "long_term_condition"),
        "Seated exercise and balance classes for older people.",
    ),
    ProviderSpec(
        "community_football",
        "Kickabout Community Football",
        ("physical_activity", "mental_wellbeing"),
        "Walking football and turn-up-and-play sessions.",
    ),
    ProviderSpec(
        "bame_wellbeing",
        "Sahara Black and Asian Wellbeing Service",
        ("mental_wellbeing", "loneliness"),
        "Culturally sensitive wellbeing support in several community languages.",
    ),
    ProviderSpec(
        "womens_centre",
        "Northside Women's Centre",
        ("safety", "mental_wellbeing", "relationships"),
        "Support, groups and a safe space for women.",
    ),
    ProviderSpec(
        "carers_centre",
        "Northside Carers' Centre",
        ("caring",),
        "Carers' assessments, breaks, advice and a carers' support group.",
    ),
    ProviderSpec(
        "young_carers",
        "Young Adult Carers Network",
        ("caring", "learning"),
        "Support for carers aged 18 to 25.",
    ),
    ProviderSpec(
        "food_bank",
        "Northside Food Bank",
        ("food", "money"),
        "Emergency food parcels with a referral voucher.",
    ),
    ProviderSpec(
        "community_pantry",
        "Hillfoot Community Pantry",
        ("food",),
        "A low-cost weekly shop for members.",
    ),
    ProviderSpec(
        "cook_eat",
        "Cook and Eat Together",
        ("food", "loneliness"),
        "Cook a meal on a budget and eat it together.",
    ),
    ProviderSpec(
        "digital_inclusion",
        "Get Online Northside",
        ("digital",),
        "Free tablets on loan, data, and help to get online.",
    ),
    ProviderSpec(
        "library_digital",
        "Northside Library Digital Drop-in",
        ("digital", "learning"),
        "Weekly help with phones, email and online forms.",
    ),
    ProviderSpec(
        "esol",
        "English for Everyone ESOL",
        ("learning", "immigration"),
        "Free English classes at every level.",
    ),
    ProviderSpec(
        "refugee_welcome",
        "Northside Refugee Welcome",
        ("immigration", "loneliness", "legal"),
        "Advice, friendship and practical help for people new to the UK.",
    ),
    ProviderSpec(
        "adult_learning",
        "Northside Adult Learning",
        ("learning", "purpose"),
        "Short courses, maths and English, and qualifications.",
    ),
    ProviderSpec(
        "volunteer_centre",
        "Northside Volunteer Centre",
        ("purpose", "employment"),
        "Find a volunteering role that suits you.",
    ),
    ProviderSpec(
        "arts_on_prescription",
        "Open Studio Arts",
        ("purpose", "mental_wellbeing"),
        "Creative art sessions in a relaxed studio.",
    ),
    ProviderSpec(
        "community_garden",
        "Allotment Growers Community Garden",
        ("purpose", "physical_activity", "loneliness"),
        "Grow food, get outside and meet people.",
    ),
    ProviderSpec(
        "singing_group",
        "Sing Out Community Choir",
        ("loneliness", "mental_wellbeing"),
        "A choir with no auditions and no need to read music.",
    ),
    ProviderSpec(
        "faith_coffee",
        "St Aidan's Church Hall Coffee Morning",
        ("loneliness", "purpose"),
        "A warm welcome, tea and company every Wednesday.",
    ),
    ProviderSpec(
        "mosque_wellbeing",
        "Masjid Al-Noor Wellbeing Circle",
        ("loneliness", "mental_wellbeing"),
        "A weekly wellbeing circle for women and for men, in Urdu and English.",
    ),
    ProviderSpec(
        "gurdwara_langar",
        "Gurdwara Community Lunch Club",
        ("loneliness", "food"),
        "A free hot lunch and company, open to everyone.",
    ),
    ProviderSpec(
        "alcohol_support",
        "Fresh Start Alcohol and Drug Service",
        ("substance_use",),
        "Confidential support to cut down or stop drinking or using drugs.",
    ),
    ProviderSpec(
        "gambling_support",
        "Northside Gambling Support",
        ("substance_use", "money"),
        "Free help for people affected by gambling.",
    ),
    ProviderSpec(
        "pain_cafe",
        "Living Well with Pain Cafe",
        ("long_term_condition", "loneliness"),
        "A peer group for people living with long-term pain.",
    ),
    ProviderSpec(
        "community_transport",
        "Northside Community Transport",
        ("transport",),
        "Door-to-door minibus for people who cannot use buses.",
    ),
    ProviderSpec(
        "family_support",
        "Family Matters Northside",
        ("relationships", "caring"),
        "Support for families going through a hard time.",
    ),
)

GP_PRACTICES: tuple[tuple[str, str, str], ...] = (
    # key, name, ODS-shaped code (fictional)
    ("gp_meadow", "Meadow Lane Surgery", "Y90101"),
    ("gp_hilltop", "Hill Top Practice", "Y90102"),
    ("gp_larkspur", "Larkspur Medical Centre", "Y90103"),
    ("gp_canal", "Canal Side Health Centre", "Y90104"),
    ("gp_foundry", "Foundry Street Surgery", "Y90105"),
    ("gp_northside", "Northside Family Practice", "Y90106"),
)

OTHER_ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    ("talking_therapies", "Northside NHS Talking Therapies", OrganisationKind.TALKING_THERAPIES),
    ("job_centre", "Northside Jobcentre Plus", OrganisationKind.JOB_CENTRE),
    ("housing", "Northside Homes", OrganisationKind.HOUSING_PROVIDER),
    ("housing_association", "Canal Side Housing Association", OrganisationKind.HOUSING_PROVIDER),
    ("hospital", "Northside General Hospital Discharge Team", OrganisationKind.OTHER),
    ("icb", "Northside Health and Care Partnership", OrganisationKind.OTHER),
)

# Staff of the service: (username, given name, family name, role, team key).
SERVICE_STAFF: tuple[tuple[str, str, str, str, str], ...] = (
    ("linkworker", "Priya", "Sandhu", Role.LINK_WORKER, "team_east"),
    ("supervisor", "Helen", "Okafor", Role.SUPERVISOR, "team_east"),
    ("t.walsh", "Tom", "Walsh", Role.LINK_WORKER, "team_east"),
    ("a.begum", "Aisha", "Begum", Role.LINK_WORKER, "team_east"),
    ("d.kowalski", "Dominika", "Kowalski", Role.LINK_WORKER, "team_east"),
    ("m.osei", "Michael", "Osei", Role.SUPERVISOR, "team_west"),
    ("j.hartley", "Joanne", "Hartley", Role.LINK_WORKER, "team_west"),
    ("s.rahman", "Samir", "Rahman", Role.LINK_WORKER, "team_west"),
    ("c.byrne", "Ciara", "Byrne", Role.LINK_WORKER, "team_west"),
    ("l.campbell", "Leon", "Campbell", Role.LINK_WORKER, "team_west"),
)


def _org(
    ctx: DemoContext, key: str, *, name: str, kind: str, ods_code: str | None = None
) -> Organisation:
    org = Organisation(
        name=name,
        kind=kind,
        ods_code=ods_code,
        email=f"{key.replace('_', '.')}@example.org",
        phone=ctx.drama_landline(),
        postcode=ctx.postcode(),
    )
    organisation_save(organisation=org, actor=None)
    ctx.organisations[key] = org
    ctx.count("organisations")
    return org


def _user(
    ctx: DemoContext,
    *,
    username: str,
    given: str,
    family: str,
    role: str,
    organisation: Organisation | None,
    team: Team | None = None,
    password_hash: str,
) -> User:
    user = User(
        username=username,
        first_name=given,
        last_name=family,
        email=f"{given.lower()}.{family.lower()}@example.org".replace("'", ""),
        role=role,
        organisation=organisation,
        team=team,
        phone=ctx.drama_landline(),
    )
    if role == Role.ADMIN:
        # The demo administrator can use every Django admin page as well as Linkwell's own.
        user.is_superuser = True
    # One hash for every demo user: hashing the same password a dozen times would cost seconds.
    user.password = password_hash
    user_save(user=user, actor=None, changed_fields=["username", "role", "password"])
    ctx.users[username] = user
    ctx.count("users")
    return user


def _backup_codes(ctx: DemoContext, user: User) -> tuple[str, ...]:
    """Single-use backup codes (django-otp static tokens), so a demo supervisor or administrator
    can pass two-factor sign-in without setting up an authenticator app first."""
    # Made here, not by two_factor_backup_codes_create, which only adds codes beside an
    # authenticator app; random (not from the seed), so codes are not the same in every demo.
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = tuple(StaticToken.random_token() for _ in range(BACKUP_CODES_PER_USER))
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit_log(
        action="update",
        obj=user,
        detail={"changed": ["two_factor_backup_codes"], "demo": True},
    )
    return codes


def build(ctx: DemoContext) -> None:
    from django.conf import settings

    total = 1 + len(GP_PRACTICES) + len(OTHER_ORGANISATIONS) + len(COMMUNITY_PROVIDERS) + 20
    with ctx.progress("Organisations and staff", total) as bar:
        service = _org(
            ctx, "service", name=DEMO_SERVICE_NAME, kind=OrganisationKind.SOCIAL_PRESCRIBING_SERVICE
        )
        bar.update()
        for key, name, code in GP_PRACTICES:
            _org(ctx, key, name=name, kind=OrganisationKind.GP_PRACTICE, ods_code=code)
            bar.update()
        for key, name, kind in OTHER_ORGANISATIONS:
            _org(ctx, key, name=name, kind=kind)
            bar.update()
        for spec in COMMUNITY_PROVIDERS:
            _org(ctx, spec.key, name=spec.name, kind=OrganisationKind.COMMUNITY_PROVIDER)
            bar.update()
        ctx.extra["community_providers"] = COMMUNITY_PROVIDERS

        for key, name in (("team_east", "East team"), ("team_west", "West team")):
            team = team_save(team=Team(organisation=service, name=name), actor=None)
            ctx.teams[key] = team
            ctx.count("teams")

        password_hash = make_password(ctx.password)
        for username, given, family, role, team_key in SERVICE_STAFF:
            _user(
                ctx,
                username=username,
                given=given,
                family=family,
                role=role,
                organisation=service,
                team=ctx.teams[team_key],
                password_hash=password_hash,
            )
            bar.update()
        others = (
            ("referrer", "Gemma", "Lowe", Role.REFERRER, "gp_meadow"),
            ("r.ahmed", "Imran", "Ahmed", Role.REFERRER, "gp_hilltop"),
            ("r.clarke", "Sue", "Clarke", Role.REFERRER, "gp_larkspur"),
            ("r.nowak", "Piotr", "Nowak", Role.REFERRER, "talking_therapies"),
            ("r.thompson", "Dean", "Thompson", Role.REFERRER, "job_centre"),
            ("r.mensah", "Grace", "Mensah", Role.REFERRER, "housing"),
            ("provider", "Rob", "Fairclough", Role.PROVIDER, "money_matters"),
            ("volunteer", "Margaret", "Holt", Role.VOLUNTEER, "service"),
            ("commissioner", "Anil", "Mistry", Role.COMMISSIONER, "icb"),
            ("admin", "Karen", "Whitaker", Role.ADMIN, "service"),
        )
        for username, given, family, role, org_key in others:
            _user(
                ctx,
                username=username,
                given=given,
                family=family,
                role=role,
                organisation=ctx.organisations[org_key],
                password_hash=password_hash,
            )
            bar.update()

    needs_second_factor = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    for username, role_label, description in DEMO_LOGINS:
        user = ctx.users[username]
        codes = _backup_codes(ctx, user) if user.role in needs_second_factor else ()
        ctx.logins.append(DemoLogin(username, role_label, description, codes))
