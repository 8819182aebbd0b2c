"""/stats/: a register's size and changes per edition, as SVG charts, a table and JSON."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.urls import reverse

from registry.charts import line_chart, month_ticks, nice_ticks, updown_chart
from registry.models import Company, Edition, Register
from tests.factories import make_edition, make_listing

STATS = reverse("registry:stats")
STATS_JSON = reverse("registry:stats-json")
SVG = "{http://www.w3.org/2000/svg}"
pytestmark = pytest.mark.django_db


def one(element: ET.Element, path: str) -> ET.Element:
    found = element.find(path)
    assert found is not None, path
    return found


def text(element: ET.Element, path: str) -> str:
    return element.findtext(path) or ""


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def svgs(response) -> list[ET.Element]:
    """The page's inline charts, each parsed as XML on its own."""
    html = response.content.decode()
    found = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    return [ET.fromstring(svg.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1)) for svg in found]


@pytest.fixture
def editions():
    figures = [
        # (date, rows, distinct KvK numbers, added, removed, renamed)
        (date(2024, 4, 4), 11026, 11016, 11016, 0, 0),
        (date(2024, 5, 8), 11146, 11144, 137, 9, 12),
        (date(2024, 7, 9), 11300, 11292, 186, 38, 15),
        (date(2025, 6, 4), 11946, 11940, 297, 279, 28),
    ]
    editions = []
    for day, rows, kvks, added, removed, renamed in figures:
        edition = make_edition(day, row_count=rows)
        Edition.objects.filter(pk=edition.pk).update(
            kvk_count=kvks, added=added, removed=removed, renamed=renamed, unchanged=1
        )
        editions.append(edition)
    return editions


def test_the_stats_page_draws_two_charts_with_titles_and_descriptions(client, editions):
    response = client.get(STATS)

    assert response.status_code == 200
    size, changes = svgs(response)
    assert text(size, f"{SVG}title") == "Size of the Public register Work per edition"
    assert text(size, f"{SVG}desc").startswith(
        "Rows and distinct KvK numbers in each of the 4 stored editions, from 4 April 2024 to "
        "4 June 2025."
    )
    assert size.get("role") == "img"
    assert len(size.findall(f".//{SVG}path")) == 2  # rows and distinct KvK numbers
    assert len(size.findall(f".//{SVG}circle")) == 8
    point = one(size, f".//{SVG}circle")
    assert text(point, f"{SVG}title") == "Rows: 11,026 in the edition of 4 April 2024"
    # The first edition's "added" is the whole register: left out of the bars.
    assert len(changes.findall(f".//{SVG}rect[@class]")) == 3 * 2 + 2  # bars, legend swatches
    bar = one(changes, f".//{SVG}rect")
    assert text(bar, f"{SVG}title") == "Added: 137 in the edition of 8 May 2024"


def test_the_stats_page_has_the_numbers_as_a_table(client, editions):
    page = text_of(client.get(STATS))

    assert "4 April 2024 11,026 11,016 first edition we stored" in page
    assert "8 May 2024 11,146 11,144 +137 −9 12" in page
    assert "4 June 2025 11,946 11,940 +297 −279 28" in page


def test_the_stats_as_json(client, editions):
    data = client.get(STATS_JSON).json()

    assert data["register"] == "work"
    assert data["editions"][0] == {
        "edition": "2024-04-04",
        "edition_id": editions[0].pk,
        "rows": 11026,
        "kvks": 11016,
        "added": None,
        "removed": None,
        "renamed": None,
    }
    assert data["editions"][3]["removed"] == 279
    assert data["source"].endswith("list of 4 June 2025")


def test_the_stats_of_another_register(client, editions):
    exchange = Register.objects.get(slug="exchange")
    make_edition(date(2024, 7, 9), register=exchange, row_count=31)

    response = client.get(STATS, {"register": "exchange"})

    assert "The Public register Exchange over time" in text_of(response)
    assert '<option value="exchange" selected>' in response.content.decode()
    assert client.get(STATS_JSON, {"register": "exchange"}).json()["editions"][0]["rows"] == 31


def test_a_register_without_editions_says_so(client):
    response = client.get(STATS, {"register": "study"})

    assert response.status_code == 200
    assert "No edition of this register is stored yet." in text_of(response)
    assert "<svg" not in response.content.decode()


@pytest.mark.parametrize("value", ["bogus", "WORK", "x" * 300])
def test_an_unknown_register_is_a_400(client, editions, value):
    assert client.get(STATS, {"register": value}).status_code == 400
    response = client.get(STATS_JSON, {"register": value})
    assert response.status_code == 400
    assert response.json()["errors"]["register"][0]["message"].startswith("There is no register")


