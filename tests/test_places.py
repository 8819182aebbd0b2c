"""Dutch places: aliases people use, folding what they type, provinces, postcode areas."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from registry.models import Place
from registry.places import (
    PlaceIndex,
    PlaceRow,
    display_name,
    english_name,
    fold_place,
    official_names,
    postcode_area,
)

SHARED_PLACES = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "places"
) / "cbs_woonplaatsen_2026.csv"
needs_shared = pytest.mark.skipif(not SHARED_PLACES.is_file(), reason=f"{SHARED_PLACES} is absent")

INDEX = PlaceIndex(
    [
        PlaceRow("'s-Gravenhage", "'s-Gravenhage", "Zuid-Holland"),
        PlaceRow("'s-Hertogenbosch", "'s-Hertogenbosch", "Noord-Brabant"),
        PlaceRow("Hoofddorp", "Haarlemmermeer", "Noord-Holland"),
        PlaceRow("Hoorn", "Hoorn", "Noord-Holland"),
        PlaceRow("Hoorn", "Terschelling", "Fryslân"),
        PlaceRow("Den Ham", "Twenterand", "Overijssel"),
        PlaceRow("Den Ham", "Westerkwartier", "Groningen"),
        PlaceRow("Ansen", "Westerveld", "Drenthe"),
        PlaceRow("Ansen", "De Wolden", "Drenthe"),
    ]
)


def test_official_names_are_shown_as_people_say_them():
    assert display_name("'s-Gravenhage") == "Den Haag"
    assert english_name("'s-Gravenhage") == "The Hague"
    assert display_name("'s-Hertogenbosch") == "Den Bosch"
    assert display_name("Amsterdam") == "Amsterdam"
    assert english_name("Amsterdam") == ""


@pytest.mark.parametrize(
    "typed",
    [
        "'s-Gravenhage",
        "’s-Gravenhage",
        "s-gravenhage",
        "'S GRAVENHAGE",
        "Den Haag",
        "den  haag",
        "The Hague",
        "hague",
    ],
)
def test_every_name_for_the_hague_finds_the_official_one(typed):
    known = ["'s-Gravenhage", "'s-Hertogenbosch", "Amsterdam"]

    assert official_names(typed, known=known) == ["'s-Gravenhage"]


@pytest.mark.parametrize("typed", ["Den Bosch", "den bosch", "'s-Hertogenbosch", "Hertogenbosch"])
def test_every_name_for_den_bosch_finds_the_official_one(typed):
    assert official_names(typed, known=["'s-Hertogenbosch", "Den Helder"]) == ["'s-Hertogenbosch"]


def test_folding_drops_case_accents_apostrophes_and_punctuation():
    assert fold_place("Fryslân") == fold_place("FRYSLAN") == "fryslan"
    assert fold_place("Bergen (NH)") == "bergen nh"
    assert fold_place("’s-Hertogenbosch") == fold_place("'s-Hertogenbosch") == "s hertogenbosch"
    assert official_names("", known=["Amsterdam"]) == []
    assert official_names("Amsterdam", known=["Amsterdam", "Amsterdam-Duivendrecht"]) == [
        "Amsterdam"
    ]


def test_a_place_gives_its_municipality_and_province():
    assert INDEX.lookup("'s-Gravenhage").province == "Zuid-Holland"
    found = INDEX.lookup("Hoofddorp")
    assert (found.municipality, found.province) == ("Haarlemmermeer", "Noord-Holland")
    assert INDEX.lookup("Nergenshuizen").province == ""


def test_an_ambiguous_place_stays_undecided_unless_the_postcode_decides():
    assert (INDEX.lookup("Hoorn").municipality, INDEX.lookup("Hoorn").province) == ("", "")
    by_postcode = INDEX.lookup("Hoorn", postcode="1621AA")  # area 16: Noord-Holland
    assert (by_postcode.municipality, by_postcode.province) == ("Hoorn", "Noord-Holland")
    # Both in one province: the province is known, the municipality is not.
    assert (INDEX.lookup("Ansen").municipality, INDEX.lookup("Ansen").province) == ("", "Drenthe")
    # A postcode whose area matches no candidate decides nothing.
    assert INDEX.lookup("Den Ham", postcode="1011AA").province == ""


def test_a_postcode_region_is_labelled_as_a_region_not_a_city():
    area = postcode_area(10)
    assert area is not None
    assert area.label == "postcode area 10xx (Amsterdam region)"
    assert area.province == "Noord-Holland"
    assert getattr(postcode_area("2511 CV"), "province", None) == "Zuid-Holland"
    assert getattr(postcode_area(25), "label", None) == "postcode area 25xx (Den Haag region)"
    assert postcode_area(None) is None
    assert postcode_area("") is None
    assert postcode_area("xx") is None
    assert postcode_area(5) is None  # no area 05


# --- load_places -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_places_reads_the_cbs_shape_and_drops_duplicates(tmp_path):
    path = tmp_path / "places.csv"
    path.write_text(
        "# CBS 86312NED, Woonplaatsen in Nederland\n"
        "place,municipality,province\n"
        "'s-Gravenhage,'s-Gravenhage,Zuid-Holland\n"
        "'s-Gravenhage,'s-Gravenhage,Zuid-Holland\n"
        "Hoorn,Hoorn,Noord-Holland\n"
        "Hoorn,Terschelling,Fryslân\n",
        encoding="utf-8",
    )

    call_command("load_places", str(path))

    assert Place.objects.count() == 3
    assert Place.objects.filter(place="Hoorn").count() == 2


@pytest.mark.django_db
def test_load_places_reads_semicolons_as_cbs_downloads_have_them(tmp_path):
    path = tmp_path / "places.csv"
    path.write_text("Place;Municipality;Province\nUtrecht;Utrecht;Utrecht\n", encoding="utf-8")

    call_command("load_places", str(path))

    assert Place.objects.get().province == "Utrecht"


@pytest.mark.django_db
def test_load_places_refuses_a_file_of_another_shape(tmp_path):
    path = tmp_path / "sbi.csv"
    path.write_text("code,title\n62,Software\n", encoding="utf-8")
    before = Place.objects.count()

    with pytest.raises(Exception, match="the header lacks place"):
        call_command("load_places", str(path))
    assert Place.objects.count() == before > 0  # the table the migrations loaded, untouched


@pytest.mark.django_db
@pytest.mark.shared
@needs_shared
def test_load_places_loads_the_shared_cbs_file():
    call_command("load_places", str(SHARED_PLACES))

    assert Place.objects.values("place").distinct().count() == 2427
    assert Place.objects.values("municipality").distinct().count() == 342
    assert Place.objects.values("province").distinct().count() == 12
    index = PlaceIndex(
        PlaceRow(*r) for r in Place.objects.values_list("place", "municipality", "province")
    )
    assert index.lookup("'s-Gravenhage").province == "Zuid-Holland"
    assert index.lookup("Schiphol").municipality == "Haarlemmermeer"
    assert index.lookup("Alphen").province == ""  # in Gelderland and Noord-Brabant
