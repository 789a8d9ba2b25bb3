"""SQLite's count index (migration 0010): a text search's total counted by FTS5 alone is the
count of reading each match's search document and testing it."""

import datetime as dt
import importlib
import random

import pytest
from django.db import connection
from django.utils import timezone

from linkwell.directory.search import CountFacts, Fts5Backend
from linkwell.directory.selectors import (
    ServiceFilters,
    _count_facts,
    _document_where,
    hide_after_days,
    service_search,
)

from .factories import make_service

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's FTS5 count index"),
]

WORDS = ["debt", "advice", "walking", "club", "food", "bank", "carers", "yoga", "wellbeing"]
NEEDS = ["money", "housing", "food", "mental_wellbeing"]
MODES = ["face_to_face", "telephone", "video", "home_visit"]


def _counts(query, filters, include_hidden, now):
    """(the count index's count, the count by reading each match's document)."""
    backend = Fts5Backend()
    facts = _count_facts(filters, include_hidden, now)
    assert facts is not None
    match = backend._count_match(query, facts)
    assert match is not None, "the count index takes these filters"
    indexed = backend._count_indexed(match, facts.cutoff)
    sql, params = _document_where(filters, include_hidden, now)
    return indexed, backend._count(query, sql, params)


def _directory(rng, now):
    """Services with every fact drawn at random: statuses, verification times on both sides of
    the cutoff (some within seconds of it, some in the weeks around it), fractional and
    out-of-range ages, several needs and modes."""
    from linkwell.directory.models import ServiceProfile

    cutoff = now - dt.timedelta(days=hide_after_days())
    for i in range(120):
        service = make_service(
            f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {i}",
            description=" ".join(rng.choices(WORDS, k=5)),
            status=rng.choice(["active"] * 6 + ["inactive", "defunct", "temporarily closed"]),
            needs=tuple(rng.sample(NEEDS, k=rng.randint(0, 3))),
            modes=tuple(rng.sample(MODES, k=rng.randint(0, 2))),
            at=None,
            byday=None,
            languages=(),
            cost=rng.choice(["free", "free", "paid", "unknown"]),
            access=rng.choice(["self_referral", "referral_needed"]),
            minimum_age=rng.choice([None, None, 0, 15.5, 16, 18, 50, 65, -3, 300]),
            maximum_age=rng.choice([None, None, 0, 16, 17.9, 25, 64.5, 255, 1000, -2]),
        )
        verified = rng.choice(
            [
                None,
                cutoff - dt.timedelta(seconds=1),
                cutoff,
                cutoff + dt.timedelta(seconds=1),
                cutoff + dt.timedelta(days=rng.uniform(-21, 21)),
                now - dt.timedelta(days=rng.uniform(0, 30)),
                now - dt.timedelta(days=rng.uniform(400, 2000)),
                dt.datetime(1969, 12, 31, 23, 0, tzinfo=dt.UTC),
            ]
        )
        ServiceProfile.objects.filter(service=service).update(verified_at=verified)


FILTERS = [
    ServiceFilters(),
    ServiceFilters(cost="free"),
    ServiceFilters(cost="paid", self_referral=True),
    ServiceFilters(self_referral=False),
    ServiceFilters(needs=("money",)),
    ServiceFilters(needs=("housing", "mental_wellbeing")),
    ServiceFilters(delivery_modes=("face_to_face", "telephone")),
    ServiceFilters(delivery_modes=("home_visit",), needs=("food",), cost="free"),
    ServiceFilters(cost="free", delivery_modes=("face_to_face", "telephone"), age=30),
    ServiceFilters(needs=("nothing_like_this",)),
    *[ServiceFilters(age=age) for age in (0, 1, 15, 16, 17, 18, 25, 26, 49, 50, 64, 65, 254, 255)],
]


def test_the_count_index_counts_what_reading_each_document_counts():
    rng = random.Random(3)
    now = timezone.now()
    _directory(rng, now)
    queries = ["debt", "advice club", "walk", "c", "yoga wellbeing", "bank food carers", "zzz"]
    nonzero = 0
    for query in queries:
        for filters in FILTERS:
            for include_hidden in (False, True):
                indexed, read = _counts(query, filters, include_hidden, now)
                assert indexed == read, (query, filters, include_hidden)
                nonzero += read > 0
    assert nonzero > 100, "the cases are not all empty"


