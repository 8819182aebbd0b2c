"""Enrichment: the queue, the claim, the pace, back-off, provenance, the command and the admin.

Every KvK answer is a hand-written fixture (tests/fixtures/kvk) served by `responses`; time is
a fake clock, so nothing sleeps and nothing reaches the KvK.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry.models import (
    Company,
    EnrichmentControl,
    EnrichmentRun,
    Place,
    ProviderResponse,
)
from scraper.enrich import (
    CLAIM_TIMEOUT,
    EnrichResult,
    RateLimiter,
    claim,
    due,
    enrich,
    re_derive,
    set_paused,
)
from scraper.sync import get_register, queue_sync, run_sync
from scraper.tasks import enrich_sponsors_task
from tests.factories import make_edition, make_listing
from tests.kvk_answers import API, OPENDATA, SEARCH_URL, opendata_url, profile_url, serve
from tests.pages import numbered_rows, register_page

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class FakeClock:
    """Seconds since the epoch that move only when something sleeps (or a test says so)."""

    def __init__(self, start: datetime = START) -> None:
        self.t = start.timestamp()
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.t += seconds

    def advance(self, delta: timedelta) -> None:
        self.t += delta.total_seconds()

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, tz=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def kvk_settings(settings):
    settings.KVK_API_URL = API
    settings.KVK_OPENDATA_URL = OPENDATA
    settings.KVK_API_KEY = ""
    settings.KVK_OPENDATA_KEY = ""
    settings.KVK_API_RATE_PER_MINUTE = 300
    settings.KVK_OPENDATA_RATE_PER_MINUTE = 1
    settings.ENRICH_BATCH_SIZE = 500
    settings.ENRICH_RUN_SECONDS = 8 * 60
    settings.ENRICH_MAX_AGE_DAYS = 180
    settings.ENRICH_ENABLED = True
    return settings


@pytest.fixture
def places(db) -> None:
    Place.objects.all().delete()  # these five, not the CBS table the migrations load
    Place.objects.bulk_create(
        [
            Place(place="'s-Gravenhage", municipality="'s-Gravenhage", province="Zuid-Holland"),
            Place(place="Utrecht", municipality="Utrecht", province="Utrecht"),
            Place(place="Eindhoven", municipality="Eindhoven", province="Noord-Brabant"),
            Place(place="Amsterdam", municipality="Amsterdam", province="Noord-Holland"),
            Place(
                place="'s-Hertogenbosch", municipality="'s-Hertogenbosch", province="Noord-Brabant"
            ),
        ]
    )


def company(kvk: str, name: str = "") -> Company:
    return make_listing(name or f"Voorbeeld {kvk} B.V.", kvk).company


def run(clock: FakeClock, **kwargs) -> EnrichResult:
    return enrich(clock=clock, sleep=clock.sleep, **kwargs)


def fresh(obj: Company) -> Company:
    return Company.objects.get(pk=obj.pk)


# --- The rate limiter --------------------------------------------------------------------------


def test_the_rate_limiter_spaces_calls_by_a_fake_clock(clock):
    limiter = RateLimiter(1, now=clock, sleep=clock.sleep)

    limiter.wait()  # the first call goes at once
    limiter.wait()
    clock.advance(timedelta(seconds=45))
    limiter.wait()

    assert clock.slept == [60.0, 15.0]


def test_the_rate_limiter_keeps_the_pace_of_the_previous_run(clock):
    limiter = RateLimiter(300, now=clock, sleep=clock.sleep, last_call=clock() - 0.05)

    limiter.wait()
    limiter.wait()

    assert clock.slept == [0.15, 0.2]  # 300 a minute: one every 0.2 s


def test_a_run_at_one_call_a_minute_sleeps_a_minute_between_employers(no_network, clock):
    for kvk in ("99000001", "99000002", "99000003"):
        company(kvk)
        serve(no_network, opendata_url(kvk), "opendata-99000001.json")

    result = run(clock)

    assert result.processed == 3
    assert clock.slept == [60.0, 60.0]
    times = sorted(ProviderResponse.objects.values_list("fetched_at", flat=True))
    assert [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)] == [60, 60]


# --- The provider chain ------------------------------------------------------------------------


def test_without_a_key_the_open_data_is_asked(no_network, clock, places):
    sponsor = company("99000001")
    serve(no_network, opendata_url("99000001"), "opendata-99000001.json")

    result = run(clock)

    assert (result.provider, result.found) == ("opendata", 1)
    sponsor = fresh(sponsor)
    assert (sponsor.sector_section, sponsor.sector_division, sponsor.sbi_code) == (
        "K",
        "62",
        "62100",
    )
    assert (sponsor.sbi_version, sponsor.sector_source) == ("2025", "kvk_opendata")
    assert sponsor.city == ""  # the open data has no city
    assert sponsor.region == "postcode area 25xx (Den Haag region)"
    assert sponsor.province == "Zuid-Holland"  # the area's province: a region, approximately
    assert sponsor.legal_form == "BV"
    assert sponsor.enrich_status == "done"


def test_with_a_key_the_kvk_api_is_asked_and_not_the_open_data(no_network, clock, places, settings):
    settings.KVK_API_KEY = "test-key"
    sponsor = company("99000001")
    serve(no_network, profile_url("99000001"), "basisprofiel-99000001-sgravenhage.json")

    result = run(clock)

    assert result.provider == "kvk"
    assert [c.request.url for c in no_network.calls] == [profile_url("99000001")]
    sponsor = fresh(sponsor)
    assert (sponsor.city, sponsor.municipality, sponsor.province) == (
        "'s-Gravenhage",
        "'s-Gravenhage",
        "Zuid-Holland",
    )
    assert (sponsor.city_source, sponsor.sector_source) == ("kvk_basisprofiel", "kvk_basisprofiel")
    assert sponsor.activities == [
        {"code": "62100", "description": "Ontwerpen van computerprogramma’s", "main": True},
        {"code": "70101", "description": "Concerndiensten binnen eigen concern", "main": False},
    ]


def test_provider_forces_one_and_the_kvk_api_needs_a_key(no_network, clock, settings):
    settings.KVK_API_KEY = "test-key"
    company("99000001")
    serve(no_network, opendata_url("99000001"), "opendata-99000001.json")

    assert run(clock, provider="opendata").provider == "opendata"
    settings.KVK_API_KEY = ""
    with pytest.raises(ValueError, match="KVK_API_KEY"):
        run(clock, provider="kvk")


def test_the_kvk_api_outranks_the_open_data_and_the_region_stays(
    no_network, clock, places, settings
):
    sponsor = company("99000001")
    serve(no_network, opendata_url("99000001"), "opendata-99000001.json")
    run(clock)
    settings.KVK_API_KEY = "test-key"
    serve(no_network, profile_url("99000001"), "basisprofiel-99000001-sgravenhage.json")
    clock.advance(timedelta(days=1))

    run(clock, kvk="99000001")

    sponsor = fresh(sponsor)
    assert sponsor.sector_source == "kvk_basisprofiel"
    assert sponsor.city_source == "kvk_basisprofiel"
    assert sponsor.region == "postcode area 25xx (Den Haag region)"  # from the open data
    assert sponsor.legal_form == "BesloteVennootschap"


# --- Results, failures and back-off ------------------------------------------------------------


def test_a_404_is_a_result_checked_again_after_the_refresh_age(no_network, clock):
    sponsor = company("99000002", "Stichting Voorbeeld")
    serve(no_network, opendata_url("99000002"), "opendata-404.json", status=404)

    result = run(clock)

    assert (result.not_found, result.failed) == (1, 0)
    sponsor = fresh(sponsor)
    assert (sponsor.enrich_status, sponsor.enrich_error) == ("not_found", "")
    assert sponsor.enrich_after == clock.now + timedelta(days=180)
    assert sponsor.sector_section == ""
    stored = ProviderResponse.objects.get()
    assert (stored.status, stored.http_status) == ("not_found", 404)


def test_a_429_records_the_failure_stops_the_run_and_succeeds_later(no_network, clock):
    first, second = company("99000001"), company("99000002")
    no_network.add("GET", opendata_url("99000001"), status=429)
    serve(no_network, opendata_url("99000001"), "opendata-99000001.json")  # the next time

    result = run(clock)

    assert (result.status, result.failed, result.processed) == ("stopped", 1, 1)
    assert "rate limited" in result.message
    first = fresh(first)
    assert (first.enrich_status, first.enrich_attempts) == ("failed", 1)
    assert first.enrich_error == "HTTP 429: rate limited"
    assert first.enrich_after == clock.now + timedelta(minutes=15)
    assert fresh(second).enrich_after is None  # untouched: still waiting
    assert ProviderResponse.objects.get().status == "error"

    clock.advance(timedelta(minutes=16))
    serve(no_network, opendata_url("99000002"), "opendata-no-sbi.json")
    result = run(clock)

    assert result.found == 2
    first = fresh(first)
    assert (first.enrich_status, first.enrich_attempts, first.enrich_error) == ("done", 0, "")
    assert first.sector_section == "K"


def test_server_errors_back_off_doubling_and_stop_a_run_after_three(no_network, clock, settings):
    settings.KVK_OPENDATA_RATE_PER_MINUTE = 600  # pace is not the point here
    sponsors = [company(f"9900001{i}") for i in range(4)]
    for sponsor in sponsors:
        no_network.add("GET", opendata_url(sponsor.kvk_number), status=503)

    result = run(clock)

    assert (result.status, result.failed) == ("stopped", 3)
    assert "3 failures in a row" in result.message
    failed = fresh(sponsors[0])
    assert failed.enrich_error == "HTTP 503: server error"
    assert failed.enrich_after - clock.now <= timedelta(minutes=15)
    assert fresh(sponsors[3]).enrich_status == "pending"

    clock.advance(timedelta(minutes=20))
    run(clock, kvk=sponsors[0].kvk_number)

    again = fresh(sponsors[0])
    assert again.enrich_attempts == 2
    assert again.enrich_after == clock.now + timedelta(minutes=30)


def test_a_refused_key_stops_the_run_at_once(no_network, clock, settings):
    settings.KVK_API_KEY = "wrong"
    company("99000001"), company("99000002")
    no_network.add("GET", profile_url("99000001"), status=401, json={"fout": []})

    result = run(clock)

    assert (result.processed, result.status) == (1, "stopped")
    assert "refused" in result.message


# --- The queue: claims, resuming, pause, new editions ------------------------------------------


def test_two_claims_of_one_row_only_one_wins(clock):
    sponsor = company("99000001")
    mine, theirs = fresh(sponsor), fresh(sponsor)  # two workers read the same row

    assert claim(mine, now=clock.now) is True
    assert claim(theirs, now=clock.now) is False
    assert fresh(sponsor).enrich_after == clock.now + CLAIM_TIMEOUT


def test_a_claimed_row_of_a_dead_worker_falls_due_again(clock):
    sponsor = company("99000001")
    claim(fresh(sponsor), now=clock.now)

    assert not due(clock.now).filter(pk=sponsor.pk).exists()
    assert due(clock.now + CLAIM_TIMEOUT).filter(pk=sponsor.pk).exists()


def test_a_run_resumes_where_the_last_one_stopped(no_network, clock, settings):
    settings.KVK_OPENDATA_RATE_PER_MINUTE = 600
    sponsors = [company(f"9900002{i}") for i in range(3)]
    for sponsor in sponsors:
        serve(no_network, opendata_url(sponsor.kvk_number), "opendata-no-sbi.json")

    assert run(clock, limit=2).processed == 2
    result = run(clock)

    assert result.kvk_numbers == [sponsors[2].kvk_number]  # only the one left
    assert {fresh(s).enrich_status for s in sponsors} == {"done"}


def test_pause_stops_scheduled_runs_and_a_single_kvk_still_goes(no_network, clock):
    sponsor = company("99000001")
    serve(no_network, opendata_url("99000001"), "opendata-99000001.json")
    set_paused(True, by="admin", now=clock.now)

    skipped = run(clock)

    assert (skipped.status, skipped.message) == ("skipped", "paused in the admin")
    assert not no_network.calls
    assert run(clock, kvk="99000001", trigger="command").found == 1
    assert fresh(sponsor).sector_section == "K"


def test_rows_without_a_kvk_number_are_never_queued(clock):
    make_listing("Korea Trade Center Amsterdam", "")

    assert not due(clock.now).exists()


@pytest.fixture
def register(db):
    register = get_register("work")
    register.url = "https://ind.example/work"
    register.min_rows = 3
    register.save()
    return register


def test_a_new_edition_queues_its_new_kvk_numbers_first(register, no_network, clock):
    def sync(rows, updated):
        no_network.upsert("GET", register.url, body=register_page(rows, updated=updated))
        return run_sync(queue_sync(register="work", trigger="test", now=timezone.now()).pk)

    sync(numbered_rows(10), date(2026, 10, 5))
    Company.objects.update(
        enrich_priority=Company.EnrichPriority.REFRESH,
        enrich_after=timezone.now() + timedelta(days=100),
    )

    result = sync(numbered_rows(12), date(2026, 11, 5))

    assert result.status == "done"
    new = Company.objects.filter(enrich_priority=Company.EnrichPriority.NEW)
    assert sorted(new.values_list("kvk_number", flat=True)) == ["10000010", "10000011"]
    assert all(c.enrich_after and c.enrich_after <= timezone.now() for c in new)
    assert list(due(timezone.now()).values_list("kvk_number", flat=True)) == [
        "10000010",
        "10000011",
    ]


def test_a_returning_company_and_one_known_elsewhere_go_first_but_not_without_a_kvk(
    register, no_network
):
    def sync(rows, updated):
        no_network.upsert("GET", register.url, body=register_page(rows, updated=updated))
        run = queue_sync(register="work", trigger="test", now=timezone.now(), force=True)
        return run_sync(run.pk)

    base = [*numbered_rows(10), ("Zonder Nummer B.V.", "")]
    sync(base, date(2026, 9, 3))
    # Gone for one edition: the company with KvK 10000003 and the one without a number.
    gone = {"Voorbeeld 3 B.V.", "Zonder Nummer B.V."}
    sync([row for row in base if row[0] not in gone], date(2026, 10, 5))
    elsewhere = Company.objects.create(key="10000020", kvk_number="10000020", name="Elders B.V.")
    later = timezone.now() + timedelta(days=100)
    Company.objects.update(enrich_priority=Company.EnrichPriority.REFRESH, enrich_after=later)
    before = timezone.now()

    result = sync([*base, ("Elders B.V.", "10000020")], date(2026, 11, 5))

    assert (result.counts.added, result.counts.removed) == (3, 0)
    new = Company.objects.filter(enrich_priority=Company.EnrichPriority.NEW)
    assert sorted(new.values_list("kvk_number", flat=True)) == ["10000003", "10000020"]
    assert all(c.enrich_after and before <= c.enrich_after <= timezone.now() for c in new)
    assert Company.objects.get(pk=elsewhere.pk).listings.get().register == register
    without = Company.objects.get(kvk_number="")
    assert (without.enrich_priority, without.enrich_after) == (
        Company.EnrichPriority.REFRESH,
        later,
    )


def test_a_first_import_queues_every_kvk_number_and_no_row_without_one(register, no_network):
    rows = [*numbered_rows(3), ("Zonder Nummer B.V.", "")]
    no_network.upsert("GET", register.url, body=register_page(rows))
    now = timezone.now()

    run_sync(queue_sync(register="work", trigger="test", now=now, force=True).pk)

    queued = Company.objects.exclude(kvk_number="")
    assert {(c.enrich_priority, c.enrich_status) for c in queued} == {
        (Company.EnrichPriority.NEW, Company.EnrichStatus.PENDING)
    }
    [due_at] = {c.enrich_after for c in queued}  # the run's one clock reading
    assert due_at is not None and due_at >= now
    without = Company.objects.get(kvk_number="")
    assert (without.enrich_priority, without.enrich_after) == (Company.EnrichPriority.FIRST, None)


def test_due_puts_new_first_then_never_enriched_then_refresh(clock):
    refresh, first, new = company("99000031"), company("99000032"), company("99000033")
    Company.objects.filter(pk=refresh.pk).update(
        enrich_priority=Company.EnrichPriority.REFRESH, enrich_after=clock.now - timedelta(days=1)
    )
    Company.objects.filter(pk=new.pk).update(
        enrich_priority=Company.EnrichPriority.NEW, enrich_after=clock.now
    )

    assert list(due(clock.now)) == [fresh(new), fresh(first), fresh(refresh)]


# --- Stored answers, re-derived --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kvk", "fixture", "expected"),
    [
        # SBI 2025, head office in 's-Gravenhage.
        (
            "99000001",
            "basisprofiel-99000001-sgravenhage.json",
            ("K", "62100", "2025", "'s-Gravenhage", "Zuid-Holland", ""),
        ),
        # No head office: the owner's address.
        (
            "99000002",
            "basisprofiel-99000002-no-hoofdvestiging.json",
            ("Q", "85402", "2025", "Utrecht", "Utrecht", ""),
        ),
        # An SBI 2008 code: section K now (J in 2008).
        (
            "99000003",
            "basisprofiel-99000003-sbi2008.json",
            ("K", "6201", "2008", "Eindhoven", "Noord-Brabant", ""),
        ),
        # A shielded address: the place stays.
        (
            "99000004",
            "basisprofiel-99000004-shielded.json",
            ("N", "70202", "2025", "Amsterdam", "Noord-Holland", ""),
        ),
        # A head office abroad: the country.
        (
            "99000005",
            "basisprofiel-99000005-foreign.json",
            ("C", "28990", "2025", "", "", "Duitsland"),
        ),
    ],
)
def test_kvk_answers_become_effective_values(
    no_network, clock, places, settings, kvk, fixture, expected
):
    settings.KVK_API_KEY = "test-key"
    sponsor = company(kvk)
    serve(no_network, profile_url(kvk), fixture)

    run(clock)

    sponsor = fresh(sponsor)
    assert (
        sponsor.sector_section,
        sponsor.sbi_code,
        sponsor.sbi_version,
        sponsor.city,
        sponsor.province,
        sponsor.country,
    ) == expected


def test_the_place_comes_from_zoeken_when_the_profile_has_none(no_network, clock, places, settings):
    settings.KVK_API_KEY = "test-key"
    sponsor = company("99000006")
    serve(no_network, profile_url("99000006"), "basisprofiel-99000006-no-address.json")
    serve(no_network, SEARCH_URL, "zoeken-99000006.json")

    run(clock)

    sponsor = fresh(sponsor)
    assert (sponsor.city, sponsor.city_source) == ("'s-Hertogenbosch", "kvk_zoeken")
    assert (sponsor.sector_section, sponsor.sector_source) == ("L", "kvk_basisprofiel")


def test_re_derive_rebuilds_values_from_stored_answers_without_calling(
    no_network, clock, places, settings
):
    settings.KVK_API_KEY = "test-key"
    sponsor = company("99000001")
    serve(no_network, profile_url("99000001"), "basisprofiel-99000001-sgravenhage.json")
    run(clock)
    calls = len(no_network.calls)
    Company.objects.filter(pk=sponsor.pk).update(
        sector_section="", city="", province="", activities=[]
    )

    rebuilt = re_derive(fresh(sponsor))

    assert len(no_network.calls) == calls
    assert (rebuilt.sector_section, rebuilt.city, rebuilt.province) == (
        "K",
        "'s-Gravenhage",
        "Zuid-Holland",
    )
    assert fresh(sponsor).activities[0]["code"] == "62100"


def test_stored_answers_keep_no_street_level_data(no_network, clock, settings):
    settings.KVK_API_KEY = "test-key"
    company("99000001")
    serve(no_network, profile_url("99000001"), "basisprofiel-99000001-sgravenhage.json")

    run(clock)

    body = str(ProviderResponse.objects.get().body)
    assert "Voorbeeldplein" not in body and "volledigAdres" not in body and "Postbus" not in body
    assert "'s-Gravenhage" in body and "2511AA" in body


def test_load_places_re_derives_provinces_of_enriched_employers(
    no_network, clock, settings, tmp_path
):
    settings.KVK_API_KEY = "test-key"
    Place.objects.all().delete()
    sponsor = company("99000002")
    serve(no_network, profile_url("99000002"), "basisprofiel-99000002-no-hoofdvestiging.json")
    run(clock)
    assert fresh(sponsor).province == ""  # no places loaded
    path = tmp_path / "places.csv"
    path.write_text("place,municipality,province\nUtrecht,Utrecht,Utrecht\n", encoding="utf-8")

    call_command("load_places", str(path))

    assert fresh(sponsor).province == "Utrecht"


# --- The command and the task ------------------------------------------------------------------


def test_the_command_enriches_one_kvk_with_a_progress_line(no_network, capsys):
    company("99000001")
    serve(no_network, opendata_url("99000001"), "opendata-99000001.json")

    call_command("enrich_sponsors", "--kvk", "99000001")

    out = capsys.readouterr().out
    assert "[1/1] 99000001" in out
    assert "enrichment (opendata): done; 1 employers, 1 found" in out
    assert EnrichmentRun.objects.get().trigger == "command"


def test_the_command_takes_a_limit_and_refuses_bad_input(no_network, capsys, settings):
    settings.KVK_OPENDATA_RATE_PER_MINUTE = 6000
    for kvk in ("99000001", "99000002"):
        company(kvk)
        serve(no_network, opendata_url(kvk), "opendata-no-sbi.json")

    call_command("enrich_sponsors", "--limit", "1")

    assert "1 employers" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No employer with KvK number 12345678"):
        call_command("enrich_sponsors", "--kvk", "12345678")
    with pytest.raises(CommandError, match="8-digit"):
        call_command("enrich_sponsors", "--kvk", "123")
    with pytest.raises(CommandError, match="KVK_API_KEY"):
        call_command("enrich_sponsors", "--provider", "kvk")


def test_the_task_runs_one_enrichment(no_network, settings):
    settings.ENRICH_ENABLED = True
    company("99000001")
    serve(no_network, opendata_url("99000001"), "opendata-99000001.json")

    result = enrich_sponsors_task.apply(kwargs={"trigger": "schedule"}, throw=True).get()

    assert (result["status"], result["found"]) == ("done", 1)


def test_scheduled_runs_do_nothing_when_switched_off(no_network, clock, settings):
    settings.ENRICH_ENABLED = False
    company("99000001")

    assert run(clock).message == "ENRICH_ENABLED is off"
    assert not EnrichmentRun.objects.exists()


# --- The company page --------------------------------------------------------------------------


def enriched(
    no_network, clock, settings, kvk="99000001", fixture="basisprofiel-99000001-sgravenhage.json"
):
    settings.KVK_API_KEY = "test-key"
    sponsor = company(kvk, "Voorbeeld Software B.V.")
    serve(no_network, profile_url(kvk), fixture)
    run(clock, kvk=kvk)
    return sponsor


def test_the_company_page_shows_sector_city_alias_and_sources(
    client, no_network, clock, places, settings
):
    enriched(no_network, clock, settings)

    text = client.get(reverse("registry:company", kwargs={"key": "99000001"})).content.decode()

    assert "Telecommunication, computer programming" in text  # the section
    assert "SBI 62100: Computer programming activities" in text  # the title the migrations load
    assert "SBI 70101: Corporate services within own enterprise group" in text  # another activity
    assert "Den Haag</strong> (The Hague)" in text
    assert "officially &#39;s-Gravenhage" in text
    assert "Zuid-Holland" in text
    assert "Source: KvK Basisprofiel, 2 Nov 2026" in text


def test_the_company_page_shows_the_division_title_of_a_code_not_loaded(
    client, no_network, clock, places, settings
):
    from registry.models import SbiCode

    SbiCode.objects.filter(code="62100").delete()
    enriched(no_network, clock, settings)

    text = client.get(reverse("registry:company", kwargs={"key": "99000001"})).content.decode()

    assert "SBI 62100: Computer programming, consultancy and related activities" in text


def test_the_company_page_says_not_known_yet(client):
    company("99000001")

    text = client.get(reverse("registry:company", kwargs={"key": "99000001"})).content.decode()

    assert text.count("Not known yet") == 2


def test_the_company_page_shows_a_region_honestly(client, no_network, clock):
    company("99000001")
    serve(no_network, opendata_url("99000001"), "opendata-99000001.json")
    run(clock)

    text = client.get(reverse("registry:company", kwargs={"key": "99000001"})).content.decode()

    assert (
        "A region only: <strong>postcode area 25xx (Den Haag region)</strong>, "
        "probably Zuid-Holland" in text
    )
    assert "Source: KvK open data (BV/NV), 2 Nov 2026" in text


def test_the_company_json_has_sector_city_and_activities(
    client, no_network, clock, places, settings
):
    enriched(no_network, clock, settings, "99000003", "basisprofiel-99000003-sbi2008.json")

    data = client.get(reverse("registry:company-json", kwargs={"key": "99000003"})).json()

    assert data["sector"] == {
        "code": "6201",
        "title": "Ontwikkelen, produceren en uitgeven van software",  # 2008: the KvK's words
        "version": "2008",
        "section": "K",
        "section_title": (
            "Telecommunication, computer programming, consulting, computing infrastructure "
            "and other information service activities"
        ),
        "division": "62",
        "source": "KvK Basisprofiel",
        "fetched_on": "2026-11-02",
    }
    assert data["city"] == {
        "name": "Eindhoven",
        "official_name": "Eindhoven",
        "municipality": "Eindhoven",
        "province": "Noord-Brabant",
        "country": None,
        "region": None,
        "source": "KvK Basisprofiel",
        "fetched_on": "2026-11-02",
    }
    assert [(a["code"], a["main"], a["section"]) for a in data["activities"]] == [
        ("6201", True, "K"),
        ("4511", False, "G"),
    ]


def test_the_company_json_names_the_hague_both_ways(client, no_network, clock, places, settings):
    enriched(no_network, clock, settings)

    city = client.get(reverse("registry:company-json", kwargs={"key": "99000001"})).json()["city"]

    assert (city["name"], city["official_name"]) == ("Den Haag", "'s-Gravenhage")


def test_an_enriched_company_page_costs_one_query_more(
    client, no_network, clock, places, settings, django_assert_num_queries
):
    enriched(no_network, clock, settings)
    make_edition(date(2026, 11, 1))

    # As tests/test_views.py pins (five), plus the SBI titles of the company's activities.
    with django_assert_num_queries(6):
        assert (
            client.get(reverse("registry:company", kwargs={"key": "99000001"})).status_code == 200
        )
    with django_assert_num_queries(6):
        client.get(reverse("registry:company-json", kwargs={"key": "99000001"}))


# --- The admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db) -> Client:
    user = User.objects.create_superuser("admin", "admin@example.org", "pw")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_post(client: Client, url: str, data: dict[str, str] | None = None):
    token = client.get(reverse("admin:index")).cookies["csrftoken"].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token})


COVERAGE = "admin:registry_enrichmentcontrol_changelist"


def test_the_coverage_page_counts_sector_city_waiting_and_failures(
    admin_client, no_network, clock, places, settings
):
    enriched(no_network, clock, settings)  # sector and city
    company("99000002")  # waiting
    failed = company("99000003")
    Company.objects.filter(pk=failed.pk).update(
        enrich_status="failed",
        enrich_error="HTTP 503: server error",
        enrich_after=timezone.now() + timedelta(days=1),  # the admin reads the real clock
    )
    make_listing("Zonder KvK", "")

    text = admin_client.get(reverse(COVERAGE)).content.decode()

    assert 'data-field="total">3<' in text
    assert 'data-field="with_sector">1<' in text
    assert 'data-field="with_city">1<' in text
    assert 'data-field="due">1<' in text
    assert "HTTP 503: server error" in text
    assert "KvK Basisprofiel" in text  # answers per source
    assert "1 without one cannot be enriched" in text
    assert "Start a run now" in text and "Pause" in text


def test_start_queues_a_run_and_pause_resume_toggle_the_switch(
    admin_client, no_network, django_capture_on_commit_callbacks
):
    company("99000001")
    serve(no_network, opendata_url("99000001"), "opendata-99000001.json")

    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_post(admin_client, reverse("admin:registry_enrichment_start"))

    assert response.status_code == 302
    run_row = EnrichmentRun.objects.get()
    assert (run_row.trigger, run_row.found) == ("admin", 1)
    # It ran here (no worker): the page says how it went, not "queued".
    page = admin_client.get(reverse(COVERAGE)).content.decode()
    assert (
        "Enrichment ran in this request (no worker configured, one employer): "
        "done, 1 found, 0 failed."
    ) in page
    assert 'data-state="inline"' in page

    csrf_post(admin_client, reverse("admin:registry_enrichment_pause"), {"paused": "1"})
    control = EnrichmentControl.get()
    assert (control.paused, control.changed_by) == (True, "admin")
    page = admin_client.get(reverse(COVERAGE)).content.decode()
    assert 'data-field="state">paused<' in page and "Resume" in page
    with django_capture_on_commit_callbacks(execute=True):
        csrf_post(admin_client, reverse("admin:registry_enrichment_start"))
    assert EnrichmentRun.objects.count() == 1  # paused: Start refuses

    csrf_post(admin_client, reverse("admin:registry_enrichment_pause"), {"paused": "0"})
    assert EnrichmentControl.get().paused is False


def enrichment_run(*, ago: timedelta, status: str = "done") -> EnrichmentRun:
    started = timezone.now() - ago
    return EnrichmentRun.objects.create(
        provider="opendata",
        trigger="schedule",
        status=status,
        started_at=started,
        finished_at=None if status == "running" else started + timedelta(minutes=1),
    )


@pytest.mark.parametrize(
    ("runs", "state", "says"),
    [
        ([], "never", "No scheduled run has ever started"),
        ([timedelta(minutes=5)], "working", "A worker is taking runs"),
        ([timedelta(hours=3)], "silent", "the worker or beat is not running"),
    ],
)
def test_the_coverage_page_says_whether_a_worker_is_taking_runs(
    admin_client, settings, runs, state, says
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker is configured: a worker should run
    for ago in runs:
        enrichment_run(ago=ago)

    page = admin_client.get(reverse(COVERAGE)).content.decode()

    assert f'data-state="{state}"' in page
    assert says in page


def test_a_run_left_running_by_a_dead_worker_is_not_shown_as_running(admin_client, settings):
    settings.ENRICH_RUN_SECONDS = 60
    enrichment_run(ago=timedelta(minutes=2), status="running")  # within its time: running
    enrichment_run(ago=timedelta(hours=2), status="running")  # long past it: dead

    page = admin_client.get(reverse(COVERAGE)).content.decode()

    assert page.count("no sign of life: its worker died") == 1
    assert page.count("<td>running</td>") == 1


def test_the_controls_need_post_csrf_and_the_change_permission(admin_client, db):
    start = reverse("admin:registry_enrichment_start")
    assert admin_client.get(start).status_code == 405
    assert admin_client.post(start).status_code == 403  # no CSRF token

    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_enrichmentcontrol"))
    client = Client()
    client.force_login(viewer)
    assert client.get(reverse(COVERAGE)).status_code == 200
    assert "Start a run now" not in client.get(reverse(COVERAGE)).content.decode()
    assert (
        client.post(reverse("admin:registry_enrichment_pause"), {"paused": "1"}).status_code == 403
    )
    assert EnrichmentControl.get().paused is False

    visitor = User.objects.create_user("visitor", password="pw")
    client.force_login(visitor)
    assert client.post(start).status_code == 302  # to the login page
