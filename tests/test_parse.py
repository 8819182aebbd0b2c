"""scraper.parse against small invented pages, one per markup variant and quirk (register.md).

Pure tests: no database, no Django, no network.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import lxml.etree
import pytest

from scraper.parse import (
    ParsedEdition,
    ParseError,
    RegisterRow,
    display_name,
    format_key,
    parse_csv,
    parse_date_text,
    parse_register,
)
from tests.pages import numbered_rows, register_page

FIXTURES = Path(__file__).parent / "fixtures"


def read_fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parse_fixture(name: str) -> ParsedEdition:
    return parse_register(read_fixture(name))


def triples(edition: ParsedEdition) -> list[tuple[int, str | None, str]]:
    return [(row.position, row.kvk_number, row.name_raw) for row in edition.rows]


def page_with(body: str, head: str = "") -> str:
    """A minimal page: the given head and body text around a one-row register table."""
    return (
        f"<html><head>{head}</head><body>{body}"
        "<table><tr><th>Organisation</th><th>KvK number</th></tr>"
        '<tr><th scope="row">Voorbeeld B.V.</th><td>12345678</td></tr></table>'
        "</body></html>"
    )


# --- the four markup variants -------------------------------------------------------------


def test_2023_page_with_plain_cells_gives_rows_and_the_last_update_date():
    edition = parse_fixture("register_2023_td.html")

    assert triples(edition) == [
        (0, "12345678", "Aardbei Voorbeeld B.V."),
        (1, "01234567", "Bakkerij De Voorbeeldschoof"),
        (2, "87654321", "Zeilmakerij Testhaven B.V."),
    ]
    assert edition.published_on == date(2023, 7, 7)
    assert edition.date_source == "sentence"
    assert edition.warnings == ()
    assert edition.kvk_count == 3


def test_2024_page_with_row_headers_in_the_wrapper_takes_its_date_from_the_meta_tag():
    edition = parse_fixture("register_2024_th_row.html")

    assert triples(edition) == [
        (0, "01234567", "Voorbeeld Techniek B.V."),
        (1, "76543210", "Bakker & Zonen Voorbeeld B.V."),
        (2, None, "Stichting Voorbeeld"),
    ]
    assert edition.published_on == date(2024, 11, 11)
    assert edition.date_source == "meta"
    assert edition.warnings == ()
    assert edition.kvk_count == 2


def test_june_2025_page_with_nine_digit_numbers_keeps_the_last_eight_digits():
    edition = parse_fixture("register_2025_06_nine_digits.html")

    assert triples(edition) == [
        (0, "01234567", '""Vb"" Machinebouw Voorbeeld B.V.'),
        (1, "16051874", "Proefdraai Logistiek B.V."),
        (2, "24395334", "Testveld Energie B.V."),
    ]
    assert edition.rows[0].name == '"Vb" Machinebouw Voorbeeld B.V.'
    assert edition.published_on == date(2025, 6, 3)
    assert edition.date_source == "sentence"
    assert edition.warnings == ()


def test_2026_page_with_column_headers_skips_the_header_and_prefers_the_sentence_to_the_meta():
    edition = parse_fixture("register_2026_scope_col.html")

    assert triples(edition) == [
        (0, "01234567", "Voorbeeld Techniek B.V."),
        (1, "56692579", "VOORBEELD INDUSTRIES B.V."),
        (2, "96070552", "VOORBEELD INDUSTRIES B.V."),
    ]
    # The meta tag says 2026-08-04; the sentence, split by <strong>, wins.
    assert edition.published_on == date(2026, 8, 3)
    assert edition.date_source == "sentence"
    assert edition.kvk_count == 3


def test_dutch_page_reads_the_organisatie_table_and_a_dutch_month():
    edition = parse_fixture("register_2026_nl.html")

    assert triples(edition) == [
        (0, "01234567", "Voorbeeld Techniek B.V."),
        (1, "98765432", "Gemeente Proefstad"),
    ]
    assert edition.published_on == date(2026, 10, 5)
    assert edition.date_source == "sentence"


# --- name and number quirks, all on one 2026 page -------------------------------------------


@pytest.fixture(scope="module")
def quirks() -> ParsedEdition:
    return parse_fixture("register_2026_quirks.html")


def test_quirks_page_gives_every_row_exactly(quirks):
    assert triples(quirks) == [
        (0, "17037842", '""Aa-Dee"" Machinefabriek Voorbeeld B.V.'),
        (1, "76543210", "Bakker & Zonen Voorbeeld B.V."),
        (2, "34108169", "Backbase R&amp;D Voorbeeld B.V."),
        (3, "41180885", "Stichting Welvaart (Welvaartcollege Houten)"),
        (4, "50302345", "Groen Techniek B.V."),
        (5, "24395334", "Pieterse Benelux B.V."),
        (6, "53188772", "Arthur's Voorbeeld B.V."),
        (7, "32092788", "'Petite Amélie' Voorbeeld B.V."),
        (8, "18027271", "Dümmen Voorbeeld"),
        (9, "04079637", "Voorbeeld Coöperatief U.A."),
        (10, "02076358", "361° Voorbeeld Europe B.V."),
        (11, "98924397", "Zekerheid Voorbeeld plc, Nederlands Bijkantoor"),
        (12, None, "Staatstoezicht op de Voorbeelden"),
        (13, "24109799", "Stolt-Voorbeeld B.V."),
        (14, "24109799", "Stolt-Voorbeeld B.V."),
        (15, "52813150", "Centraal Voorbeeldbureau"),
        (16, "52813150", "Ministerie van Voorbeeldzaken"),
        (17, None, "Proefkonijn Holding B.V."),
        (18, None, "Kort Nummer B.V."),
        (19, "64755843", "Klein Voorbeeld B.V."),
        (20, "64755844", "Spatie In Nummer B.V."),
    ]
    assert quirks.published_on == date(2026, 10, 5)
    assert quirks.date_source == "sentence"


def test_doubled_quotes_are_kept_in_the_raw_name_and_collapsed_in_the_display_name(quirks):
    row = quirks.rows[0]
    assert row.name_raw == '""Aa-Dee"" Machinefabriek Voorbeeld B.V.'
    assert row.name == '"Aa-Dee" Machinefabriek Voorbeeld B.V.'


def test_an_escaped_ampersand_is_decoded_once(quirks):
    row = quirks.rows[1]
    assert row.name_raw == "Bakker & Zonen Voorbeeld B.V."
    assert row.name == "Bakker & Zonen Voorbeeld B.V."


def test_a_double_escaped_ampersand_stays_literal_in_the_raw_name_and_is_decoded_for_display(
    quirks,
):
    row = quirks.rows[2]
    assert row.name_raw == "Backbase R&amp;D Voorbeeld B.V."
    assert row.name == "Backbase R&D Voorbeeld B.V."


def test_no_break_spaces_from_entities_and_characters_collapse_to_one_space(quirks):
    assert quirks.rows[3].name_raw == "Stichting Welvaart (Welvaartcollege Houten)"
    assert quirks.rows[4].name_raw == "Groen Techniek B.V."
    assert "\u00a0" not in quirks.rows[3].name + quirks.rows[4].name


def test_leading_whitespace_is_trimmed(quirks):
    assert quirks.rows[5].name_raw == "Pieterse Benelux B.V."


def test_apostrophes_non_ascii_and_commas_pass_through_unchanged(quirks):
    names = [row.name for row in quirks.rows[6:12]]
    assert names == [
        "Arthur's Voorbeeld B.V.",
        "'Petite Amélie' Voorbeeld B.V.",
        "Dümmen Voorbeeld",
        "Voorbeeld Coöperatief U.A.",
        "361° Voorbeeld Europe B.V.",
        "Zekerheid Voorbeeld plc, Nederlands Bijkantoor",
    ]


def test_a_leading_zero_is_part_of_the_kvk_number(quirks):
    assert quirks.rows[9].kvk_number == "04079637"
    assert quirks.rows[10].kvk_number == "02076358"


def test_a_row_with_an_empty_kvk_cell_is_kept_without_a_number_or_warning(quirks):
    row = quirks.rows[12]
    assert (row.kvk_number, row.name_raw) == (None, "Staatstoezicht op de Voorbeelden")
    assert not any(
        "Staatstoezicht" in warning or "row 13" in warning for warning in quirks.warnings
    )


def test_duplicate_rows_are_both_kept(quirks):
    assert quirks.rows[13] == RegisterRow(
        13, "24109799", "Stolt-Voorbeeld B.V.", "Stolt-Voorbeeld B.V."
    )
    assert quirks.rows[14] == RegisterRow(
        14, "24109799", "Stolt-Voorbeeld B.V.", "Stolt-Voorbeeld B.V."
    )


def test_one_kvk_number_under_two_names_gives_two_rows(quirks):
    assert [(row.kvk_number, row.name) for row in quirks.rows[15:17]] == [
        ("52813150", "Centraal Voorbeeldbureau"),
        ("52813150", "Ministerie van Voorbeeldzaken"),
    ]


def test_kvk_count_counts_distinct_numbers_only(quirks):
    # 21 rows: 3 without a number, one duplicate row, one number under two names.
    assert len(quirks.rows) == 21
    assert quirks.kvk_count == 21 - 3 - 1 - 1


def test_an_invalid_kvk_cell_is_kept_without_a_number_and_warned_about(quirks):
    assert (quirks.rows[17].kvk_number, quirks.rows[18].kvk_number) == (None, None)
    assert quirks.warnings == (
        'row 18: KvK cell "n/a" is not an 8-digit number; kept without a KvK number',
        'row 19: KvK cell "12345" is not an 8-digit number; kept without a KvK number',
    )


def test_inline_tags_inside_cells_are_stripped_and_their_text_kept(quirks):
    assert quirks.rows[19].name_raw == "Klein Voorbeeld B.V."
    assert quirks.rows[19].kvk_number == "64755843"  # <span>6475</span> 5843


def test_whitespace_inside_a_kvk_cell_is_removed(quirks):
    assert quirks.rows[20].kvk_number == "64755844"  # 6475&nbsp;5844 and a trailing space


def test_blank_rows_and_rows_with_one_cell_are_skipped_without_a_gap_in_positions(quirks):
    assert [row.position for row in quirks.rows] == list(range(21))
    assert not any("Footnote" in row.name_raw or row.name_raw == "" for row in quirks.rows)


# --- which table -----------------------------------------------------------------------------


def test_the_table_headed_organisation_wins_over_a_larger_table():
    edition = parse_fixture("register_two_tables.html")

    # "ORGANISATION NAME" heads the table; the thead row is skipped though it is not an exact word.
    assert triples(edition) == [
        (0, "01234567", "Voorbeeld Techniek B.V."),
        (1, "98765432", "Gemeente Proefstad"),
    ]
    assert edition.warnings == ()
    assert edition.published_on == date(2026, 7, 1)


def test_without_an_organisation_header_the_largest_table_is_used_with_a_warning():
    edition = parse_fixture("register_no_header.html")

    assert triples(edition) == [
        (0, "01234567", "Voorbeeld Techniek B.V."),
        (1, "98765432", "Gemeente Proefstad"),
    ]
    assert edition.warnings == (
        "no table is headed Organisation/Organisatie; used the largest of 2 tables",
    )
    assert (edition.published_on, edition.date_source) == (None, "none")


# --- pages that are not the register --------------------------------------------------------


def test_a_single_table_without_a_header_is_used_with_a_warning():
    edition = parse_register(
        "<html><body><table><tr><td>Voorbeeld B.V.</td><td>12345678</td></tr></table></body></html>"
    )

    assert triples(edition) == [(0, "12345678", "Voorbeeld B.V.")]
    assert edition.warnings == ("no table is headed Organisation/Organisatie; used the only table",)


def test_a_page_without_a_table_raises_parse_error():
    with pytest.raises(ParseError, match=r"^no <table> element on the page"):
        parse_fixture("register_no_table.html")


def test_an_empty_page_raises_parse_error():
    with pytest.raises(ParseError, match=r"^no <table> element on the page"):
        parse_register(b"")


def test_a_table_with_only_its_header_raises_parse_error():
    with pytest.raises(ParseError, match=r"^the register table has no data rows"):
        parse_fixture("register_empty_table.html")


def test_a_table_without_rows_of_two_cells_raises_parse_error():
    html = (
        "<html><body><table><tr><td>Organisation</td></tr><tr><td>Voorbeeld B.V.</td></tr>"
        "</table></body></html>"
    )
    with pytest.raises(ParseError, match=r"^the register table has no rows with two cells"):
        parse_register(html)


def test_a_table_without_any_rows_raises_parse_error():
    with pytest.raises(ParseError, match=r"^the register table has no <tr> rows"):
        parse_register("<html><body><table></table></body></html>")


# --- pages cut short (a proxy or CDN that stops mid-transfer) -------------------------------

# One fixture per markup variant since 2023 (register.md, section 4), and the 2026 Dutch page.
VARIANTS = [
    "register_2023_td.html",
    "register_2024_th_row.html",
    "register_2025_06_nine_digits.html",
    "register_2026_scope_col.html",
    "register_2026_nl.html",
    "register_2026_quirks.html",
]


def cut(page: str, fraction: float) -> str:
    return page[: int(len(page) * fraction)]


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_reads_as_complete_when_whole(name):
    assert parse_fixture(name).rows


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_cut_at_80_percent_is_refused(name):
    with pytest.raises(ParseError, match=r"^the page is cut short: "):
        parse_register(cut(read_fixture(name), 0.8))


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_cut_at_80_percent_is_refused_as_bytes_too(name):
    with pytest.raises(ParseError, match=r"^the page is cut short: "):
        parse_register(cut(read_fixture(name), 0.8).encode("utf-8"))


def test_a_page_cut_after_a_whole_row_is_refused_though_lxml_closes_the_table():
    page = register_page(numbered_rows(100))
    at_row_end = page.rindex("</tr>", 0, int(len(page) * 0.8)) + len("</tr>")
    partial = page[:at_row_end]
    tree = lxml.etree.fromstring(partial.encode(), lxml.etree.HTMLParser())
    assert len(tree.findall(".//tbody/tr")) == 79  # lxml alone sees a smaller, whole table

    with pytest.raises(ParseError) as raised:
        parse_register(partial)

    assert str(raised.value) == (
        "the page is cut short: a table has no </table> end tag (<table> 1, </table> 0), "
        "so register rows may be missing"
    )


def test_a_page_cut_mid_cell_is_refused():
    page = register_page(numbered_rows(100))
    mid_cell = page.index("10000080") + 4  # "1000" of a KvK number, the rest lost

    with pytest.raises(ParseError, match=r"\(<table> 1, </table> 0\)"):
        parse_register(page[:mid_cell])


def test_a_page_cut_after_the_table_but_before_the_end_of_the_document_is_refused():
    page = read_fixture("register_2024_th_row.html")
    after_table = page.index("</table>") + len("</table>")

    with pytest.raises(ParseError) as raised:
        parse_register(page[:after_table])

    assert str(raised.value) == (
        "the page is cut short: it stops after the register table, before the end of the "
        "document (</html>)"
    )


def test_a_cut_table_is_refused_even_when_something_appends_the_end_of_the_document():
    page = register_page(numbered_rows(10))
    partial = page[: page.index("</tbody>")] + "</body></html>"  # a proxy's own closing tags

    with pytest.raises(ParseError, match=r"\(<table> 1, </table> 0\)"):
        parse_register(partial)


def test_a_cut_register_table_after_a_whole_table_is_refused():
    page = read_fixture("register_two_tables.html")
    partial = page[: page.index("</tbody>")] + "</html>"

    with pytest.raises(ParseError, match=r"\(<table> 2, </table> 1\)"):
        parse_register(partial)


def test_the_end_of_the_document_may_be_in_capitals_and_followed_by_a_comment():
    page = register_page(numbered_rows(3)).replace("</table>", "</TABLE >")
    page = page.replace("</html>", "</HTML>\n<!-- served by a cache -->\n")

    assert len(parse_register(page).rows) == 3


def test_a_table_in_a_comment_does_not_make_a_page_look_cut():
    page = register_page(numbered_rows(3)).replace("<main>", "<main><!-- <table> -->")

    assert len(parse_register(page).rows) == 3


# --- bytes ------------------------------------------------------------------------------------


def test_utf8_bytes_parse_like_the_text():
    text = read_fixture("register_2026_quirks.html")

    assert parse_register(text.encode("utf-8")) == parse_register(text)


def test_bytes_in_the_encoding_named_by_a_meta_charset_are_decoded_with_it():
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        "</head><body><table><tr><td>Dümmen Voorbeeld</td><td>18027271</td></tr></table>"
        "</body></html>"
    )

    edition = parse_register(html.encode("windows-1252"))

    assert edition.rows[0].name_raw == "Dümmen Voorbeeld"


def test_invalid_utf8_bytes_are_replaced_not_fatal():
    html = b"<html><table><tr><td>Caf\xe9 Voorbeeld</td><td>12345678</td></tr></table></html>"

    assert parse_register(html).rows[0].name_raw == "Caf\ufffd Voorbeeld"


# --- the edition date -----------------------------------------------------------------------


def test_the_2026_sentence_gives_the_date():
    edition = parse_register(page_with("<p>The overview was last updated on 3 August 2026.</p>"))

    assert (edition.published_on, edition.date_source) == (date(2026, 8, 3), "sentence")


def test_the_2023_last_update_sentence_gives_the_date():
    edition = parse_register(page_with("<p>LAST UPDATE:7 July 2023</p>"))

    assert (edition.published_on, edition.date_source) == (date(2023, 7, 7), "sentence")


def test_a_sentence_split_by_tags_and_no_break_spaces_still_gives_the_date():
    body = "<p>Last updated on <strong>1</strong>&nbsp;<em>July</em>\n 2026</p>"

    assert parse_register(page_with(body)).published_on == date(2026, 7, 1)


def test_the_dutch_sentence_gives_the_date():
    edition = parse_register(page_with("<p>Laatst bijgewerkt op 3 september 2026</p>"))

    assert (edition.published_on, edition.date_source) == (date(2026, 9, 3), "sentence")


def test_the_meta_tag_is_the_fallback_whatever_its_case_and_attribute_order():
    head = "<META CONTENT='2024-11-11T09:30:00+01:00' title=\"XSD.dateTime\" NAME=Dcterms.Modified>"

    edition = parse_register(page_with("<p>No sentence here.</p>", head=head))

    assert (edition.published_on, edition.date_source) == (date(2024, 11, 11), "meta")


def test_an_unknown_month_falls_back_to_the_meta_tag_with_a_warning():
    head = '<meta name="DCTERMS.modified" content="2026-08-04">'

    edition = parse_register(page_with("<p>Last updated on 3 Agust 2026</p>", head=head))

    assert (edition.published_on, edition.date_source) == (date(2026, 8, 4), "meta")
    assert edition.warnings == (
        'date sentence "Last updated on 3 Agust 2026" has an unknown month or impossible date',
    )


def test_an_impossible_date_and_no_meta_tag_mean_no_date():
    edition = parse_register(page_with("<p>Last update: 31 February 2026</p>"))

    assert (edition.published_on, edition.date_source) == (None, "none")


def test_a_page_without_any_date_has_none():
    edition = parse_register(page_with("<p>The public registers are updated once a month.</p>"))

    assert (edition.published_on, edition.date_source) == (None, "none")
    assert edition.warnings == ()


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("3", "August", "2026", date(2026, 8, 3)),
        ("05", "oktober", "2026", date(2026, 10, 5)),
        ("1", "MEI", "2025", date(2025, 5, 1)),
        ("7", "maart", "2024", date(2024, 3, 7)),
        ("3", "augustus", "2026", date(2026, 8, 3)),
        ("31", "February", "2026", None),
        ("3", "Agust", "2026", None),
        ("0", "July", "2026", None),
    ],
)
def test_parse_date_text_reads_english_and_dutch_months(day, month, year, expected):
    assert parse_date_text(day, month, year) == expected


# --- the content hash -----------------------------------------------------------------------


def test_rows_sha256_is_pinned_for_a_known_page():
    # Stored hashes decide whether a new snapshot is made: this value must never drift.
    edition = parse_fixture("register_2023_td.html")

    assert edition.rows_sha256() == (
        "44a0a95a8e2571d636366641f7fe14992d0d1ae1313581c3def80fe4ae16d17b"
    )


def test_rows_sha256_does_not_depend_on_row_order(quirks):
    reversed_rows = dataclasses.replace(quirks, rows=tuple(reversed(quirks.rows)))

    assert reversed_rows.rows_sha256() == quirks.rows_sha256()


def test_rows_sha256_ignores_the_date_and_the_warnings(quirks):
    other = dataclasses.replace(quirks, published_on=None, date_source="none", warnings=())

    assert other.rows_sha256() == quirks.rows_sha256()


def test_rows_sha256_changes_when_a_name_changes(quirks):
    renamed = list(quirks.rows)
    renamed[0] = dataclasses.replace(renamed[0], name_raw='"Aa-Dee" Machinefabriek Voorbeeld B.V.')

    changed = dataclasses.replace(quirks, rows=tuple(renamed))

    assert changed.rows_sha256() != quirks.rows_sha256()


def test_rows_sha256_counts_duplicate_rows(quirks):
    without_duplicate = dataclasses.replace(quirks, rows=quirks.rows[:14] + quirks.rows[15:])

    assert without_duplicate.rows_sha256() != quirks.rows_sha256()


def test_rows_sha256_tells_a_missing_kvk_from_a_present_one(quirks):
    rows = list(quirks.rows)
    rows[12] = dataclasses.replace(rows[12], kvk_number="00000000")

    assert dataclasses.replace(quirks, rows=tuple(rows)).rows_sha256() != quirks.rows_sha256()


# --- CSV copies -----------------------------------------------------------------------------


def test_a_csv_copy_is_read_with_its_spreadsheet_damage_repaired_and_noted():
    edition = parse_csv(read_fixture("register_export.csv"))

    assert triples(edition) == [
        (0, "12345678", "Voorbeeld Techniek B.V."),
        (1, "16051874", "Proefdraai Logistiek B.V."),
        (2, "24395334", "Testveld Energie B.V."),
        (3, "04079637", "Voorbeeld Coöperatief U.A."),
        (4, None, "Staatstoezicht op de Voorbeelden"),
        (5, "98924397", "Zekerheid Voorbeeld plc, Nederlands Bijkantoor"),
        (6, "17037842", '"Aa-Dee" Machinefabriek Voorbeeld B.V.'),
        (7, "76543210", "Bakker &amp; Zonen Voorbeeld B.V."),
        (8, None, "Proefkonijn Holding B.V."),
    ]
    assert edition.rows[7].name == "Bakker & Zonen Voorbeeld B.V."
    assert edition.warnings == (
        'line 3: KvK "016051874" is a 9-digit zero-padded number; read as 16051874',
        'line 4: KvK "24395334.0" is a spreadsheet float; read as 24395334',
        'line 5: KvK "4079637" is a number that lost leading zeros; read as 04079637',
        'line 10: KvK "n/a" is not a KvK number; kept without a KvK number',
    )
    assert (edition.published_on, edition.date_source) == (None, "none")
    assert edition.kvk_count == 7


def test_a_csv_float_that_also_lost_its_leading_zero_is_padded():
    edition = parse_csv("organisation,kvk_number\nVoorbeeld B.V.,4079637.0\n")

    assert edition.rows[0].kvk_number == "04079637"
    assert edition.warnings == (
        'line 2: KvK "4079637.0" is a spreadsheet float that lost leading zeros; read as 04079637',
    )


def test_a_csv_number_in_scientific_notation_is_read():
    edition = parse_csv("organisation,kvk_number\nVoorbeeld B.V.,1.6051874E+07\n")

    assert edition.rows[0].kvk_number == "16051874"


def test_a_csv_name_with_an_unquoted_comma_is_joined_with_a_warning():
    edition = parse_csv("organisation,kvk_number\nKorea Voorbeeld Center, Amsterdam,12345678\n")

    assert triples(edition) == [(0, "12345678", "Korea Voorbeeld Center, Amsterdam")]
    assert edition.warnings == ("line 2: 3 fields, expected 2; joined the name",)


def test_trailing_empty_csv_fields_are_ignored_with_a_warning():
    edition = parse_csv("organisation,kvk_number\nVoorbeeld B.V.,12345678,,\n")

    assert triples(edition) == [(0, "12345678", "Voorbeeld B.V.")]
    assert edition.warnings == ("line 2: 4 fields, expected 2; ignored the empty ones",)


def test_csv_rows_and_their_hash_match_the_same_rows_from_a_page():
    csv_text = "organisation,kvk_number\n" + "\n".join(
        [
            "Aardbei Voorbeeld B.V.,12345678",
            "Bakkerij De Voorbeeldschoof,01234567",
            "Zeilmakerij Testhaven B.V.,87654321",
        ]
    )

    from_csv = parse_csv(csv_text)

    assert from_csv.rows == parse_fixture("register_2023_td.html").rows
    assert from_csv.rows_sha256() == parse_fixture("register_2023_td.html").rows_sha256()


@pytest.mark.parametrize(
    "text",
    [
        "name,kvk\nVoorbeeld B.V.,12345678\n",
        "Organisation,KvK_number\nVoorbeeld B.V.,12345678\n",
        "organisation;kvk_number\nVoorbeeld B.V.;12345678\n",
        "Voorbeeld B.V.,12345678\n",
        "",
    ],
)
def test_a_csv_without_the_expected_header_raises_parse_error(text):
    with pytest.raises(ParseError, match=r'"organisation,kvk_number"'):
        parse_csv(text)


def test_a_csv_with_only_its_header_raises_parse_error():
    with pytest.raises(ParseError, match=r"^the CSV has no data rows"):
        parse_csv("organisation,kvk_number\r\n,\r\n")


# --- display names and format keys ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name_raw", "expected"),
    [
        ('""AAE"" Advanced Automated Equipment B.V.', '"AAE" Advanced Automated Equipment B.V.'),
        ('Magazijn """De Voorbeeldkorf""" B.V.', 'Magazijn "De Voorbeeldkorf" B.V.'),
        ("Backbase R&amp;D B.V.", "Backbase R&D B.V."),
        ("Backbase R&D B.V.", "Backbase R&D B.V."),
        ("AT&T &amp; Voorbeeld", "AT&T & Voorbeeld"),
        ("&quot;&quot;Vb&quot;&quot; B.V.", '"Vb" B.V.'),
        ("Voorbeeld Coo\u0308peratief U.A.", "Voorbeeld Coöperatief U.A."),
        ("  Stichting Welvaart\u00a0\u00a0(Houten) ", "Stichting Welvaart (Houten)"),
        ("Arthur's Voorbeeld B.V.", "Arthur's Voorbeeld B.V."),
        ("VOORBEELD INDUSTRIES B.V.", "VOORBEELD INDUSTRIES B.V."),
    ],
)
def test_display_name_tidies_formatting_only(name_raw, expected):
    assert display_name(name_raw) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ('""Aa-Dee"" Machinefabriek B.V.', '"Aa-Dee" Machinefabriek B.V.'),
        ('""Aa-Dee"" Machinefabriek B.V.', "\u201cAa-Dee\u201d Machinefabriek B.V."),
        ('"Aa-Dee" Machinefabriek B.V.', "Aa-Dee Machinefabriek B.V."),
        ("Johnson &amp; Voorbeeld B.V.", "Johnson & Voorbeeld B.V."),
        ("Stichting Welvaart\u00a0\u00a0(Houten)", "Stichting Welvaart  (Houten)"),
        ("Voorbeeld Coo\u0308peratief U.A.", "Voorbeeld Coöperatief U.A."),
    ],
)
def test_format_key_is_equal_for_names_that_differ_in_formatting_only(left, right):
    assert format_key(left) == format_key(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ('""AAE"" Advanced Automated Equipment B.V.', "Advanced Automated Equipment B.V."),
        ("VOORBEELD B.V.", "Voorbeeld B.V."),
        ("Arthur's Voorbeeld B.V.", "Arthurs Voorbeeld B.V."),
        ("Proef Techniek B.V.", "Proef Techniek B.V. i.o."),
    ],
)
def test_format_key_differs_for_a_real_rename(left, right):
    assert format_key(left) != format_key(right)


def test_format_key_reads_plainly():
    assert format_key('  ""Aa-Dee"" Machine&amp;Staal\u00a0B.V. ') == "Aa-Dee Machine&Staal B.V."
