"""The KvK providers and the readers of their answers: recorded shapes, no network."""

from __future__ import annotations

from typing import Any

import pytest
from responses import matchers

from scraper.kvk import (
    Exchange,
    Facts,
    KvkApiProvider,
    OpenDataProvider,
    ProviderResult,
    basisprofiel_facts,
    opendata_facts,
    redact,
    zoeken_facts,
)
from tests.kvk_answers import API, OPENDATA, SEARCH_URL, answer, opendata_url, profile_url, serve


def code_of(facts: Facts) -> str:
    assert facts.main_activity is not None
    return facts.main_activity.code


def error_of(result: ProviderResult) -> Exchange:
    assert result.error is not None
    return result.error


def kvk_provider(**kwargs) -> KvkApiProvider:
    return KvkApiProvider(base_url=API, key="test-key", sleep=lambda _s: None, **kwargs)


def test_basisprofiel_gives_sbi_2025_activities_main_first_and_the_head_office(no_network):
    serve(no_network, profile_url("99000001"), "basisprofiel-99000001-sgravenhage.json")

    result = kvk_provider().lookup("99000001")

    assert result.status == "ok"
    assert [(a.code, a.main) for a in result.facts.activities] == [
        ("62100", True),
        ("70101", False),
    ]
    assert result.facts.place == "'s-Gravenhage"
    assert result.facts.postcode == "2511AA"  # the visiting address, not the PO box
    assert result.facts.legal_form == "BesloteVennootschap"
    assert [e.source for e in result.exchanges] == ["kvk_basisprofiel"]  # no Zoeken needed
    request = no_network.calls[0].request
    assert request.headers["apikey"] == "test-key"


def test_without_a_head_office_the_owners_address_is_used(no_network):
    serve(no_network, profile_url("99000002"), "basisprofiel-99000002-no-hoofdvestiging.json")

    result = kvk_provider().lookup("99000002")

    assert result.facts.place == "Utrecht"
    assert code_of(result.facts) == "85402"
    assert len(no_network.calls) == 1


def test_a_shielded_address_keeps_its_place_but_not_its_street_or_postcode(no_network):
    serve(no_network, profile_url("99000004"), "basisprofiel-99000004-shielded.json")

    result = kvk_provider().lookup("99000004")

    assert result.facts.place == "Amsterdam"
    assert result.facts.postcode == ""
    stored = result.exchanges[0].body["_embedded"]["hoofdvestiging"]["adressen"][0]
    assert stored == {
        "type": "bezoekadres",
        "indAfgeschermd": "Ja",
        "plaats": "Amsterdam",
        "land": "Nederland",
    }


def test_a_foreign_head_office_gives_its_country_and_no_place(no_network):
    serve(no_network, profile_url("99000005"), "basisprofiel-99000005-foreign.json")

    result = kvk_provider().lookup("99000005")

    assert (result.facts.place, result.facts.country) == ("", "Duitsland")
    assert len(no_network.calls) == 1  # a country is an answer: no Zoeken
    address = result.exchanges[0].body["_embedded"]["hoofdvestiging"]["adressen"][0]
    assert "straatHuisnummer" not in address and "volledigAdres" not in address


def test_zoeken_finds_the_place_when_the_profile_has_no_address(no_network):
    serve(no_network, profile_url("99000006"), "basisprofiel-99000006-no-address.json")
    no_network.add(
        "GET",
        SEARCH_URL,
        json=answer("zoeken-99000006.json"),
        match=[
            matchers.query_param_matcher(
                {"kvkNummer": "99000006", "inclusiefInactieveRegistraties": "true"}
            )
        ],
    )

    result = kvk_provider().lookup("99000006")

    assert result.status == "ok"
    assert result.facts.place == "'s-Hertogenbosch"  # the hoofdvestiging, not the branch
    assert code_of(result.facts) == "64210"
    assert [e.source for e in result.exchanges] == ["kvk_basisprofiel", "kvk_zoeken"]
    assert "straatnaam" not in str(result.exchanges[1].body)


def test_a_404_is_a_result_and_zoeken_is_asked_with_inactive_registrations(no_network):
    serve(no_network, profile_url("99000009"), "basisprofiel-404-IPD0005.json", status=404)
    serve(no_network, SEARCH_URL, "zoeken-404-IPD5200.json", status=404)

    result = kvk_provider().lookup("99000009")

    assert result.status == "not_found"
    assert [(e.status, e.http_status) for e in result.exchanges] == [
        ("not_found", 404),
        ("ok", 404),  # IPD5200: an empty search, not an error
    ]
    assert "inclusiefInactieveRegistraties=true" in no_network.calls[1].request.url


