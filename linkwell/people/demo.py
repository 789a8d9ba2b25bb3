"""Demo builder for people: about 300 fictional residents of the Northside area, with consent.

People are varied the way a social prescribing caseload is: every age from 18 to 95, more women
than men, NHS ethnic categories in proportions where Black and Asian people are fewer than in the
area (an equity gap the reports should show), deprivation skewed to the most deprived deciles,
community languages and interpreter needs. Names come from mixed lists per background; addresses
are invented streets, phone numbers come from Ofcom's drama range, NHS numbers from the 999 range
kept for testing. A few near-duplicate records (a typo, a short name) give the duplicate review
something to do.

Leaves in the context: ``extra["person_profiles"]``, a list of Profile (the person's details as
a referrer gives them); the referrals builder turns each into a record through referral_create
and appends it to ``ctx.people``. ``record_consents`` is the consent step of a first conversation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from linkwell.accounts.models import Organisation, OrganisationKind
from linkwell.common.demo import DemoContext
from linkwell.people.validation import nhs_check_digit

from .models import ConsentMethod, ConsentPurpose, ContactMethod, Person, Sex
from .services import consent_record


@dataclass(frozen=True)
class Background:
    """Names and languages for one NHS ethnic category."""

    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    # (language, weight); "English" for most.
    languages: tuple[tuple[str, float], ...] = (("English", 1.0),)


_BRITISH_FAMILY = (
    "Smith", "Jones", "Taylor", "Brown", "Wilson", "Walker", "Wood", "Robinson", "Thompson",
    "Wright", "Hall", "Green", "Clarke", "Jackson", "Harrison", "Mitchell", "Hughes", "Shaw",
    "Holmes", "Barker", "Marshall", "Atkinson", "Dawson", "Hirst", "Sutcliffe", "Ackroyd",
    "Greenwood", "Bairstow", "Haigh", "Lister", "Pickles", "Firth", "Exley", "Booth", "Crowther",
)  # fmt: skip
_CARIBBEAN_FAMILY = (
    "Campbell", "Williams", "Brown", "Francis", "Bailey", "Richards", "Grant", "Morgan",
    "Johnson", "Reid", "Henry", "Thomas",
)  # fmt: skip

BACKGROUNDS: dict[str, Background] = {
    # White British: given names by generation are chosen in _given_name.
    "A": Background((), (), _BRITISH_FAMILY),
    "B": Background(
        ("Siobhan", "Niamh", "Aoife", "Bridget", "Mary", "Orla", "Roisin"),
        ("Sean", "Patrick", "Declan", "Ciaran", "Eamon", "Padraig", "Liam"),
        ("Murphy", "Kelly", "O'Brien", "Byrne", "Ryan", "Doyle", "Gallagher", "Kavanagh"),
    ),
    "C": Background(
        ("Agnieszka", "Katarzyna", "Magdalena", "Ioana", "Elena", "Jurgita", "Ana", "Zuzana"),
        ("Tomasz", "Piotr", "Marek", "Andrei", "Mihai", "Tomas", "Joao", "Lukas"),
        (
            "Nowak",
            "Kaminski",
            "Lewandowski",
            "Popescu",
            "Ionescu",
            "Kazlauskas",
            "Silva",
            "Santos",
            "Horvath",
            "Novak",
        ),
        (
            ("English", 0.55),
            ("Polish", 0.2),
            ("Romanian", 0.12),
            ("Lithuanian", 0.07),
            ("Portuguese", 0.06),
        ),
    ),  # fmt: skip
    "D": Background(
        ("Jade", "Tia", "Kayla", "Leah", "Shanice", "Chantelle"),
        ("Marcus", "Tyrone", "Jordan", "Kyle", "Reece", "Dwayne"),
        _CARIBBEAN_FAMILY + ("Walker", "Smith", "Taylor"),
    ),
    "E": Background(
        ("Amara", "Zara", "Imani", "Nia"),
        ("Kofi", "Tobi", "Isaac", "Joel"),
        ("Mensah", "Okoro", "Smith", "Wilson", "Adeyemi"),
    ),
    "F": Background(
        ("Maya", "Aaliyah", "Layla", "Sophie"),
        ("Adam", "Zain", "Samuel", "Rhys"),
        ("Khan", "Patel", "Hughes", "Ahmed", "Clarke"),
    ),
    "G": Background(
        ("Naomi", "Jasmine", "Anya", "Kerry"),
        ("Ethan", "Nathan", "Luca", "Jay"),
        ("Santos", "Okafor", "Walker", "Lee", "Rossi"),
    ),
    "H": Background(
        ("Priya", "Anjali", "Sunita", "Harpreet", "Manjit", "Kiran", "Neha", "Sita"),
        ("Rajesh", "Sanjay", "Arjun", "Gurpreet", "Harjit", "Vikram", "Amrit", "Deepak"),
        ("Patel", "Sharma", "Singh", "Gill", "Sandhu", "Mistry", "Chauhan", "Bhatti"),
        (("English", 0.72), ("Punjabi", 0.18), ("Gujarati", 0.1)),
    ),
    "J": Background(
        ("Ayesha", "Fatima", "Nasreen", "Shazia", "Samina", "Zainab", "Amina", "Rukhsana"),
        ("Mohammed", "Imran", "Asif", "Tariq", "Zubair", "Bilal", "Hamza", "Shahid"),
        ("Khan", "Hussain", "Akhtar", "Iqbal", "Mahmood", "Shah", "Ali", "Butt", "Rashid"),
        (("English", 0.68), ("Urdu", 0.2), ("Punjabi", 0.12)),
    ),
    "K": Background(
        ("Rahima", "Salma", "Nazma", "Shirin", "Jahanara", "Taslima"),
        ("Abdul", "Shahid", "Rafiq", "Jamal", "Kamal", "Anwar"),
        ("Uddin", "Miah", "Rahman", "Chowdhury", "Islam", "Ahmed"),
        (("English", 0.6), ("Bengali (Sylheti)", 0.4)),
    ),
    "L": Background(
        ("Tharshini", "Maria", "Parwana", "Sabina", "Rosalie"),
        ("Suresh", "Ahmad", "Rohan", "Bikash", "Jose"),
        ("Perera", "Gurung", "Reyes", "Ahmadi", "Thapa", "Sivakumar"),
        (("English", 0.6), ("Tamil", 0.15), ("Dari", 0.15), ("Nepali", 0.1)),
    ),
    "M": Background(
        ("Beverley", "Marcia", "Yvonne", "Janice", "Simone", "Hyacinth", "Paulette"),
        ("Winston", "Delroy", "Errol", "Clive", "Leon", "Everton", "Lloyd"),
        _CARIBBEAN_FAMILY,
    ),
    "N": Background(
        ("Blessing", "Grace", "Chiamaka", "Abena", "Fadumo", "Hiwet", "Amina", "Tendai"),
        ("Emmanuel", "Kwame", "Chinedu", "Abdi", "Yonas", "Tatenda", "Samuel", "Femi"),
        ("Okafor", "Mensah", "Adeyemi", "Osei", "Mohamed", "Tesfaye", "Moyo", "Abdullahi", "Nwosu"),
        (("English", 0.62), ("Somali", 0.16), ("Tigrinya", 0.12), ("Arabic", 0.1)),
    ),  # fmt: skip
    "P": Background(
        ("Keisha", "Tamika", "Renee"),
        ("Andre", "Marlon", "Dion"),
        _CARIBBEAN_FAMILY + ("Mensah", "Osei"),
    ),
    "R": Background(
        ("Mei", "Li Na", "Xiu", "Wing", "Yan"),
        ("Wei", "Jun", "Ming", "Kai", "Hong"),
        ("Chen", "Wang", "Li", "Zhang", "Wong", "Lau", "Cheung"),
        (("English", 0.55), ("Cantonese", 0.25), ("Mandarin", 0.2)),
    ),
    "S": Background(
        ("Leila", "Maryam", "Rania", "Shilan", "Noor", "Hana"),
        ("Omar", "Karim", "Reza", "Dilan", "Yusuf", "Hassan"),
        ("Hassan", "Ahmadi", "Abdullah", "Karimi", "Rashid", "Mustafa", "Aziz"),
        (("English", 0.4), ("Arabic", 0.25), ("Kurdish (Sorani)", 0.2), ("Farsi", 0.15)),
    ),
}

# White British given names by the decade people were born, so a 90-year-old is not "Chloe".
_BRITISH_GIVEN: tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...] = (
    (1945, ("Margaret", "Dorothy", "Jean", "Joan", "Brenda", "Maureen", "Barbara", "Eileen",
            "Irene", "Doreen"),
           ("Ronald", "Kenneth", "Derek", "Harold", "Brian", "Geoffrey", "Alan", "Dennis",
            "Frank", "Albert")),
    (1965, ("Susan", "Linda", "Christine", "Pauline", "Sandra", "Carol", "Janet", "Patricia",
            "Elaine", "Gillian"),
           ("David", "John", "Keith", "Peter", "Michael", "Trevor", "Graham", "Colin", "Barry",
            "Malcolm")),
    (1985, ("Karen", "Julie", "Tracey", "Joanne", "Lisa", "Claire", "Nicola", "Michelle",
            "Donna", "Kelly"),
           ("Paul", "Mark", "Andrew", "Stephen", "Gary", "Lee", "Darren", "Craig", "Neil",
            "Wayne")),
    (2010, ("Emma", "Sarah", "Gemma", "Laura", "Chloe", "Jessica", "Amy", "Megan", "Shannon",
            "Lauren"),
           ("James", "Daniel", "Thomas", "Ryan", "Liam", "Connor", "Jordan", "Kieran", "Callum",
            "Jamie")),
)  # fmt: skip

# NHS ethnic category codes and their share of the people referred (fewer Black and Asian people
# than live in the area: the gap the equity report exists to show).
ETHNICITY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("A", 72), ("B", 1.5), ("C", 5), ("D", 1), ("E", 0.5), ("F", 0.7), ("G", 0.5), ("H", 2),
    ("J", 4), ("K", 1), ("L", 1.2), ("M", 1.2), ("N", 2.5), ("P", 0.4), ("R", 0.8), ("S", 1.2),
    ("Z", 2.5), ("99", 2),
)  # fmt: skip
# Age bands (first age, last age, weight): people over 65 are under-referred too.
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (18, 24, 9), (25, 34, 15), (35, 44, 18), (45, 54, 20), (55, 64, 18), (65, 74, 10),
    (75, 84, 7), (85, 95, 3),
)  # fmt: skip
# Index of Multiple Deprivation decile (1 = most deprived), skewed the way referrals are.
DEPRIVATION_WEIGHTS: tuple[tuple[int | None, float], ...] = (
    (1, 22), (2, 17), (3, 13), (4, 11), (5, 9), (6, 8), (7, 6), (8, 5), (9, 3), (10, 3),
    (None, 3),
)  # fmt: skip
SEX_WEIGHTS: tuple[tuple[str, float], ...] = (
    (Sex.FEMALE, 57),
    (Sex.MALE, 40.5),
    (Sex.INTERSEX, 0.3),
    (Sex.NOT_STATED, 1.2),
    (Sex.UNKNOWN, 1),
)

STREETS = (
    "Larkspur Way", "Quarry Bank Road", "Millstone Terrace", "Canal View", "Foundry Walk",
    "Heather Close", "Tannery Lane", "Weavers Row", "Moorside Crescent", "Kiln Street",
    "Linnet Grove", "Chapel Fold", "Beck Side", "Ropewalk Court", "Wharf Mount", "Orchard Rise",
    "Bobbin Mill Drive", "Spindle Avenue", "Foxglove Place", "Hillfoot Gardens",
)  # fmt: skip
FLAT_PREFIXES = ("Flat 2, ", "Flat 5, ", "Flat 11, ", "Flat 3B, ", "")

ACCESSIBILITY_NEEDS = (
    "Uses a wheelchair: ground-floor rooms please.",
    "Hard of hearing: prefers text messages, or face to face.",
    "Partially sighted: large-print letters.",
    "Dyslexic: prefers a phone call to letters.",
    "Learning disability: easy-read information and time to talk things through.",
    "Anxious on the phone: please text first.",
)
CONTACT_TIMES = (
    "Mornings",
    "After 3pm when the children are home from school",
    "Not Wednesdays (dialysis)",
    "Weekdays before 6pm",
    "Any time",
    "Evenings after work",
)
GENDER_IDENTITIES = ("Non-binary", "Trans woman", "Trans man")


def _age_to_birth_date(ctx: DemoContext, age: int) -> dt.date:
    today = ctx.now.date()
    return today - dt.timedelta(days=age * 365 + ctx.rng.randint(0, 364))


def _given_name(ctx: DemoContext, code: str, female: bool, born: int) -> str:
    background = BACKGROUNDS.get(code)
    if code == "A" or background is None:
        for until, women, men in _BRITISH_GIVEN:
            if born <= until:
                return ctx.pick(women if female else men)
        youngest = _BRITISH_GIVEN[-1]
        return ctx.pick(youngest[1] if female else youngest[2])
    return ctx.pick(background.female if female else background.male)


def _family_name(ctx: DemoContext, code: str, female: bool) -> str:
    background = BACKGROUNDS.get(code) or BACKGROUNDS["A"]
    name = ctx.pick(background.family)
    if female and name == "Singh":
        return "Kaur"
    if female and name in ("Uddin", "Miah") and ctx.chance(0.6):
        return "Begum"
    if female and name.endswith("ski"):
        return name[:-1] + "a"
    return name


class _NhsNumbers:
    """Valid NHS numbers from the 999 range kept for testing, never repeated."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.used: set[str] = set()

    def next(self) -> str:
        while True:
            first_nine = f"999{self.ctx.rng.randint(0, 999999):06d}"
            check = nhs_check_digit(first_nine)
            number = f"{first_nine}{check}"
            if check is not None and number not in self.used:
                self.used.add(number)
                return number


