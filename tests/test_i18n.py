"""English and Dutch (issue 18): the language from Accept-Language, then from the switch's
cookie; the switch's checks; caching that keeps the languages apart; numbers in the
language's format; a catalogue that compiles and matches the code."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from config import catalogue
from config.jinja2 import intcomma
from registry.timeline import long_date
from tests.factories import make_edition, make_listing
from tests.test_views import text_of

pytestmark = pytest.mark.django_db

ABOUT = reverse("registry:about")
SEARCH = reverse("registry:search")
COOKIE = settings.LANGUAGE_COOKIE_NAME


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]*)"', response.content.decode())
    assert match, "no <html lang> on the page"
    return match.group(1)


def switch(code: str) -> str:
    return reverse("language", kwargs={"code": code})


def test_a_browser_that_asks_for_dutch_gets_the_page_in_dutch(client):
    response = client.get(ABOUT, HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9,en;q=0.5")

    assert response.status_code == 200
    assert html_lang(response) == "nl"
    assert response.headers["Content-Language"] == "nl"
    text = text_of(response)
    assert "Over deze site" in text
    assert "Doorzoek het openbare IND-register van erkende referenten" in response.content.decode()
    assert "Bedrijfsnaam of KvK-nummer" in response.content.decode()


def test_english_is_the_default_and_what_an_english_browser_gets(client):
    for accept in ("", "en-US,en;q=0.9", "de-DE,fr;q=0.5"):  # a language we lack: English
        response = client.get(ABOUT, HTTP_ACCEPT_LANGUAGE=accept)
        assert html_lang(response) == "en", accept
        assert "About this site" in text_of(response)


def test_every_page_offers_the_other_language_as_a_plain_link_back_to_itself(client):
    response = client.get(SEARCH + "?q=bakkerij", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()

    links = re.findall(r'class="language-switch" href="([^"]+)" hreflang="nl" lang="nl">', html)
    assert len(links) == 2  # header and footer
    assert links[0] == switch("nl") + "?next=/%3Fq%3Dbakkerij"
    assert ">Nederlands</a>" in html

    dutch = client.get(ABOUT, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert 'hreflang="en" lang="en">English</a>' in dutch


def test_an_htmx_search_sends_the_switch_again_for_the_address_it_pushes(client):
    make_edition(date(2026, 10, 3))

    fragment = client.get(SEARCH, {"q": "bakkerij"}, HTTP_HX_REQUEST="true").content.decode()

    for place in ("header", "footer"):
        assert re.search(
            rf'<a id="language-switch-{place}" class="language-switch" '
            r'href="/language/nl/\?next=/%3Fq%3Dbakkerij" hreflang="nl" lang="nl" '
            r'hx-swap-oob="true">Nederlands</a>',
            fragment,
        ), place
    assert "<html" not in fragment


def test_the_switch_sets_the_cookie_for_a_year_and_goes_back(client):
    response = client.get(switch("nl"), {"next": "/?q=bakkerij&status=listed"})

    assert response.status_code == 302
    assert response["Location"] == "/?q=bakkerij&status=listed"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "nl"
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert "no-cache" in response["Cache-Control"]  # the redirect is no shared cache's to keep


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://evil.example/?next=/",
        "/\\evil.example",
        "javascript:alert(1)",
        "",
    ],
)
def test_the_switch_goes_only_to_a_page_of_this_site(client, evil):
    response = client.get(switch("nl"), {"next": evil})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[COOKIE].value == "nl"  # the choice itself still counts


def test_the_switch_knows_only_our_languages_and_only_gets(client):
    response = client.get(switch("de"), {"next": "/"})
    assert response.status_code == 404
    assert COOKIE not in response.cookies

    assert client.post(switch("nl"), {"next": "/"}).status_code == 405


def test_the_cookie_beats_accept_language_and_stays(client):
    client.get(switch("nl"), {"next": ABOUT})

    for path in (ABOUT, SEARCH):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
        assert html_lang(response) == "nl", path

    client.get(switch("en"), {"next": ABOUT})
    response = client.get(ABOUT, HTTP_ACCEPT_LANGUAGE="nl")
    assert html_lang(response) == "en"
    assert "About this site" in text_of(response)


def test_cached_answers_vary_on_the_language_and_name_it_in_their_etag(client):
    make_edition(date(2026, 10, 3))

    english = client.get(ABOUT, HTTP_ACCEPT_LANGUAGE="en")
    dutch = client.get(ABOUT, HTTP_ACCEPT_LANGUAGE="nl")

    for response in (english, dutch):
        assert "public" in response["Cache-Control"]
        vary = {part.strip().lower() for part in response["Vary"].split(",")}
        assert {"accept-language", "cookie"} <= vary
    assert english["ETag"] != dutch["ETag"]
    # A conditional GET with the English ETag but in Dutch gets the Dutch page, not a 304.
    again = client.get(ABOUT, HTTP_ACCEPT_LANGUAGE="nl", HTTP_IF_NONE_MATCH=english["ETag"])
    assert again.status_code == 200
    assert html_lang(again) == "nl"
    assert (
        client.get(ABOUT, HTTP_ACCEPT_LANGUAGE="nl", HTTP_IF_NONE_MATCH=dutch["ETag"]).status_code
        == 304
    )


def test_counts_are_grouped_the_way_the_language_groups_them():
    with translation.override("en"):
        assert intcomma(12885) == "12,885"
        assert intcomma(1234567) == "1,234,567"
    with translation.override("nl"):
        assert intcomma(12885) == "12.885"
        assert intcomma(1234567) == "1.234.567"
        assert intcomma(885) == "885"
        assert intcomma(-12885) == "-12.885"


@pytest.mark.parametrize("language", ["en", "nl"])
def test_long_dates_are_django_s_in_the_active_language(language):
    with translation.override(language):
        for day in (date(2026, 1, 1), date(2026, 3, 31), date(2026, 10, 3), date(2025, 12, 25)):
            assert long_date(day) == date_format(day, "j F Y")
    with translation.override("nl"):
        assert long_date(date(2026, 3, 4)) == "4 maart 2026"


def test_a_page_shows_its_counts_and_dates_in_dutch(client):
    october = make_edition(date(2026, 10, 3))
    for number in range(3):
        make_listing(f"Bakkerij {number} B.V.", f"1000000{number}", edition=october)

    dutch = text_of(client.get(ABOUT, HTTP_ACCEPT_LANGUAGE="nl"))
    english = text_of(client.get(ABOUT, HTTP_ACCEPT_LANGUAGE="en"))

    assert "€ 5.942" in dutch  # the salary thresholds
    assert "€5,942" in english
    assert "geldig vanaf 1 januari 2026" in dutch
    assert "valid from 1 January 2026" in english
    assert "IND-register van 3 oktober 2026" in dutch


def test_the_search_results_give_their_dates_and_counts_in_dutch(client):
    july = make_edition(date(2026, 7, 1), current=False)
    october = make_edition(date(2026, 10, 3))
    make_listing("Bakkerij Korenschoof B.V.", "12345678", edition=july)
    make_listing("Bakkerij Weg B.V.", "11111111", edition=july, removed_in=october)

    dutch = text_of(client.get(SEARCH, {"q": "bakkerij"}, HTTP_ACCEPT_LANGUAGE="nl"))

    assert "2 bedrijven" in dutch
    assert "1 juli 2026" in dutch  # first listed
    assert "3 oktober 2026" in dutch  # removed on
    assert "Niet meer vermeld" in dutch


def test_the_catalogue_compiles_and_django_reads_it(tmp_path):
    po = catalogue.LOCALE_DIR / "nl" / "LC_MESSAGES" / "django.po"
    copy = tmp_path / "nl" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    (copy / "django.po").write_bytes(po.read_bytes())

    (mo,) = catalogue.compile_catalogues(tmp_path)

    assert mo == copy / "django.mo"
    assert mo.stat().st_size > 1000
    with translation.override("nl"):
        assert translation.gettext("Search") == "Zoeken"
        assert translation.ngettext("%(count)d day", "%(count)d days", 2) == "%(count)d dagen"


def test_every_translation_keeps_the_placeholders_of_its_english():
    """A translation that drops or renames %(name)s would raise, or lose a value, as it renders."""
    with (catalogue.LOCALE_DIR / "nl" / "LC_MESSAGES" / "django.po").open("rb") as file:
        po = read_po(file)
    wrong = []
    placeholder = re.compile(r"%\((\w+)\)[sd]")

    def names(text) -> set[str]:
        return set(placeholder.findall(str(text)))

    for message in po:
        if not message.id or not message.string or message.fuzzy:  # fuzzy: not compiled
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = names(ids[0]) | names(ids[-1])
        for string in strings:
            if string and names(string) - wanted:
                wrong.append((ids[0], string))
        # The singular may leave out the count ("één werkgever"); the plural may not.
        if strings[-1] and names(strings[-1]) != names(ids[-1]):
            wrong.append((ids[-1], strings[-1]))
    assert not wrong


def test_the_dutch_catalogue_translates_every_string_of_the_code():
    """Every page, message, mail and admin text has its Dutch: an untranslated or fuzzy entry
    would show English on a Dutch page. With `make messages-check` (every string of the code is
    in the catalogue) this covers every string a person reads."""
    with (catalogue.LOCALE_DIR / "nl" / "LC_MESSAGES" / "django.po").open("rb") as file:
        po = read_po(file)
    missing = []
    for message in po:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert len(po) > 600  # the catalogue itself, not an empty stand-in
    assert not missing, f"{len(missing)} strings without Dutch: {missing[:10]}"


def test_the_catalogue_check_finds_a_missing_and_a_dropped_string(tmp_path: Path):
    template = tmp_path / "django.pot"
    template.write_text('msgid "Search"\nmsgstr ""\n\nmsgid "New string"\nmsgstr ""\n')
    po = tmp_path / "django.po"
    po.write_text('msgid "Search"\nmsgstr "Zoeken"\n\nmsgid "Old string"\nmsgstr "Oud"\n')

    missing, dropped = catalogue.stale(template=template, catalogue=po)

    assert missing == {(None, "New string")}
    assert dropped == {(None, "Old string")}
    assert catalogue.main(["check", str(template), str(po)]) == 1
    assert catalogue.main(["check", str(template), str(template)]) == 0


def test_the_django_template_extractor_reads_translate_tags():
    source = (
        '{% load i18n %}<h1>{% translate "Sync runs" %}</h1>\n'
        "  <p>{% blocktranslate count n=runs %}One run{% plural %}{{ n }} runs"
        "{% endblocktranslate %}</p>\n"
        '    <p>{% translate "May" context "month" %}</p>\n'
    )
    found = list(
        catalogue.extract_django(
            io.BytesIO(source.encode()),
            {"gettext": None, "ngettext": None, "pgettext": None},
            [],
            {},
        )
    )

    messages: list[tuple[int, object]] = [(line, message) for line, _f, message, _c in found]
    assert (1, "Sync runs") in messages
    assert (2, ("One run", "%(n)s runs", None)) in messages  # ngettext's count: not a string
    assert (3, ("month", "May")) in messages


def test_a_dutch_reader_s_date_inputs_are_iso_dates(client):
    july = make_edition(date(2026, 7, 1), current=False)
    october = make_edition(date(2026, 10, 3))
    make_listing("Bakkerij Weg B.V.", "11111111", edition=july, removed_in=october)

    response = client.get(
        SEARCH, {"q": "bakkerij", "as_of": "2026-08-01"}, HTTP_ACCEPT_LANGUAGE="nl"
    )
    html = response.content.decode()

    assert re.search(r'<input type="date" name="as_of" value="2026-08-01"', html)
    assert "Status toen" in text_of(response)  # the date was understood: the table is as of then


def test_templates_can_give_a_word_its_context():
    from django.template import engines

    template = engines["jinja2"].from_string(
        '{{ pgettext("month name", "May") }} {{ npgettext("x", "%(num)s day", "%(num)s days", 2) }}'
    )
    assert template.render({}) == "May %(num)s days"
