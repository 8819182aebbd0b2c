"""scraper.fetch at its seam: what goes out on the wire and what comes back, never the network.

No database and no Django needed: these run with `-p no:django` too.
"""

from __future__ import annotations

import gzip
import itertools
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses

from scraper.fetch import (
    ACCEPT_HTML,
    CHUNK_BYTES,
    RETRY_AFTER_CAP,
    FetchError,
    FetchResult,
    Limits,
    _session,
    check_url_host,
    fetch_json,
    fetch_page,
)

URL = "https://ind.nl/en/public-register-recognised-sponsors/public-register-work"
KVK_URL = "https://api.kvk.nl/api/v1/basisprofielen/68750110"
PAGE = b"<html><body><table><tr><td>Test BV Donald</td><td>68750110</td></tr></table></body></html>"


@pytest.fixture(autouse=True)
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock  # an unregistered URL raises ConnectionError instead of calling the IND


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def fake_sleep(sleeps):
    return sleeps.append  # records each delay; the tests never wait


def test_a_page_is_fetched_with_its_etag_and_last_modified(mocked, fake_sleep, sleeps):
    mocked.get(
        URL,
        body=PAGE,
        headers={"ETag": '"abc123"', "Last-Modified": "Mon, 05 Oct 2026 06:00:00 GMT"},
        content_type="text/html; charset=UTF-8",
    )

    result = fetch_page(URL, sleep=fake_sleep)

    assert result == FetchResult(
        url=URL,
        final_url=URL,
        status=200,
        content=PAGE,
        content_type="text/html",
        encoding="utf-8",
        etag='"abc123"',
        last_modified="Mon, 05 Oct 2026 06:00:00 GMT",
        attempts=1,
    )
    assert not result.not_modified
    assert "Test BV Donald" in result.text()
    assert sleeps == []


def test_missing_etag_and_last_modified_are_empty_strings(mocked):
    mocked.get(URL, body=PAGE, content_type="text/html")

    result = fetch_page(URL)

    assert (result.etag, result.last_modified, result.encoding) == ("", "", None)


def test_no_conditional_headers_are_sent_when_none_are_given(mocked):
    mocked.get(URL, body=PAGE)

    fetch_page(URL)

    sent = mocked.calls[0].request.headers
    assert "If-None-Match" not in sent
    assert "If-Modified-Since" not in sent


def test_conditional_headers_are_sent_when_given(mocked):
    mocked.get(URL, body=PAGE)

    fetch_page(URL, etag='"abc123"', last_modified="Mon, 05 Oct 2026 06:00:00 GMT")

    sent = mocked.calls[0].request.headers
    assert sent["If-None-Match"] == '"abc123"'
    assert sent["If-Modified-Since"] == "Mon, 05 Oct 2026 06:00:00 GMT"


def test_only_the_etag_is_sent_when_last_modified_is_empty(mocked):
    mocked.get(URL, body=PAGE)

    fetch_page(URL, etag='"abc123"')

    sent = mocked.calls[0].request.headers
    assert sent["If-None-Match"] == '"abc123"'
    assert "If-Modified-Since" not in sent


def test_a_304_is_not_modified_and_has_no_content(mocked):
    mocked.get(URL, status=304)

    result = fetch_page(URL, etag='"abc123"', last_modified="Mon, 05 Oct 2026 06:00:00 GMT")

    assert result.not_modified
    assert result.status == 304
    assert result.content == b""
    assert result.etag == '"abc123"'  # kept from the request when the 304 does not repeat it
    assert result.last_modified == "Mon, 05 Oct 2026 06:00:00 GMT"


def test_a_redirect_is_followed_and_the_final_url_recorded(mocked):
    new_url = "https://ind.nl/en/recognised-sponsors/work"
    mocked.get(URL, status=301, headers={"Location": new_url})
    mocked.get(new_url, body=PAGE)

    result = fetch_page(URL)

    assert result.url == URL
    assert result.final_url == new_url
    assert result.content == PAGE