def _person_fields(ctx: DemoContext, nhs: _NhsNumbers, gps: list[Organisation]) -> dict[str, Any]:
    code = ctx.weighted(ETHNICITY_WEIGHTS)
    sex = ctx.weighted(SEX_WEIGHTS)
    female = sex == Sex.FEMALE or (sex != Sex.MALE and ctx.chance(0.5))
    low, high, _ = ctx.weighted([(band, band[2]) for band in AGE_BANDS])
    age = ctx.rng.randint(low, high)
    dob = _age_to_birth_date(ctx, age)
    background = BACKGROUNDS.get(code) or BACKGROUNDS["A"]
    given = _given_name(ctx, code, female, dob.year)
    family = _family_name(ctx, code, female)
    language = ctx.weighted(background.languages)
    # Older people who speak another language at home more often need an interpreter.
    interpreter = language != "English" and ctx.chance(0.35 + min(age, 80) / 200)
    postcode = ctx.postcode()
    address = (
        f"{ctx.pick(FLAT_PREFIXES) if ctx.chance(0.3) else ''}"
        f"{ctx.rng.randint(1, 140)} {ctx.pick(STREETS)}\nNorthside"
    )
    has_email = ctx.chance(0.75 if age < 65 else 0.3)
    email = f"{given.split()[0].lower()}.{family.lower().replace(chr(39), '')}"
    email = f"{email}{ctx.rng.randint(1, 99)}@example.org" if has_email else ""
    if interpreter or age >= 80:
        contact = ContactMethod.PHONE if ctx.chance(0.7) else ContactMethod.LETTER
    else:
        contact = ctx.weighted(
            [(ContactMethod.PHONE, 50), (ContactMethod.SMS, 30), (ContactMethod.EMAIL, 15 if
             has_email else 0), (ContactMethod.LETTER, 5)]
        )  # fmt: skip
    preferred = ""
    if given in ("Margaret", "Patricia", "Christine") and ctx.chance(0.5):
        preferred = {"Margaret": "Peggy", "Patricia": "Pat", "Christine": "Chris"}[given]
    elif given in ("Mohammed", "Kenneth", "Michael") and ctx.chance(0.4):
        preferred = {"Mohammed": "Mo", "Kenneth": "Ken", "Michael": "Mick"}[given]
    return {
        "nhs_number": nhs.next() if ctx.chance(0.85) else "",
        "given_name": given,
        "family_name": family,
        "preferred_name": preferred,
        "date_of_birth": dob,
        "address": address,
        "postcode": postcode,
        "phone": ctx.drama_mobile() if ctx.chance(0.85) else ctx.drama_landline(),
        "email": email,
        "preferred_contact_method": contact,
        "preferred_contact_times": ctx.pick(CONTACT_TIMES) if ctx.chance(0.4) else "",
        "language": language,
        "interpreter_needed": interpreter,
        "accessibility_needs": ctx.pick(ACCESSIBILITY_NEEDS) if ctx.chance(0.12) else "",
        "ethnic_category": code,
        "sex": sex,
        "gender_identity": ctx.pick(GENDER_IDENTITIES) if ctx.chance(0.015) else "",
        "deprivation_decile": ctx.weighted(DEPRIVATION_WEIGHTS),
        "gp_practice": ctx.pick(gps) if gps else None,
    }


