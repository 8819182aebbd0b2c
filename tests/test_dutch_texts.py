"""Texts built in Python follow the active language: months, numbers and SBI titles come out
in Dutch on a Dutch page, without a translation catalogue of ours (Django's own and the SBI's
own Dutch titles suffice), and the English stays what it was."""

from __future__ import annotations

from datetime import date

from django.utils import translation

from registry import sbi
from registry.bulk import too_large_message
from registry.charts import line_chart, updown_chart
from registry.context_processors import check_text
from registry.models import REMOVAL_FLAG, Edition
from registry.timeline import long_date
from scraper.gates import removal_flag


def test_a_long_date_names_its_month_in_the_active_language():
    day = date(2026, 8, 3)
    assert long_date(day) == "3 August 2026"
    with translation.override("nl"):
        assert long_date(day) == "3 augustus 2026"


def test_chart_labels_group_numbers_and_name_months_as_the_language_does():
    def charts() -> tuple[str, str, str]:
        sizes = line_chart(
            slug="size",
            title="t",
            description="d",
            dates=[date(2024, 4, 4), date(2024, 5, 8)],
            series=[("Rows", "rows", [11026, 11146])],
        )
        changes = updown_chart(
            slug="changes",
            title="t",
            description="d",
            dates=[date(2024, 5, 8)],
            up=("Added", "added", [1137]),
            down=("Removed", "removed", [9]),
        )
        return sizes.lines[0].points[0].label, changes.bars[0].label, sizes.x_ticks[0].label

    assert charts() == (
        "Rows: 11,026 in the edition of 4 April 2024",
        "Added: 1,137 in the edition of 8 May 2024",
        "May 2024",  # ticks are first days of months
    )
    with translation.override("nl"):
        point, bar, tick = charts()
    assert point.endswith("11.026 in de editie van 4 april 2024")
    assert bar.endswith("1.137 in de editie van 8 mei 2024")
    assert tick == "Mei 2024"  # Django capitalises its short month names


def test_sbi_sections_and_divisions_take_the_sbis_own_dutch_titles():
    section = sbi.SECTIONS_2025["A"]
    assert section.label == (section.short_en or section.title_en)
    assert sbi.division_title("62").startswith("Computer programming")
    with translation.override("nl"):
        assert section.label == section.title_nl
        assert sbi.division_title("62") == sbi.division_title("62", dutch=True)
        assert sbi.division_title("62") != sbi.division_title("62", dutch=False)


def test_byte_counts_in_messages_group_as_the_language_does():
    assert "12,345,678 bytes" in too_large_message(12_345_678)
    with translation.override("nl"):
        assert "12.345.678" in too_large_message(12_345_678)


def test_a_stored_check_message_is_shown_in_the_readers_language():
    stored = "the latest IND page was not accepted; still serving the edition of 5 October 2026"
    assert check_text(stored) == stored  # English as written
    assert check_text("") == ""
    assert check_text("a note an admin wrote") == "a note an admin wrote"
    with translation.override("nl"):
        assert check_text(stored).endswith("5 oktober 2026")  # the date in Dutch


def test_the_removal_flag_stored_with_an_edition_is_the_one_pages_translate():
    stored = removal_flag(279)
    assert REMOVAL_FLAG.fullmatch(stored)
    assert Edition(flagged=stored).flag_text == stored
    assert Edition(flagged="an admin's own note").flag_text == "an admin's own note"


def test_the_filters_coverage_note_groups_its_numbers_the_dutch_way():
    from registry.search.facets import Facet, Option
    from registry.search.query import UNKNOWN
    from registry.views.pages import coverage_text

    unknown = Option(value=UNKNOWN, label="?", count=12885)
    facet = Facet(
        name="city", title="City", options=[unknown], every="", total=12885, enriched=True
    )
    with translation.override("nl"):
        text = coverage_text(facet)
    assert "12.885" in text and "12,885" not in text