def test_a_500_is_retried_after_two_seconds(mocked, fake_sleep, sleeps):
    mocked.get(URL, status=500)
    mocked.get(URL, body=PAGE)

    result = fetch_page(URL, sleep=fake_sleep)

    assert result.content == PAGE
    assert result.attempts == 2
    assert sleeps == [2.0]


def test_four_503s_raise_an_error_naming_the_status_and_the_attempts(mocked, fake_sleep, sleeps):
    mocked.get(URL, status=503)

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, sleep=fake_sleep)

    assert str(raised.value) == "ind.nl answered 503 Service Unavailable (after 4 attempts)"
    assert raised.value.status == 503
    assert len(mocked.calls) == 4
    assert sleeps == [2.0, 4.0, 8.0]  # exponential, and no sleep after the last attempt


def test_a_429_waits_as_long_as_retry_after_says(mocked, fake_sleep, sleeps):
    mocked.get(URL, status=429, headers={"Retry-After": "7"})
    mocked.get(URL, body=PAGE)

    fetch_page(URL, sleep=fake_sleep)

    assert sleeps == [7.0]


def test_retry_after_as_an_http_date_waits_until_that_moment(mocked, fake_sleep, sleeps):
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    mocked.get(URL, status=503, headers={"Retry-After": in_a_minute})
    mocked.get(URL, body=PAGE)

    fetch_page(URL, sleep=fake_sleep)

    [delay] = sleeps
    assert 55 <= delay <= 60  # the header has whole seconds, and the clock ran on a little


def test_retry_after_in_the_past_retries_at_once(mocked, fake_sleep, sleeps):
    mocked.get(URL, status=503, headers={"Retry-After": "Mon, 05 Oct 2026 06:00:00 GMT"})
    mocked.get(URL, body=PAGE)

    fetch_page(URL, sleep=fake_sleep)

    assert sleeps == [0.0]


def test_a_huge_retry_after_is_capped_at_five_minutes(mocked, fake_sleep, sleeps):
    mocked.get(URL, status=429, headers={"Retry-After": "86400"})
    mocked.get(URL, body=PAGE)

    fetch_page(URL, sleep=fake_sleep)

    assert sleeps == [RETRY_AFTER_CAP]
    assert RETRY_AFTER_CAP == 300


def test_an_unreadable_retry_after_falls_back_to_the_backoff(mocked, fake_sleep, sleeps):
    mocked.get(URL, status=429, headers={"Retry-After": "soon"})
    mocked.get(URL, body=PAGE)

    fetch_page(URL, sleep=fake_sleep)

    assert sleeps == [2.0]


def test_a_connection_error_is_retried_and_the_next_attempt_succeeds(mocked, fake_sleep, sleeps):
    mocked.get(URL, body=requests.ConnectionError("connection reset by peer"))
    mocked.get(URL, body=PAGE)

    result = fetch_page(URL, sleep=fake_sleep)

    assert result.content == PAGE
    assert result.attempts == 2
    assert sleeps == [2.0]


def test_a_refused_connection_is_reported_in_plain_words(mocked, fake_sleep):
    refused = ConnectionRefusedError(111, "Connection refused")
    mocked.get(URL, body=requests.ConnectionError(refused))

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, sleep=fake_sleep)

    assert str(raised.value) == "could not connect to ind.nl: connection refused (after 4 attempts)"
    assert raised.value.status is None


def test_a_timeout_raises_after_all_attempts_mentioning_the_timeout(mocked, fake_sleep, sleeps):
    mocked.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, sleep=fake_sleep)

    assert str(raised.value) == "ind.nl did not answer within 30 s (after 4 attempts)"
    assert len(mocked.calls) == 4
    assert sleeps == [2.0, 4.0, 8.0]


def test_every_request_carries_the_timeout(mocked):
    mocked.get(URL, body=PAGE)

    fetch_page(URL)

    assert mocked.calls[0].request.req_kwargs["timeout"] == (5, 30)


@pytest.mark.parametrize("status", [404, 403, 410])
def test_a_client_error_raises_at_once_without_retrying(mocked, fake_sleep, sleeps, status):
    mocked.get(URL, status=status)

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, sleep=fake_sleep)

    assert str(status) in str(raised.value)
    assert URL in str(raised.value)
    assert raised.value.status == status
    assert len(mocked.calls) == 1
    assert sleeps == []