def test_a_temporarily_unavailable_profile_is_an_error_to_retry(no_network):
    serve(no_network, profile_url("99000001"), "error-IPD1002.json", status=404)

    result = kvk_provider().lookup("99000001")

    assert result.status == "error"
    assert error_of(result).error_code == "IPD1002"
    assert len(no_network.calls) == 1


def test_a_429_is_retried_once_inside_the_call_then_succeeds(no_network):
    slept: list[float] = []
    no_network.add("GET", profile_url("99000001"), status=429, headers={"Retry-After": "7"})
    serve(no_network, profile_url("99000001"), "basisprofiel-99000001-sgravenhage.json")

    result = KvkApiProvider(base_url=API, key="k", attempts=2, sleep=slept.append).lookup(
        "99000001"
    )

    assert result.status == "ok"
    assert slept == [7.0]  # Retry-After honoured, through the injected sleep
    assert len(no_network.calls) == 2


@pytest.mark.parametrize(
    ("status", "code"), [(503, "HTTP 503"), (429, "HTTP 429"), (401, "HTTP 401")]
)
def test_a_failed_call_is_an_error_with_a_groupable_code(no_network, status, code):
    no_network.add("GET", profile_url("99000001"), status=status, json={"fout": []})

    result = kvk_provider(attempts=2).lookup("99000001")

    assert result.status == "error"
    assert error_of(result).error_code == code
    assert error_of(result).http_status == status


def test_no_connection_is_an_error_too(no_network):
    result = kvk_provider().lookup("99000001")  # nothing registered: ConnectionError

    assert result.status == "error"
    assert error_of(result).error_code == "no connection"


def test_every_call_waits_for_the_rate_limiter_first(no_network):
    waits = []
    serve(no_network, profile_url("99000006"), "basisprofiel-99000006-no-address.json")
    serve(no_network, SEARCH_URL, "zoeken-99000006.json")

    provider = kvk_provider(wait=lambda: waits.append(len(no_network.calls)))
    provider.lookup("99000006")

    assert waits == [0, 1]  # before the profile, and before Zoeken
    assert provider.calls == 2


# --- The open data ---------------------------------------------------------------------------


def test_open_data_gives_sbi_codes_legal_form_and_postcode_region(no_network):
    serve(no_network, opendata_url("99000001"), "opendata-99000001.json")

    result = OpenDataProvider(base_url=OPENDATA).lookup("99000001")

    assert result.status == "ok"
    assert code_of(result.facts) == "62100"
    assert (result.facts.legal_form, result.facts.postcode_region) == ("BV", "25")
    assert result.facts.place == ""  # no city in the open data
    assert "apikey" not in no_network.calls[0].request.headers  # no key: none sent


def test_open_data_404_means_not_a_bv_or_nv_and_is_a_result(no_network):
    serve(no_network, opendata_url("99000002"), "opendata-404.json", status=404)

    result = OpenDataProvider(base_url=OPENDATA, key="free-key").lookup("99000002")

    assert (result.status, result.exchanges[0].http_status) == ("not_found", 404)
    assert no_network.calls[0].request.headers["apikey"] == "free-key"


def test_open_data_without_sbi_codes_is_found_without_a_sector(no_network):
    serve(no_network, opendata_url("99000007"), "opendata-no-sbi.json")

    result = OpenDataProvider(base_url=OPENDATA).lookup("99000007")

    assert result.status == "ok"
    assert result.facts.main_activity is None


# --- Readers and redaction -------------------------------------------------------------------


def test_readers_accept_the_shared_test_shapes_and_odd_bodies():
    assert basisprofiel_facts(None).activities == ()
    assert zoeken_facts({"resultaten": []}).place == ""
    assert opendata_facts([]).activities == ()
    foreign = zoeken_facts(
        {
            "resultaten": [
                {"type": "hoofdvestiging", "adres": {"buitenlandsAdres": {"land": "België"}}}
            ]
        }
    )
    assert foreign.country == "België"


def test_a_sole_traders_address_keeps_no_postcode():
    body: dict[str, Any] = {
        "_embedded": {
            "hoofdvestiging": {
                "adressen": [{"plaats": "Lochem", "postcode": "7241AA", "straatnaam": "X"}]
            },
            "eigenaar": {"rechtsvorm": "Eenmanszaak"},
        }
    }

    assert redact(body)["_embedded"]["hoofdvestiging"]["adressen"] == [{"plaats": "Lochem"}]
    assert body["_embedded"]["hoofdvestiging"]["adressen"][0]["postcode"] == "7241AA"  # a copy
