"""SBI sectors: the sector rule for SBI 2025 and 2008 codes, the tables, the title loader."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command

from registry import sbi
from registry.models import SbiCode

SHARED_SBI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "sbi"
needs_shared = pytest.mark.skipif(not SHARED_SBI.is_dir(), reason=f"{SHARED_SBI} is absent")


@pytest.mark.parametrize(
    ("code", "version", "section", "section_2008"),
    [
        ("62100", "2025", "K", ""),  # computer programming: K in SBI 2025
        ("6201", "2008", "K", "J"),  # software in SBI 2008: J then, K now
        ("85402", "2025", "Q", ""),  # university education
        ("86101", "2025", "R", ""),  # university medical centres
        ("4511", "2008", "G", "G"),  # motor trade: division 45 is gone in 2025, sent to G
        ("64210", "2025", "L", ""),  # holding companies
        ("70101", "2025", "N", ""),  # head offices
        ("78100", "2025", "O", ""),  # employment agencies
        ("6420", "2008", "L", "K"),  # a 2008 holding code
        ("8559", "2008", "Q", "P"),  # 2008 education: P then, Q now
        ("96021", "2008", "T", "S"),  # a 5-digit 2008 code not in SBI 2025
        ("01110", "2025", "A", ""),  # the leading zero is part of the code
    ],
)
def test_classify_maps_each_version_to_its_2025_section(code, version, section, section_2008):
    sector = sbi.classify(code)

    assert sector is not None
    assert (sector.version, sector.section, sector.section_2008) == (version, section, section_2008)
    assert sector.division == code[:2]


@pytest.mark.parametrize("code", ["", "abc", "62", "621000", "0400", "44123", "4400", "6 201"])
def test_classify_gives_none_for_what_is_no_known_code(code):
    assert sbi.classify(code) is None


def test_the_tables_have_every_section_and_division():
    assert list(sbi.SECTIONS_2025) == [chr(c) for c in range(ord("A"), ord("V") + 1)]
    assert list(sbi.SECTIONS_2008) == [chr(c) for c in range(ord("A"), ord("U") + 1)]
    assert len(sbi.DIVISIONS_2025) == 87
    assert len(sbi.SUBCLASSES_2025) == 907
    for division in sbi.DIVISIONS_2025:
        assert sbi.section_of_division(int(division)) is not None, division
    assert sbi.divisions_of("K") == ["61", "62", "63"]
    assert sbi.division_title("62") == "Computer programming, consultancy and related activities"
    assert sbi.division_title("45").startswith("Wholesale and retail trade and repair of motor")
    assert sbi.division_title("04") == ""


@pytest.mark.shared
@needs_shared
def test_written_tables_match_the_shared_sbi_files():
    rows = list(csv.DictReader((SHARED_SBI / "sbi2025.csv").open(encoding="utf-8")))
    divisions = {
        r["code"]: (r["title_en"], r["title_nl"], r["section"]) for r in rows if r["level"] == "2"
    }
    assert {d: t[:2] for d, t in divisions.items()} == sbi.DIVISIONS_2025
    for division, (_en, _nl, section) in divisions.items():
        assert getattr(sbi.section_of_division(int(division)), "letter", None) == section
    subclasses = {r["code"]: r["section"] for r in rows if r["level"] == "5"}
    assert set(subclasses) == sbi.SUBCLASSES_2025
    assert all(
        getattr(sbi.classify(code), "section", None) == section
        for code, section in subclasses.items()
    )
    sections = {r["code"]: r["title_en"] for r in rows if r["level"] == "1"}
    assert {k: v.title_en.upper() for k, v in sbi.SECTIONS_2025.items()} == sections
    old = list(csv.DictReader((SHARED_SBI / "sbi2008_sections.csv").open(encoding="utf-8")))
    assert [
        (s.letter, s.first_division, s.last_division, s.title_en, s.title_nl)
        for s in sbi.SECTIONS_2008.values()
    ] == [
        (r["section"], int(r["division_from"]), int(r["division_to"]), r["title_en"], r["title_nl"])
        for r in old
    ]


# --- load_sbi_titles --------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_sbi_titles_reads_a_csv_and_replaces_the_table(tmp_path):
    SbiCode.objects.create(code="99999", level=5, title_nl="oud", title_en="old", section="V")
    path = tmp_path / "sbi.csv"
    path.write_text(
        "\ufeffcode,parent,level,title_nl,title_en,section\n"
        'K,,1,"TELECOMMUNICATIE, ...","TELECOMMUNICATION, ...",K\n'
        "62,K,2,Computerprogrammering,Computer programming,K\n"
        "62100,6210,5,Ontwerpen van computerprogramma’s,Computer programming activities,K\n"
        "62100,6210,5,duplicate,duplicate,K\n",
        encoding="utf-8",
    )

    call_command("load_sbi_titles", str(path))

    assert list(SbiCode.objects.values_list("code", flat=True)) == ["62", "62100", "K"]
    assert SbiCode.objects.get(code="62100").title_en == "Computer programming activities"


@pytest.mark.django_db
def test_load_sbi_titles_refuses_a_file_of_another_shape(tmp_path):
    path = tmp_path / "places.csv"
    path.write_text("place,municipality,province\nUtrecht,Utrecht,Utrecht\n", encoding="utf-8")

    with pytest.raises(Exception, match="the header lacks code"):
        call_command("load_sbi_titles", str(path))


@pytest.mark.django_db
def test_load_sbi_titles_downloads_a_url(no_network):
    url = "https://cbs.example/sbi2025.csv"
    no_network.add(
        "GET",
        url,
        body="code,parent,level,title_nl,title_en,section\n85,Q,2,Onderwijs,Education,Q\n",
    )

    call_command("load_sbi_titles", url)

    assert SbiCode.objects.get().title_en == "Education"


@pytest.mark.django_db
@pytest.mark.shared
@needs_shared
def test_load_sbi_titles_loads_the_shared_sbi2025_csv():
    call_command("load_sbi_titles", str(SHARED_SBI / "sbi2025.csv"))

    assert SbiCode.objects.count() == 1954
    assert SbiCode.objects.filter(level=5).count() == 907
    assert SbiCode.objects.get(code="62100").section == "K"
    assert SbiCode.objects.get(code="01110").title_en.startswith("Growing of cereals")