def test_an_empty_page_raises(mocked):
    mocked.get(URL, body=b"")

    with pytest.raises(FetchError, match="returned an empty page"):
        fetch_page(URL)


def test_the_user_agent_names_erkend_and_html_is_accepted(mocked):
    mocked.get(URL, body=PAGE)

    fetch_page(URL)

    sent = mocked.calls[0].request.headers
    assert "erkend" in sent["User-Agent"]
    assert sent["Accept"] == ACCEPT_HTML


def test_one_session_is_shared_by_every_fetch():
    assert _session() is _session()


def test_text_decodes_with_the_declared_charset():
    result = FetchResult(
        url=URL,
        final_url=URL,
        status=200,
        content="Dümmen Orange".encode("latin-1"),
        content_type="text/html",
        encoding="iso-8859-1",
        etag="",
        last_modified="",
        attempts=1,
    )

    assert result.text() == "Dümmen Orange"


# --- the allowed hosts: the register URL and every redirect -------------------------------------

IND = ["ind.nl"]  # the default REGISTER_URL_HOSTS
LOOPBACK = ["ind.nl", "127.0.0.1", "localhost"]  # as the tests list it


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://ind.nl/en/public-register-work", IND),
        ("https://www.ind.nl/en/public-register-work", IND),  # a subdomain
        ("https://WWW.IND.NL./en/", IND),  # case and a trailing dot do not matter
        ("http://127.0.0.1:8123/register.html", LOOPBACK),
        ("http://localhost:8123/register.html", LOOPBACK),
        ("http://[::1]/register.html", ["::1"]),
    ],
)
def test_an_allowed_host_passes(url, allowed):
    check_url_host(url, allowed_hosts=allowed)


@pytest.mark.parametrize(
    ("url", "allowed", "reason"),
    [
        ("https://evil.example/", IND, "evil.example in https://evil.example/ is not an allowed"),
        ("https://notind.nl/", IND, "notind.nl in https://notind.nl/ is not an allowed host"),
        ("https://ind.nl.evil.example/", IND, "ind.nl.evil.example in"),
        ("https://ind.nl@evil.example/", IND, "evil.example in https://ind.nl@evil.example/"),
        ("ftp://ind.nl/register", IND, "ftp://ind.nl/register is not an http or https URL"),
        ("file:///etc/passwd", IND, "file:///etc/passwd is not an http or https URL"),
        ("https:///register", IND, "https:///register names no host"),
        ("http://127.0.0.1/", IND, "127.0.0.1 in http://127.0.0.1/ is a loopback or private"),
        ("http://localhost/", IND, "localhost in http://localhost/ is a loopback or private"),
        ("http://10.0.0.5/", IND, "10.0.0.5 in http://10.0.0.5/ is a loopback or private"),
        ("http://192.168.1.1/", IND, "192.168.1.1 in"),
        ("http://169.254.169.254/latest/", IND, "169.254.169.254 in"),  # cloud metadata
        ("http://[::1]/", IND, "::1 in http://[::1]/ is a loopback or private address"),
        ("http://127.0.0.2/", LOOPBACK, "127.0.0.2 in http://127.0.0.2/ is a loopback"),
        ("http://www.localhost/", LOOPBACK, "www.localhost in"),  # exactly as listed only
    ],
)
def test_a_host_not_allowed_is_refused_with_the_reason(url, allowed, reason):
    with pytest.raises(FetchError) as raised:
        check_url_host(url, allowed_hosts=allowed)

    assert str(raised.value).startswith(reason)


def test_the_refusal_names_the_setting_and_what_it_allows():
    with pytest.raises(FetchError) as raised:
        check_url_host("http://10.0.0.5/", allowed_hosts=LOOPBACK)

    assert str(raised.value) == (
        "10.0.0.5 in http://10.0.0.5/ is a loopback or private address, allowed only when "
        "REGISTER_URL_HOSTS lists it (it lists 127.0.0.1, ind.nl, localhost)"
    )


