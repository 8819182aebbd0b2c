"""Evidence: a permalink for "listed in the edition of D", and the stored page to download."""

from __future__ import annotations

import gzip
import hashlib
import re
from datetime import date

import pytest
from django.urls import reverse

from registry.models import Edition, Listing, ListingEvent
from registry.timeline import evidence_links, names_in
from tests.factories import add_name, make_edition, make_listing, rename_listing

pytestmark = pytest.mark.django_db
PAGE = (
    b"<html><body><p>The overview was last updated on 3 August 2026.</p><table>"
    b'<tr><th scope="row">""Aa-Dee"" Machinefabriek B.V.</th><td>17037842</td></tr>'
    b"</table><script>alert(1)</script></body></html>"
)


def evidence_url(key: str, day: str, register: str = "work") -> str:
    return reverse("registry:evidence", kwargs={"key": key, "register": register, "day": day})


def page_url(day: str, register: str = "work") -> str:
    return reverse("registry:edition-page", kwargs={"register": register, "day": day})


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def with_page(edition: Edition, raw: bytes = PAGE) -> Edition:
    """Give a factory edition the stored page a sync keeps."""
    Edition.objects.filter(pk=edition.pk).update(
        raw_gzip=gzip.compress(raw),
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        source_url="https://ind.nl/en/public-register-recognised-sponsors/public-register-work",
        final_url="https://ind.nl/en/public-register-recognised-sponsors/public-register-work",
    )
    edition.refresh_from_db()
    return edition


@pytest.fixture
def editions():
    july = with_page(make_edition(date(2026, 7, 1), current=False))
    august = with_page(make_edition(date(2026, 8, 3), current=False))
    october = with_page(make_edition(date(2026, 10, 5)))
    return july, august, october


@pytest.fixture
def aadee(editions):
    july, august, october = editions
    listing = make_listing("Advanced Automated Equipment B.V.", "17037842", edition=july)
    rename_listing(listing, '""Aa-Dee"" Machinefabriek B.V.', edition=august)
    return listing


def test_the_evidence_page_states_the_edition_the_fetch_the_source_and_the_hash(
    client, editions, aadee
):
    response = client.get(evidence_url("17037842", "2026-08-03"))

    assert response.status_code == 200
    page = text_of(response)
    sha = hashlib.sha256(PAGE).hexdigest()
    assert "Machinefabriek B.V. was listed in the edition of 3 August 2026" in page
    assert "Listed as &#34;&#34;Aa-Dee&#34;&#34; Machinefabriek B.V. Exactly as published." in page
    assert "KvK number 17037842" in page
    assert (
        "Edition 3 August 2026 (date source: the page&#39;s &#39;last updated&#39; sentence;"
        in page
    )
    assert "Fetched by us 3 August 2026, 10:00" in page
    assert (
        "Source URL https://ind.nl/en/public-register-recognised-sponsors/public-register-work"
        in page
    )
    assert f"SHA-256 of the stored page {sha}" in page
    assert "sha256sum ind-register-work-2026-08-03.html" in page
    html = response.content.decode()
    assert (
        f'<a href="{page_url("2026-08-03")}" download="ind-register-work-2026-08-03.html">' in html
    )
    assert f'href="{page_url("2026-08-03")}?inline=1"' in html
    assert "http://testserver" + evidence_url("17037842", "2026-08-03") in html


def test_the_evidence_of_an_earlier_edition_shows_the_name_of_then(client, editions, aadee):
    page = text_of(client.get(evidence_url("17037842", "2026-07-01")))

    assert "Listed as Advanced Automated Equipment B.V." in page


def test_no_evidence_for_an_edition_the_company_was_not_in(client, editions):
    gone = make_listing("Gone B.V.", "50000001", edition=editions[0], removed_in=editions[1])

    response = client.get(evidence_url("50000001", "2026-10-05"))

    assert response.status_code == 404
    page = text_of(response)
    assert "Not listed in that edition" in page
    assert (
        "Gone B.V. was not listed in the edition of 5 October 2026 of the Public register Work."
        in page
    )
    assert f'href="{evidence_url("50000001", "2026-07-01")}"' in response.content.decode()
    assert [link.edition for link in evidence_links(gone)] == [date(2026, 7, 1)]


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/company/17037842/evidence/work/2026-13-01/", 400, "is not a date"),
        ("/company/17037842/evidence/bogus/2026-08-03/", 404, "There is no register “bogus”"),
        ("/company/17037842/evidence/work/2026-08-04/", 404, "No edition of the Public register"),
        ("/company/12345678/evidence/work/2026-08-03/", 404, "No company with the key “12345678”"),
        ("/company/x%00y/evidence/work/2026-08-03/", 404, "No company with the key"),
        ("/company/17037842/evidence/exchange/2026-08-03/", 404, "No edition of the Public"),
        ("/company/17037842/evidence/work/2026-08-03/?edition=x", 400, "not an edition number"),
    ],
)
def test_a_bad_evidence_address_is_explained_with_a_4xx(
    client, editions, aadee, url, status, message
):
    response = client.get(url)

    assert response.status_code == status
    assert message in response.content.decode()