def _near_duplicate(ctx: DemoContext, original: dict[str, Any]) -> dict[str, Any]:
    """The same person entered again by someone else: no NHS number, a slip in the name."""
    copy = dict(original)
    copy["nhs_number"] = ""
    given = original["given_name"]
    short = {"Michael": "Mike", "Susan": "Sue", "Andrew": "Andy", "Margaret": "Maggie"}
    if given in short:
        copy["given_name"] = short[given]
    elif len(given) > 4:
        copy["given_name"] = given[:2] + given[3] + given[2] + given[4:]  # two letters swapped
    else:
        copy["family_name"] = original["family_name"] + "e"
    copy["phone"] = ctx.drama_mobile()
    copy["email"] = ""
    return copy


@dataclass
class Profile:
    """One fictional person as a referrer would describe them (``fields`` go to person_create
    through referral_create). ``duplicate_of`` marks a record planted as a near-duplicate."""

    fields: dict[str, Any]
    duplicate_of: int | None = None


def record_consents(
    ctx: DemoContext, person: Person, at: dt.datetime, actor: Any, *, method: str
) -> None:
    """The consents a link worker records at the first conversation (support itself was recorded
    with the referral): sharing with the GP and providers, evaluation, ways of contact."""
    decisions = [
        (ConsentPurpose.SHARE_WITH_GP, ctx.chance(0.9)),
        (ConsentPurpose.SHARE_WITH_PROVIDERS, ctx.chance(0.85)),
        (ConsentPurpose.EVALUATION, ctx.chance(0.7)),
    ]
    if person.preferred_contact_method == ContactMethod.SMS:
        decisions.append((ConsentPurpose.CONTACT_SMS, True))
    if person.preferred_contact_method == ContactMethod.EMAIL:
        decisions.append((ConsentPurpose.CONTACT_EMAIL, True))
    for purpose, given in decisions:
        consent_record(
            person=person, purpose=purpose, given=given, actor=actor, method=method, recorded_at=at
        )
        ctx.count("consent records")
    # Now and then someone changes their mind: the newest record is the one in force.
    if ctx.chance(0.04):
        later = min(at + dt.timedelta(days=ctx.rng.randint(10, 60)), ctx.now)
        consent_record(
            person=person,
            purpose=ConsentPurpose.EVALUATION,
            given=False,
            actor=actor,
            method=ConsentMethod.VERBAL,
            note="Said on the phone they would rather not be part of the evaluation.",
            recorded_at=later,
        )
        ctx.count("consent records")
        ctx.count("consents withdrawn")


def build(ctx: DemoContext) -> None:
    """Plan the area's people. Their records are made by the referrals builder, through
    referral_create (which calls person_create), because in Linkwell a person's record begins
    with a referral; a planted near-duplicate is then flagged by the duplicate check."""
    gps = ctx.organisations_of_kind(OrganisationKind.GP_PRACTICE)
    nhs = _NhsNumbers(ctx)
    # About one in fifty is entered twice with a slip in the name, for the duplicate review.
    duplicates = max(1, ctx.people_count // 50) if ctx.people_count >= 10 else 0
    originals = ctx.people_count - duplicates
    profiles = [Profile(_person_fields(ctx, nhs, gps)) for _ in range(originals)]
    for _ in range(duplicates):
        index = ctx.rng.randrange(originals)
        profiles.append(Profile(_near_duplicate(ctx, profiles[index].fields), duplicate_of=index))
    ctx.extra["person_profiles"] = profiles