def test_a_url_on_a_host_not_allowed_is_never_asked_for(mocked):
    with pytest.raises(FetchError, match=r"^10.0.0.5 in http://10.0.0.5/register is a loopback"):
        fetch_page("http://10.0.0.5/register", allowed_hosts=IND)

    assert len(mocked.calls) == 0


def test_a_redirect_to_an_allowed_subdomain_is_followed(mocked):
    new_url = "https://www.ind.nl/en/public-register-work"
    mocked.get(URL, status=301, headers={"Location": new_url})
    mocked.get(new_url, body=PAGE)

    result = fetch_page(URL, allowed_hosts=IND)

    assert (result.final_url, result.content) == (new_url, PAGE)


def test_a_relative_redirect_is_resolved_against_the_url_it_came_from(mocked):
    mocked.get(URL, status=302, headers={"Location": "/en/register-work"})
    mocked.get("https://ind.nl/en/register-work", body=PAGE)

    assert fetch_page(URL, allowed_hosts=IND).final_url == "https://ind.nl/en/register-work"


def test_a_redirect_to_a_host_not_allowed_is_refused_before_it_is_followed(mocked):
    mocked.get(URL, status=302, headers={"Location": "https://evil.example/register"})
    mocked.get("https://evil.example/register", body=PAGE)

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, allowed_hosts=IND)

    assert str(raised.value) == (
        "evil.example in https://evil.example/register is not an allowed host "
        "(REGISTER_URL_HOSTS: ind.nl)"
    )
    assert [call.request.url for call in mocked.calls] == [URL]


def test_a_redirect_to_a_private_address_is_refused(mocked):
    mocked.get(URL, status=307, headers={"Location": "http://169.254.169.254/latest/meta-data"})

    with pytest.raises(FetchError, match=r"^169.254.169.254 in .* is a loopback or private"):
        fetch_page(URL, allowed_hosts=IND)

    assert len(mocked.calls) == 1


def test_a_redirect_to_a_file_is_refused(mocked):
    mocked.get(URL, status=302, headers={"Location": "file:///etc/passwd"})

    with pytest.raises(FetchError, match=r"^file:///etc/passwd is not an http or https URL"):
        fetch_page(URL, allowed_hosts=IND)


def test_a_redirect_loop_is_refused_after_five_hops(mocked):
    mocked.get(URL, status=302, headers={"Location": URL})

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, allowed_hosts=IND)

    assert str(raised.value) == f"ind.nl redirected more than 5 times for {URL}"
    assert len(mocked.calls) == 6


def test_without_allowed_hosts_any_redirect_is_followed(mocked):
    archived = "https://web.archive.org/web/2024id_/https://ind.nl/en/register"
    mocked.get(URL, status=302, headers={"Location": archived})
    mocked.get(archived, body=PAGE)

    assert fetch_page(URL).final_url == archived  # the backfill asks the archive, not the IND


# --- download limits: what a response may cost -----------------------------------------------

SMALL = Limits(max_bytes=10_000, max_decoded_bytes=50_000, deadline=120)


def test_the_default_limits_are_20_mb_each_and_two_minutes():
    assert Limits() == Limits(max_bytes=20_000_000, max_decoded_bytes=20_000_000, deadline=120)


def test_the_limits_come_from_the_fetch_settings(mocked, settings):
    settings.FETCH_MAX_BYTES = 1_000
    mocked.get(URL, body=b"x" * 1_001)

    with pytest.raises(FetchError, match=r"^ind.nl sent more than the 1,000 bytes limit"):
        fetch_page(URL)


def test_a_page_within_the_limits_is_read_whole(mocked):
    page = PAGE * 100  # 9 kB: under the 10 kB limit
    mocked.get(URL, body=page)

    assert fetch_page(URL, limits=SMALL).content == page