@pytest.mark.parametrize("count", [2, 24])
def test_the_stats_page_costs_three_queries_however_many_editions(
    client, django_assert_num_queries, count
):
    for month in range(count):
        edition = make_edition(date(2024 + month // 12, month % 12 + 1, 3))
        make_listing(f"Company {month} B.V.", edition=edition)

    # The register with its edition, the editions, employers per sector and province.
    with django_assert_num_queries(3):
        response = client.get(STATS)
    assert response.status_code == 200
    with django_assert_num_queries(3):
        client.get(STATS_JSON)


# --- Sector and province, once enrichment has run ---------------------------------------------


@pytest.fixture
def enriched(editions):
    for i, (section, province) in enumerate(
        [("J", "Noord-Holland"), ("J", "Utrecht"), ("C", "Noord-Holland"), ("", "")]
    ):
        listing = make_listing(f"Company {i} B.V.", edition=editions[-1])
        Company.objects.filter(pk=listing.company_id).update(
            sector_section=section, province=province
        )
    gone = make_listing("Gone B.V.", edition=editions[0], removed_in=editions[-1])
    Company.objects.filter(pk=gone.company_id).update(sector_section="K", province="Zeeland")


def test_without_enrichment_there_is_no_sector_or_province_section(client, editions):
    make_listing("Plain B.V.", edition=editions[-1])

    response = client.get(STATS)

    assert "per sector" not in text_of(response)
    assert len(svgs(response)) == 2
    data = client.get(STATS_JSON).json()
    assert (data["sectors"], data["provinces"]) == (None, None)


def test_employers_listed_now_per_sector_and_province(client, enriched):
    response = client.get(STATS)

    page = text_of(response)
    assert "Employers listed now, per sector" in page
    assert "Publishing, broadcasting and media 2 Manufacturing 1 Not known yet 1" in page
    assert "Noord-Holland 2 Utrecht 1 Not known yet 1" in page
    assert "Zeeland" not in page  # its only employer has left the register
    charts = svgs(response)
    assert len(charts) == 4
    sectors = charts[2]
    assert text(sectors, f"{SVG}title") == "Employers on the Public register Work per sector"
    assert [text(bar, f"{SVG}title") for bar in sectors.iter(f"{SVG}rect")] == [
        "Publishing, broadcasting and media: 2",
        "Manufacturing: 1",
    ]


def test_the_sector_and_province_counts_as_json(client, enriched):
    data = client.get(STATS_JSON).json()

    assert data["sectors"] == {
        "listed": [
            {"sector": "J", "name": "Publishing, broadcasting and media", "employers": 2},
            {"sector": "C", "name": "Manufacturing", "employers": 1},
        ],
        "unknown": 1,
    }
    assert data["provinces"]["listed"][0] == {
        "province": "Noord-Holland",
        "name": "Noord-Holland",
        "employers": 2,
    }


# --- The chart geometry -----------------------------------------------------------------------


def test_ticks_are_round_numbers_that_cover_the_values():
    assert nice_ticks(11016, 12885) == [11000, 11500, 12000, 12500, 13000]
    assert nice_ticks(-279, 297) == [-400, -200, 0, 200, 400]
    assert nice_ticks(0, 12) == [0, 5, 10, 15]  # whole rows, never 2.5
    assert nice_ticks(5, 5) == [5, 6]


def test_the_time_axis_is_labelled_by_calendar_months():
    assert month_ticks([date(2024, 4, 4), date(2026, 7, 1)]) == [
        date(2024, 7, 1),
        date(2025, 1, 1),
        date(2025, 7, 1),
        date(2026, 1, 1),
        date(2026, 7, 1),
    ]
    assert month_ticks([date(2026, 7, 1), date(2026, 10, 5)]) == [
        date(2026, 7, 1),
        date(2026, 8, 1),
        date(2026, 9, 1),
        date(2026, 10, 1),
    ]


def test_a_line_chart_places_points_by_date_and_value():
    chart = line_chart(
        slug="s",
        title="t",
        description="d",
        dates=[date(2026, 1, 1), date(2026, 1, 11), date(2026, 1, 31)],
        series=[("Rows", "rows", [100, 200, 150])],
    )

    (line,) = chart.lines
    xs = [p.x for p in line.points]
    assert xs[0] == chart.left and xs[-1] == chart.right
    assert (xs[1] - xs[0]) * 2 == pytest.approx(xs[2] - xs[1], abs=0.2)  # 10 days, then 20
    assert line.points[1].y == chart.top  # the maximum, 200, is the top tick
    assert line.path.startswith(f"M{chart.left:g},")


def test_an_updown_chart_draws_added_up_and_removed_down_from_zero():
    chart = updown_chart(
        slug="c",
        title="t",
        description="d",
        dates=[date(2026, 1, 1), date(2026, 2, 1)],
        up=("Added", "added", [100, 50]),
        down=("Removed", "removed", [20, 0]),
    )

    added, removed = chart.bars[0], chart.bars[1]
    assert added.y + added.height == pytest.approx(chart.zero)
    assert removed.y == pytest.approx(chart.zero)
    assert added.height == pytest.approx(5 * removed.height, rel=0.01)
    assert chart.bars[3].height == 0


def test_a_chart_without_data_is_empty():
    assert line_chart(slug="s", title="t", description="d", dates=[], series=[]).empty