def test_the_count_follows_the_clock_to_the_second_around_the_cutoff():
    """The same directory counted at moments around one service's verification: it leaves the
    count exactly when it goes out of date, whichever week the cutoff falls in."""
    from linkwell.directory.models import ServiceProfile

    rng = random.Random(5)
    now = timezone.now()
    _directory(rng, now)
    moment = dt.datetime(2026, 3, 4, 23, 59, 59, 500000, tzinfo=dt.UTC)
    watched = make_service("Debt walking club")
    ServiceProfile.objects.filter(service=watched).update(verified_at=moment)
    hide = dt.timedelta(days=hide_after_days())
    for shift in (
        -dt.timedelta(days=15),
        -dt.timedelta(days=7),
        -dt.timedelta(seconds=1),
        dt.timedelta(0),
        dt.timedelta(microseconds=1),
        dt.timedelta(seconds=1),
        dt.timedelta(days=6),
        dt.timedelta(days=8),
    ):
        at = moment + hide + shift
        indexed, read = _counts("debt", ServiceFilters(), False, at)
        assert indexed == read, shift
        page = service_search(query="debt walking club", now=at)
        assert (watched.id in {hit.service.id for hit in page.hits}) == (shift <= dt.timedelta(0))


def test_words_in_a_description_are_not_taken_for_facts():
    """A description may hold anything, even the index's own fact tokens: they are words."""
    make_service(
        "Debt advice",
        description="costfreex needmoneyx modevideox amn0x30 accessselfreferralx",
        cost="paid",
        needs=("housing",),
        modes=("telephone",),
        access="referral_needed",
        minimum_age=65,
    )
    make_service("Debt clinic", cost="free", needs=("money",), modes=("video",))
    free = ServiceFilters(cost="free", needs=("money",), delivery_modes=("video",), age=30)
    result = service_search(query="debt", filters=free)
    assert (result.total, [hit.service.name for hit in result.hits]) == (1, ["Debt clinic"])
    assert service_search(query="costfreex", filters=ServiceFilters(cost="free")).total == 0
    # And a search's words are looked for in the text only, never among the facts.
    assert service_search(query="needmoney").total == 0
    assert service_search(query="costfreex").total == 1


def test_filters_it_does_not_hold_are_counted_by_reading_the_documents():
    now = timezone.now()
    assert _count_facts(ServiceFilters(language="pl"), False, now) is None
    assert _count_facts(ServiceFilters(open_on=2), False, now) is None
    backend = Fts5Backend()
    for facts in (
        CountFacts(cutoff=None, age=256),
        CountFacts(cutoff=None, age=-1),
        CountFacts(cutoff=None, needs=('money" OR "x',)),
        CountFacts(cutoff=None, cost="Free"),
    ):
        assert backend._count_match("debt", facts) is None
    make_service("Debt advice", languages=("pl",), minimum_age=300)
    assert service_search(query="debt", filters=ServiceFilters(language="pl")).total == 1
    assert service_search(query="debt", filters=ServiceFilters(age=256)).total == 0


def test_the_migration_fills_the_index_from_documents_written_before_it():
    rng = random.Random(9)
    now = timezone.now()
    _directory(rng, now)
    migration = importlib.import_module("linkwell.directory.migrations.0010_search_count_index")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {migration.TABLE}({migration.TABLE}) VALUES ('delete-all')"  # noqa: S608
        )
        assert _counts("debt", ServiceFilters(), False, now)[0] == 0
        cursor.execute(migration.SQLITE_FORWARD[-1])
    for filters in FILTERS:
        indexed, read = _counts("advice", filters, False, now)
        assert indexed == read, filters


def test_the_hsds_api_search_counts_only_what_the_public_may_see():
    from linkwell.directory.selectors import hsds_service_page

    visible = [make_service(f"Debt advice {i}") for i in range(3)]
    make_service("Debt advice closed", status="inactive")
    make_service("Debt advice gone", status="defunct")
    make_service("Debt advice stale", verified_days_ago=hide_after_days() + 1)
    total, ids = hsds_service_page(search="debt", limit=2)
    assert total == 3
    assert set(ids) < {service.id for service in visible}
    total, ids = hsds_service_page(search="debt", organization_id=visible[0].organization_id)
    assert (total, ids) == (1, [visible[0].id])


@pytest.fixture
def shares():
    """Fts5Backend's estimates of the filters' shares, emptied before and after."""
    Fts5Backend._shares.clear()
    yield Fts5Backend._shares
    Fts5Backend._shares.clear()