def test_a_gzipped_page_is_inflated(mocked):
    page = PAGE * 500  # 46 kB inflated, a few hundred bytes as sent
    mocked.get(URL, body=gzip.compress(page), headers={"Content-Encoding": "gzip"})

    result = fetch_page(URL, limits=SMALL)

    assert result.content == page
    assert mocked.calls[0].request.headers["Accept-Encoding"] == "gzip, deflate"


def test_a_deflated_page_is_inflated(mocked):
    mocked.get(URL, body=zlib.compress(PAGE), headers={"Content-Encoding": "deflate"})

    assert fetch_page(URL, limits=SMALL).content == PAGE


def test_a_plain_body_over_the_limit_is_refused_without_retrying(mocked, fake_sleep, sleeps):
    mocked.get(URL, body=b"x" * 10_001)

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, limits=SMALL, sleep=fake_sleep)

    assert (
        str(raised.value)
        == f"ind.nl sent more than the 10,000 bytes limit for {URL} (FETCH_MAX_BYTES)"
    )
    assert len(mocked.calls) == 1
    assert sleeps == []


def test_a_content_length_over_the_limit_is_refused_before_the_body_is_read(mocked):
    mocked.get(URL, body=PAGE, headers={"Content-Length": "25000000"})

    with pytest.raises(FetchError) as raised:
        fetch_page(URL)

    assert str(raised.value) == (
        f"ind.nl announced 25.0 MB for {URL}, over the 20.0 MB limit (FETCH_MAX_BYTES)"
    )


def test_a_content_length_that_lies_does_not_lift_the_limit(mocked):
    mocked.get(URL, body=b"x" * 100_000, headers={"Content-Length": "1000"})

    with pytest.raises(FetchError, match=r"^ind.nl sent more than the 10,000 bytes limit"):
        fetch_page(URL, limits=SMALL)


def test_a_gzip_bomb_is_refused_without_inflating_it_into_memory(mocked):
    limits = Limits(max_bytes=1_000_000, max_decoded_bytes=1_000_000, deadline=120)
    bomb = gzip.compress(b"\0" * 50_000_000)  # 50 kB as sent, 50 MB inflated
    mocked.get(URL, body=bomb, headers={"Content-Encoding": "gzip"})

    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as raised:
            fetch_page(URL, limits=limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert str(raised.value).startswith(
        f"ind.nl sent {URL} compressed, and it inflates past the 1.0 MB limit "
        "(FETCH_MAX_DECODED_BYTES) after "  # some 50 kB received, as this zlib compresses
    )
    assert str(raised.value).endswith(" received: refused as a decompression bomb")
    assert peak < 5_000_000  # the limit and a chunk, not the 50 MB the bomb holds


def test_broken_compression_is_refused(mocked):
    mocked.get(URL, body=b"this is not gzip", headers={"Content-Encoding": "gzip"})

    with pytest.raises(FetchError, match=r"^ind.nl sent .* with broken compression"):
        fetch_page(URL)


def test_a_compressed_body_that_ends_early_is_retried(mocked, fake_sleep, sleeps):
    mocked.get(URL, body=gzip.compress(PAGE)[:-12], headers={"Content-Encoding": "gzip"})
    mocked.get(URL, body=gzip.compress(PAGE), headers={"Content-Encoding": "gzip"})

    result = fetch_page(URL, sleep=fake_sleep)

    assert result.content == PAGE
    assert sleeps == [2.0]


def test_an_encoding_we_did_not_ask_for_is_refused(mocked):
    mocked.get(URL, body=b"\x0b\x02\x80", headers={"Content-Encoding": "br"})

    with pytest.raises(FetchError, match=r"in an encoding we did not ask for \(br\)$"):
        fetch_page(URL)


def test_a_page_slower_than_the_deadline_is_refused_without_retrying(mocked, fake_sleep, sleeps):
    mocked.get(URL, body=b"x" * (5 * CHUNK_BYTES))
    clock = itertools.count(0, 50).__next__  # every look at the clock finds 50 s gone
    limits = Limits(deadline=120)

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, limits=limits, clock=clock, sleep=fake_sleep)

    assert str(raised.value) == (
        f"ind.nl took longer than 120 s to send {URL} (FETCH_DEADLINE_SECONDS; 0.2 MB "
        "received): refused as too slow or endless"
    )
    assert len(mocked.calls) == 1
    assert sleeps == []