def test_a_nine_digit_kvk_redirects_to_the_evidence(client, editions):
    make_listing("Zero B.V.", "01234567", edition=editions[0])

    response = client.get(evidence_url("001234567", "2026-07-01"))

    assert response.status_code == 301
    assert response["Location"] == evidence_url("01234567", "2026-07-01")


def test_the_stored_page_downloads_as_fetched_with_its_hash(client, editions):
    response = client.get(page_url("2026-08-03"))

    assert response.status_code == 200
    assert response.content == PAGE
    assert hashlib.sha256(response.content).hexdigest() == response["X-Content-SHA256"]
    assert response["Content-Type"] == "text/html"
    assert response["Content-Disposition"] == (
        'attachment; filename="ind-register-work-2026-08-03.html"'
    )


def test_the_stored_page_can_be_viewed_without_running_its_scripts(client, editions):
    response = client.get(page_url("2026-08-03"), {"inline": "1"})

    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_stored_csv_copy_downloads_as_csv(client, editions):
    Edition.objects.filter(pk=editions[0].pk).update(raw_content_type="text/csv")

    response = client.get(page_url("2026-07-01"))

    assert response["Content-Type"] == "text/csv"
    assert 'filename="ind-register-work-2026-07-01.csv"' in response["Content-Disposition"]


def test_two_editions_of_one_day_are_told_apart_by_their_number(client, editions, aadee):
    again = with_page(make_edition(date(2026, 10, 5)), raw=b"<html>second</html>")
    latest = client.get(page_url("2026-10-05"))
    earlier = client.get(page_url("2026-10-05"), {"edition": editions[2].pk})

    assert latest.content == b"<html>second</html>"
    assert earlier.content == PAGE
    assert client.get(page_url("2026-10-05"), {"edition": "999999"}).status_code == 404
    html = client.get(evidence_url("17037842", "2026-10-05")).content.decode()
    assert f'href="{page_url("2026-10-05")}?edition={again.pk}"' in html
    assert f'href="{page_url("2026-10-05")}?edition={again.pk}&amp;inline=1"' in html


def test_evidence_links_name_every_edition_a_listing_was_in_newest_first(client, editions):
    july, august, october = editions
    back = make_listing("Back B.V.", "50000002", edition=july, removed_in=august)
    ListingEvent.objects.create(listing=back, edition=october, kind="readded")

    links = evidence_links(Listing.objects.select_related("company", "register").get(pk=back.pk))

    assert [(link.edition, link.url) for link in links] == [
        (date(2026, 10, 5), evidence_url("50000002", "2026-10-05")),
        (date(2026, 7, 1), evidence_url("50000002", "2026-07-01")),
    ]


def test_a_name_used_again_after_a_gap_is_told_apart_by_the_renames(editions):
    july, august, october = editions
    listing = make_listing('""Aa-Dee"" Machinefabriek B.V.', "17037842", edition=july)
    # July: with the nickname; August: without; October: with it again. The sync extends the
    # July name record to October, so two records cover August.
    rename_listing(listing, "Machinefabriek B.V.", edition=august)
    listing.names.filter(name_raw='""Aa-Dee"" Machinefabriek B.V.').update(last_edition=october)
    ListingEvent.objects.create(
        listing=listing,
        edition=october,
        kind="renamed",
        old_name="Machinefabriek B.V.",
        new_name='""Aa-Dee"" Machinefabriek B.V.',
    )

    assert [n.name_raw for n in names_in(listing, august)] == ["Machinefabriek B.V."]
    assert [n.name_raw for n in names_in(listing, october)] == ['""Aa-Dee"" Machinefabriek B.V.']


def test_a_kvk_listed_under_two_names_shows_both(client, editions):
    listing = make_listing("Centraal Planbureau", "52813150", edition=editions[2])
    add_name(listing, "Ministerie van Economische Zaken", edition=editions[2])

    page = text_of(client.get(evidence_url("52813150", "2026-10-05")))

    assert "Listed as Centraal Planbureau and Ministerie van Economische Zaken" in page
    assert "this KvK number had 2 rows in that edition" in page


@pytest.mark.parametrize("renames", [1, 6])
def test_the_evidence_page_costs_six_queries_however_long_the_history(
    client, django_assert_num_queries, renames
):
    listing = make_listing("Name 0 B.V.", "12345678", edition=make_edition(date(2026, 1, 1)))
    for month in range(1, renames + 1):
        rename_listing(
            listing, f"Name {month} B.V.", edition=make_edition(date(2026, 1 + month, 1))
        )

    # Header, the register, its editions, the listing with its company, its names, its events.
    with django_assert_num_queries(6):
        response = client.get(evidence_url("12345678", "2026-01-01"))
    assert response.status_code == 200
    with django_assert_num_queries(3):  # the register, its editions, the one with its page
        client.get(page_url("2026-01-01"))
