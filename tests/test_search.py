"""Search: how names are normalised (registry.text), how a name is scored
(registry.search.scoring) and how a query is ranked and graded by the seam (registry.search).
The relevance on the real register is measured in test_relevance.py."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from registry.models import Register
from registry.search import SearchQuery, search
from registry.search.scoring import Match, generic_only, name_score
from registry.text import kvk_digits, search_text
from scraper.sync import get_register
from tests.factories import add_name, make_edition, make_listing, rename_listing

# --- Normalising names (pure) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ASML Netherlands B.V.", "asml netherlands"),
        ("Adyen N.V.", "adyen"),
        ("Booking.com Holding", "booking com"),
        ("Stichting Wellant", "wellant"),
        ("ZTE Coöperatief U.A.", "zte"),
        ("Adyen Netherlands B.V. i.o.", "adyen netherlands"),
        ("Siveele B.V.i.o.", "siveele"),
        ("Zeren Group Holding B.V.", "zeren group"),
        ("Access Financial Services Sàrl", "access financial services"),
        ("REEL GmbH", "reel"),
        ("Suparna Airlines Co., Ltd", "suparna airlines"),
        ("Personio SE & Co. KG", "personio"),
        ("Mirantis Poland Sp. z o.o.", "mirantis poland"),
        ("Saxo Bank A/S", "saxo bank"),
    ],
)
def test_legal_forms_are_dropped_wherever_they_stand(name, expected):
    assert search_text(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Short forms that are words or initials too stay where they are not the legal form.
        ("AS Watson Europe B.V.", "as watson europe"),
        ("Co-Creation Partners B.V.", "co creation partners"),
        # Dropping them would leave next to nothing: "Qu & Co" is its name.
        ("Qu & Co B.V.", "qu co"),
        # A name that is nothing but a legal form keeps it.
        ("B.V.", "b v"),
    ],
)
def test_short_legal_forms_are_dropped_only_at_the_end(name, expected):
    assert search_text(name) == expected


def test_accents_and_case_are_ignored():
    assert search_text("Dümmen Orange The Netherlands B.V.") == "dummen orange netherlands"
    assert search_text("ÇALIK DENIM B.V.") == search_text("Calik Denim") == "calik denim"
    assert search_text("Hästens Beds") == search_text("hastens beds")


def test_ampersand_and_and_en_are_the_same():
    assert (
        search_text("Johnson & Johnson")
        == search_text("Johnson and Johnson")
        == search_text("Johnson en Johnson")
        == "johnson johnson"
    )
    assert search_text("Backbase R&amp;D B.V.".replace("&amp;", "&")) == "backbase r d"


def test_quotes_and_punctuation_are_ignored():
    doubled = '""Aa-Dee"" Machinefabriek en Staalbouw Nederland B.V.'
    single = '"Aa-Dee" Machinefabriek en Staalbouw Nederland B.V.'
    expected = "aa dee machinefabriek staalbouw nederland"
    assert search_text(doubled) == search_text(single) == expected
    assert search_text("'Petite Amélie' Nederland B.V.") == "petite amelie nederland"
    assert search_text("Booking.com B.V.") == "booking com"


# --- Scoring (pure) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("international", True),
        ("nethrelands", True),  # a generic word with a typo is still generic
        ("group europe", True),
        ("philips nederland", False),
        ("booking com", False),
        ("tebi", False),
    ],
)
def test_a_query_of_generic_words_alone_names_no_company(query, expected):
    assert generic_only(query) is expected


def test_only_an_equal_name_scores_one():
    assert name_score("dummen orange", "dummen orange") == 1.0
    assert name_score("orange dummen", "dummen orange") < 1.0
    assert name_score("dummen orang", "dummen orange") < 1.0


def test_a_typo_scores_above_an_unrelated_name():
    assert name_score("bookng com", "booking com") > name_score("bookng com", "bol com")


def test_a_brand_is_the_leading_word_of_a_legal_name():
    # A whole word that starts the name beats a longer word that starts like it.
    assert name_score("progress", "progress projectmanagement engineering") > name_score(
        "progress", "progressare"
    )
    assert name_score("fuji europe", "fuji europe africa") > name_score(
        "fuji europe", "fuji logistics europe"
    )


def test_a_generic_word_is_weak_evidence():
    # "nederland" is in hundreds of names: "tebi" decides.
    assert name_score("tebi nederland", "tebi") > name_score("tebi nederland", "xebia nederland")


def test_two_words_written_as_one_match():
    assert name_score("jpmorganchase", "jpmorgan chase") >= 0.9
    assert name_score("booking com", "bookingcom") >= 0.9
    # But a word is not two words when one of them is merely dropped.
    assert name_score("technologies nl", "vi technologies") < name_score(
        "technologies nl", "lumen technologies nl"
    )


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("17085815", "17085815"),
        ("1708 5815", "17085815"),
        ("17.08.58.15", "17085815"),
        ("KvK 17085815", "17085815"),
        ("kvk-nummer: 17085815", "17085815"),
        ("KVK no. 1708 5815", "17085815"),
        ("2076358", "2076358"),
        ("017085815", "017085815"),
        ("1708", "1708"),
        ("asml", None),
        ("1234567890", None),
        ("kvk", None),
    ],
)
def test_kvk_numbers_are_recognised_with_spaces_dots_and_a_label(text, digits):
    assert kvk_digits(text) == digits


# --- Ranking and verdicts (database) ------------------------------------------------------------


@pytest.fixture
def editions():
    return (
        make_edition(date(2026, 7, 1), current=False),
        make_edition(date(2026, 8, 3), current=False),
        make_edition(date(2026, 10, 3)),
    )


def rank(status: str | None, text: str) -> list[Match]:
    """The matches of a search of the Work register, best first: listed ones only ("listed")
    or all (None)."""
    page = search(SearchQuery(text=text, status=status), per_page=100)
    return [result.match for result in page.results if result.match is not None]


def nearest(text: str) -> list[str]:
    return [result.name for result in search(SearchQuery(text=text)).nearest]


def first(matches):
    return matches[0] if matches else None


@pytest.mark.django_db
def test_an_exact_name_after_normalisation_is_listed(editions):
    listing = make_listing("Dümmen Orange The Netherlands B.V.", edition=editions[2])

    match = first(rank("listed", "dummen orange netherlands"))

    assert (match.listing_id, match.verdict, match.score) == (listing.pk, "listed", 1.0)
    assert match.matched_on == "name"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["dummen orange", "Dümen Orange The Netherlands", "DUMMEN"])
def test_a_close_name_is_likely_never_listed(editions, query):
    listing = make_listing("Dümmen Orange The Netherlands B.V.", edition=editions[2])

    match = first(rank("listed", query))

    assert (match.listing_id, match.verdict) == (listing.pk, "likely")


@pytest.mark.django_db
def test_a_company_no_longer_listed_is_removed_not_listed(editions):
    gone = make_listing("Gone Logistics B.V.", edition=editions[0], removed_in=editions[2])
    make_listing("Still Here B.V.", edition=editions[2])

    everyone = rank(None, "Gone Logistics")
    assert [(m.listing_id, m.verdict) for m in everyone] == [(gone.pk, "removed")]
    assert rank("listed", "Gone Logistics") == []


@pytest.mark.django_db
def test_a_former_name_finds_the_renamed_company(editions):
    listing = make_listing(
        "Wunderman Thompson Commerce B.V.", "32092788", edition=editions[0], removed_in=None
    )
    rename_listing(listing, "VML Netherlands B.V.", edition=editions[2])

    match = first(rank("listed", "Wunderman Thompson Commerce"))

    assert (match.listing_id, match.matched_on) == (listing.pk, "former_name")
    assert match.matched_name == "Wunderman Thompson Commerce B.V."
    assert match.verdict == "listed"  # the company, under its new name, is on the register
    assert first(rank("listed", "VML")).matched_on == "name"


@pytest.mark.django_db
def test_a_current_name_ranks_before_a_former_name_of_another_company(editions):
    renamed = make_listing("Nova Systems B.V.", edition=editions[0])
    rename_listing(renamed, "Orbit Systems B.V.", edition=editions[2])
    current = make_listing("Nova Systems B.V.", edition=editions[2])

    assert [m.listing_id for m in rank("listed", "Nova Systems")] == [current.pk, renamed.pk]


@pytest.mark.django_db
def test_both_names_of_one_kvk_are_searched(editions):
    listing = make_listing("Centraal Planbureau", "52813150", edition=editions[2])
    add_name(listing, "Ministerie van Economische Zaken", edition=editions[2])

    assert first(rank("listed", "Ministerie van Economische Zaken")).listing_id == listing.pk
    assert first(rank("listed", "centraal planbureau")).verdict == "listed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "verdict"),
    [
        ("02076358", "listed"),  # eight digits
        ("2076358", "listed"),  # the leading zero lost in a spreadsheet
        ("002076358", "listed"),  # nine digits, zero-padded (June 2025)
        ("KvK 0207 6358", "listed"),
        ("020763", "similar"),  # the start of a number
    ],
)
def test_kvk_numbers_find_the_company(editions, query, verdict):
    listing = make_listing("247HAIR", "02076358", edition=editions[2])
    make_listing("Other B.V.", "12076358", edition=editions[2])

    match = first(rank("listed", query))

    assert (match.listing_id, match.verdict, match.matched_on) == (listing.pk, verdict, "kvk")


@pytest.mark.django_db
def test_a_kvk_number_of_a_company_no_longer_listed_is_removed(editions):
    make_listing("Gone B.V.", "12345678", edition=editions[0], removed_in=editions[2])

    assert rank("listed", "12345678") == []
    assert first(rank(None, "12345678")).verdict == "removed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "Bakkerij Jansen",
        "Bakkerij Jansen B.V.",
        "Van der Berg Installatietechniek B.V.",
        "Noordelijke Zorggroep",
        "Jansen Bakkerij Holding",
        "99999999",
    ],
)
def test_a_company_not_on_the_register_is_never_listed(editions, query):
    make_listing("Bakkerij De Korenschoof B.V.", edition=editions[2])
    make_listing("Jansen Transport B.V.", edition=editions[2])
    make_listing("Van den Berg Installaties B.V.", edition=editions[2])
    make_listing("Zorggroep Oost B.V.", edition=editions[2])

    assert "listed" not in {m.verdict for m in rank("listed", query)}


@pytest.mark.django_db
def test_an_extra_generic_word_does_not_outweigh_the_name(editions):
    tebi = make_listing("Tebi B.V.", edition=editions[2])
    make_listing("Xebia Nederland B.V.", edition=editions[2])
    make_listing("TUI Nederland N.V.", edition=editions[2])

    assert first(rank("listed", "Tebi Nederland")).listing_id == tebi.pk


@pytest.mark.django_db
def test_a_brand_finds_the_entity_that_starts_with_it(editions):
    make_listing("Progressare B.V.", edition=editions[2])
    progress = make_listing("Progress Projectmanagement and Engineering B.V.", edition=editions[2])

    match = first(rank("listed", "Progress"))

    assert (match.listing_id, match.verdict) == (progress.pk, "likely")


@pytest.mark.django_db
def test_the_start_of_a_word_beats_a_typo_of_another_word(editions):
    make_listing("Plastic Recycling B.V.", edition=editions[2])
    elastic = make_listing("Elasticsearch B.V.", edition=editions[2])

    matches = rank("listed", "elastic")

    assert matches[0].listing_id == elastic.pk
    assert [m.verdict for m in matches[1:]] == ["similar"]


@pytest.mark.django_db
def test_a_word_finds_the_compound_it_ends(editions):
    jansen = make_listing("Jansen Installatietechniek B.V.", edition=editions[2])
    make_listing("Jansen Bouw B.V.", edition=editions[2])

    assert first(rank("listed", "jansen techniek")).listing_id == jansen.pk


@pytest.mark.django_db
def test_a_city_after_the_name_is_read_as_a_place(editions):
    coolblue = make_listing("Coolblue B.V.", edition=editions[2])
    make_listing("Utrecht Uitzendbureau B.V.", edition=editions[2])

    match = first(rank("listed", "Coolblue Utrecht"))

    assert (match.listing_id, match.verdict) == (coolblue.pk, "likely")
    assert first(rank("listed", "Coolblue in Utrecht")).listing_id == coolblue.pk


@pytest.mark.django_db
def test_a_place_after_a_particle_is_a_surname(editions):
    make_listing("Drukkerij C.V.", edition=editions[2])  # "Vries" is a village in Drenthe

    assert "likely" not in {m.verdict for m in rank("listed", "Drukkerij De Vries Holding")}


@pytest.mark.django_db
def test_a_job_seeker_s_words_do_not_empty_the_list(editions):
    adyen = make_listing("Adyen N.V.", edition=editions[2])

    for text in ("werken bij adyen", "adyen careers", "adyen vacatures"):
        match = first(rank("listed", text))
        assert (match.listing_id, match.verdict) == (adyen.pk, "likely"), text


@pytest.mark.django_db
def test_an_english_name_finds_the_dutch_institution(editions):
    erasmus = make_listing("Erasmus Universiteit Rotterdam", edition=editions[2])
    groningen = make_listing("Rijksuniversiteit Groningen", edition=editions[2])
    make_listing("Erasmus Hospitality B.V.", edition=editions[2])

    assert first(rank("listed", "Erasmus University Rotterdam")).listing_id == erasmus.pk
    assert first(rank("listed", "University of Groningen")).listing_id == groningen.pk
    # A Dutch reading is a likely match, never the exact name.
    assert first(rank("listed", "Erasmus University Rotterdam")).verdict == "likely"


@pytest.mark.django_db
def test_a_legal_form_alone_lists_the_names_with_it(editions):
    make_listing("Folding Boxes B.V.", edition=editions[2])
    holding = make_listing("Acme Holding B.V.", edition=editions[2])
    stichting = make_listing("Stichting Wellant", edition=editions[2])

    assert [m.listing_id for m in rank("listed", "holding")] == [holding.pk]
    assert [m.listing_id for m in rank("listed", "stichting")] == [stichting.pk]
    assert len(rank("listed", "B.V.")) == 2


@pytest.mark.django_db
def test_initials_find_a_name_of_three_words(editions):
    klm = make_listing("Koninklijke Luchtvaart Maatschappij N.V.", edition=editions[2])
    make_listing("Klmn Services B.V.", edition=editions[2])

    match = first(rank("listed", "KLM"))

    assert (match.listing_id, match.verdict, match.reason) == (klm.pk, "likely", "initials")


@pytest.mark.django_db
def test_search_gives_each_result_its_verdict(editions):
    make_listing("Adyen N.V.", "34259528", edition=editions[2])
    make_listing("Adyen Netherlands B.V.", "98924397", edition=editions[2])

    found = search(SearchQuery(text="adyen bv")).results

    assert [(x.name, x.match.verdict if x.match else None) for x in found] == [
        ("Adyen N.V.", "listed"),
        ("Adyen Netherlands B.V.", "likely"),
    ]


@pytest.mark.django_db
def test_a_search_asks_the_database_nothing_once_the_index_is_built(
    editions, django_assert_num_queries
):
    make_listing("Philips Nederland B.V.", edition=editions[2])
    register = get_register("work")
    search(SearchQuery(text="philips"), register=register)  # builds the index

    with django_assert_num_queries(0):
        assert rank_with(register, "philps nederland")[0].verdict == "likely"


def rank_with(register: Register, text: str) -> list[Match]:
    page = search(SearchQuery(text=text), register=register)
    return [result.match for result in page.results if result.match is not None]


@pytest.mark.django_db
def test_nearest_offers_the_closest_names_and_nothing_for_a_number(editions):
    make_listing("Bakkerij De Korenschoof B.V.", edition=editions[2])
    make_listing("Zorggroep Oost B.V.", edition=editions[2])

    # No word of the text is one of a name (a name with some of the words would be an answer).
    assert nearest("Korenschuur") == ["Bakkerij De Korenschoof B.V."]
    assert nearest("12345678") == []


@pytest.mark.django_db
def test_a_query_of_generic_words_alone_finds_the_names_containing_them(editions):
    short = make_listing("Netherlands B.V.", edition=editions[2])
    longer = make_listing("Blue Water Netherlands B.V.", edition=editions[2])
    make_listing("Bakkerij De Korenschoof B.V.", edition=editions[2])

    found = [m.listing_id for m in rank("listed", "nethrelands")]  # a typo of a generic word

    assert found == [short.pk, longer.pk]


@pytest.mark.django_db
def test_a_generic_word_is_found_as_typed_as_well_as_the_word_it_resembles(editions):
    dutch = make_listing("Internationaal Transport B.V.", edition=editions[2])
    english = make_listing("International Foods B.V.", edition=editions[2])

    found = [m.listing_id for m in rank("listed", "internationaal")]

    assert found == [dutch.pk, english.pk]


@pytest.mark.django_db
def test_postgresql_plans_for_a_database_held_in_memory(settings):
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    if settings.PG_RANDOM_PAGE_COST == "off":
        pytest.skip("PG_RANDOM_PAGE_COST=off: left to the server")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        [shown] = cursor.fetchone()
    assert float(shown) == float(settings.PG_RANDOM_PAGE_COST or "1.1")