def test_a_page_within_the_deadline_is_read(mocked):
    mocked.get(URL, body=b"x" * (2 * CHUNK_BYTES))
    clock = itertools.count(0, 50).__next__  # two reads: 100 s

    assert len(fetch_page(URL, clock=clock).content) == 2 * CHUNK_BYTES


def test_a_file_url_is_read_from_disk(tmp_path):
    page = tmp_path / "register.html"
    page.write_bytes(PAGE)

    result = fetch_page(page.as_uri())

    assert result.status == 200
    assert result.content == PAGE
    assert result.final_url == page.as_uri()
    assert result.content_type == "text/html"
    assert result.attempts == 1


def test_an_absolute_path_is_read_from_disk(tmp_path):
    export = tmp_path / "register.csv"
    export.write_bytes(b"name,kvk\nTest BV Donald,68750110\n")

    result = fetch_page(str(export))

    assert result.url == str(export)
    assert result.final_url == export.as_uri()
    assert result.content_type == "text/csv"


def test_a_relative_path_is_read_from_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "register.html").write_bytes(PAGE)
    monkeypatch.chdir(tmp_path)

    result = fetch_page("fixtures/register.html")

    assert result.content == PAGE
    assert result.final_url == (tmp_path / "fixtures" / "register.html").as_uri()


def test_a_missing_file_raises_file_not_found(tmp_path):
    missing = tmp_path / "nope.html"

    with pytest.raises(FetchError) as raised:
        fetch_page(str(missing))

    assert str(raised.value) == f"file not found: {missing}"


def test_a_missing_file_url_raises_file_not_found(tmp_path):
    with pytest.raises(FetchError, match="file not found"):
        fetch_page((tmp_path / "nope.html").as_uri())


def test_an_empty_file_raises(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")

    with pytest.raises(FetchError, match="empty"):
        fetch_page(str(empty))


def test_an_unsupported_scheme_raises(mocked):
    with pytest.raises(FetchError, match="unsupported URL scheme 'ftp'"):
        fetch_page("ftp://ind.nl/register.html")

    assert len(mocked.calls) == 0


def test_fetch_json_returns_the_parsed_body_and_headers(mocked):
    mocked.get(
        KVK_URL,
        json={"kvkNummer": "68750110", "naam": "Test BV Donald"},
        headers={"API-Version": "1.5.0"},
    )

    result = fetch_json(KVK_URL, headers={"apikey": "test-key"}, params={"geoData": "false"})

    assert result.status == 200
    assert result.data == {"kvkNummer": "68750110", "naam": "Test BV Donald"}
    assert result.headers["api-version"] == "1.5.0"
    sent = mocked.calls[0].request
    assert sent.headers["apikey"] == "test-key"
    assert sent.headers["Accept"] == "application/json"
    assert sent.url == f"{KVK_URL}?geoData=false"


def test_fetch_json_returns_a_404_without_raising(mocked):
    error = {"fout": [{"code": "IPD0005", "omschrijving": "Product niet leverbaar"}]}
    mocked.get(KVK_URL, status=404, json=error)

    result = fetch_json(KVK_URL)

    assert result.status == 404
    assert result.data == error
    assert len(mocked.calls) == 1


def test_fetch_json_returns_none_for_a_404_without_json(mocked):
    mocked.get(KVK_URL, status=404, body="<html>Not Found</html>", content_type="text/html")

    assert fetch_json(KVK_URL).data is None


def test_fetch_json_raises_on_401_with_the_api_message(mocked, fake_sleep, sleeps):
    mocked.get(KVK_URL, status=401, json={"message": "Invalid API key"})

    with pytest.raises(FetchError) as raised:
        fetch_json(KVK_URL, sleep=fake_sleep)

    expected = f"api.kvk.nl answered 401 Unauthorized for {KVK_URL}: Invalid API key"
    assert str(raised.value) == expected
    assert raised.value.status == 401
    assert sleeps == []


def test_fetch_json_raises_on_400_with_the_kvk_error_code(mocked):
    error = {"fout": [{"code": "IPD0004", "omschrijving": "Het KvK-nummer is niet valide"}]}
    mocked.get(KVK_URL, status=400, json=error)

    with pytest.raises(FetchError, match="IPD0004: Het KvK-nummer is niet valide"):
        fetch_json(KVK_URL)


def test_fetch_json_retries_like_fetch_page(mocked, fake_sleep, sleeps):
    mocked.get(KVK_URL, status=429, headers={"Retry-After": "1"})
    mocked.get(KVK_URL, status=500)
    mocked.get(KVK_URL, json={"naam": "Test BV Donald"})

    result = fetch_json(KVK_URL, sleep=fake_sleep)

    assert result.data == {"naam": "Test BV Donald"}
    assert sleeps == [1.0, 4.0]


def test_fetch_json_raises_on_a_body_that_is_not_json(mocked):
    mocked.get(KVK_URL, body="<html>maintenance</html>", content_type="text/html")

    with pytest.raises(FetchError, match="invalid JSON"):
        fetch_json(KVK_URL)


def _settings_with(monkeypatch, **env: str) -> dict[str, object]:
    import runpy
    from pathlib import Path

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(__file__).resolve().parent.parent / "config" / "settings.py"))