def _ranked(monkeypatch, narrow_below, query, filters, include_hidden, now, limit, offset):
    monkeypatch.setattr(Fts5Backend, "NARROW_BELOW", narrow_below)
    sql, params = _document_where(filters, include_hidden, now)
    return Fts5Backend().rank(
        query=query,
        candidates_sql=sql,
        params=params,
        limit=limit,
        offset=offset,
        facts=_count_facts(filters, include_hidden, now),
    )


def test_ranking_only_the_filtered_matches_gives_the_same_pages_and_totals(monkeypatch, shares):
    """Whether the filtered matches are taken from the count index and ranked alone (any share
    below 2) or every match is ranked and the best tested (no share below 0), each page, its
    order, its scores and the total are the same: pages inside, at the end of and past the
    matches, for every filter and both visibilities."""
    monkeypatch.setattr(Fts5Backend, "WINDOW_ROWS", 0)  # windows of four pages, not all
    rng = random.Random(11)
    now = timezone.now()
    _directory(rng, now)
    queries = ["debt", "advice club", "walk", "c", "bank food carers", "zzz"]
    pages = 0
    for query in queries:
        for filters in FILTERS:
            for include_hidden in (False, True):
                for limit, offset in ((5, 0), (5, 5), (20, 0), (3, 200)):
                    args = (query, filters, include_hidden, now, limit, offset)
                    alone = _ranked(monkeypatch, 2.0, *args)
                    every = _ranked(monkeypatch, 0.0, *args)
                    assert alone == every, args
                    pages += bool(alone[1])
    assert pages > 300, "the cases are not all empty"


def test_the_margin_weeks_verification_is_compared_exactly_when_ranking_the_filtered(
    monkeypatch, shares
):
    """A service verified a second either side of the cutoff is in the count index's margin:
    ranked alone, the matches still leave it out or keep it to the second."""
    from linkwell.directory.models import ServiceProfile

    now = timezone.now()
    cutoff = now - dt.timedelta(days=hide_after_days())
    kept = make_service("Debt walking club kept", cost="free")
    gone = make_service("Debt walking club gone", cost="free")
    make_service("Debt walking club paid", cost="paid")
    ServiceProfile.objects.filter(service=kept).update(verified_at=cutoff)
    ServiceProfile.objects.filter(service=gone).update(verified_at=cutoff - dt.timedelta(seconds=1))
    total, page = _ranked(
        monkeypatch, 2.0, "debt walking", ServiceFilters(cost="free"), False, now, 20, 0
    )
    assert (total, [sid for sid, _ in page]) == (1, [kept.id])


def test_the_filters_share_is_estimated_from_the_count_index_and_chooses_the_ranking(shares):
    """A filter that a quarter of the directory passes is ranked among its matches alone (the
    statement that keeps them aside); one that most pass ranks every match. The estimate is
    kept, so a second search does not count again."""
    from django.test.utils import CaptureQueriesContext

    for i in range(12):
        make_service(f"Debt advice {i}", cost="free" if i % 4 == 0 else "paid", minimum_age=None)
    now = timezone.now()
    backend = Fts5Backend()
    free = _count_facts(ServiceFilters(cost="free"), False, now)
    paid = _count_facts(ServiceFilters(cost="paid"), False, now)
    adults = _count_facts(ServiceFilters(age=30), False, now)
    assert backend._share(free) == pytest.approx(0.25)
    assert backend._share(paid) == pytest.approx(0.75)
    assert backend._share(adults) == pytest.approx(1.0)
    assert backend._share(_count_facts(ServiceFilters(), False, now)) == 1.0

    def statements(filters):
        with CaptureQueriesContext(connection) as queries:
            result = service_search(query="debt", filters=filters, now=now)
        return result, [q["sql"] for q in queries.captured_queries]

    result, sql = statements(ServiceFilters(cost="free"))
    assert result.total == 3 and {hit.service.profile.cost for hit in result.hits} == {"free"}
    assert any("MATERIALIZED" in s for s in sql)
    result, sql = statements(ServiceFilters(cost="paid"))
    assert result.total == 9 and {hit.service.profile.cost for hit in result.hits} == {"paid"}
    assert not any("MATERIALIZED" in s for s in sql)
    # Kept: the second search with the same filters counts no documents for the estimate.
    shares.clear()
    _, first = statements(ServiceFilters(cost="free"))
    _, second = statements(ServiceFilters(cost="free"))
    estimate = "SELECT COUNT(*) FROM directory_servicesearchdocument"
    assert [s.startswith(estimate) for s in first].count(True) == 1
    assert not any(s.startswith(estimate) for s in second)