def test_the_backoff_setting_is_two_seconds_by_default_and_may_be_zero(monkeypatch):
    monkeypatch.delenv("FETCH_BACKOFF_SECONDS", raising=False)
    assert _settings_with(monkeypatch)["FETCH_BACKOFF_SECONDS"] == 2.0
    assert _settings_with(monkeypatch, FETCH_BACKOFF_SECONDS="0")["FETCH_BACKOFF_SECONDS"] == 0.0
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="0 or more"):
        _settings_with(monkeypatch, FETCH_BACKOFF_SECONDS="-1")


def test_a_zero_backoff_retries_without_sleeping(mocked):
    mocked.get(URL, status=503)
    mocked.get(URL, body=PAGE)
    slept: list[float] = []

    page = fetch_page(URL, backoff=0, sleep=slept.append)

    assert page.attempts == 2 and slept == [0]


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_a_busy_or_broken_server_is_retryable(mocked, fake_sleep, status):
    mocked.get(URL, status=status)

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, attempts=2, sleep=fake_sleep)

    assert raised.value.retryable and raised.value.status == status
    assert len(mocked.calls) == 2  # fetch_page itself tried again


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410])
def test_a_final_no_is_not_retryable_and_not_tried_again(mocked, fake_sleep, status):
    mocked.get(URL, status=status)

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, attempts=4, sleep=fake_sleep)

    assert not raised.value.retryable and raised.value.status == status
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    "failure",
    [requests.ConnectionError("refused"), requests.ConnectTimeout(), requests.ReadTimeout()],
)
def test_no_answer_is_retryable(mocked, fake_sleep, failure):
    mocked.get(URL, body=failure)

    with pytest.raises(FetchError) as raised:
        fetch_page(URL, attempts=2, sleep=fake_sleep)

    assert raised.value.retryable and raised.value.status is None


def test_a_408_is_tried_again_and_may_succeed(mocked, fake_sleep):
    mocked.get(URL, status=408)
    mocked.get(URL, body=PAGE)

    assert fetch_page(URL, attempts=2, sleep=fake_sleep).attempts == 2


def test_a_body_over_the_limit_a_host_not_allowed_and_a_missing_file_are_not_retryable(
    mocked, tmp_path
):
    mocked.get(URL, body=b"x" * 2000)
    failures = []
    for call in (
        lambda: fetch_page(URL, limits=Limits(max_bytes=1000)),
        lambda: fetch_page("https://evil.example/", allowed_hosts=["ind.nl"]),
        lambda: fetch_page(str(tmp_path / "missing.html")),
    ):
        with pytest.raises(FetchError) as raised:
            call()
        failures.append(raised.value)
    assert [failure.retryable for failure in failures] == [False, False, False]
    assert len(mocked.calls) == 1
