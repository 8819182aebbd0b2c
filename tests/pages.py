"""Register pages built in tests: the 2026 markup, any rows, any date."""

from __future__ import annotations

from datetime import date
from html import escape

Row = tuple[str, str]  # (name as published, KvK cell text)

# Where the tests' Work register is served (responses mocks it; ind.example is on the allow-list).
URL = "https://ind.example/en/public-register-work"


def register_page(rows: list[Row], *, updated: date | None = date(2026, 10, 5)) -> str:
    sentence = (
        f"<p>The overview was last updated on {updated.day} {updated:%B %Y}.</p>" if updated else ""
    )
    body = "\n".join(
        f'<tr><th scope="row">{escape(name, quote=False)}</th><td>{kvk}</td></tr>'
        for name, kvk in rows
    )
    return f"""<!doctype html><html><head><title>Public register Work</title></head><body>
<main><h1>Public register Work</h1>{sentence}
<table><thead><tr><th scope="col">Organisation</th>
<th scope="col">KVK (Chamber of Commerce) number</th></tr></thead>
<tbody>
{body}
</tbody></table></main></body></html>"""


def numbered_rows(n: int, *, start: int = 0, prefix: str = "Voorbeeld") -> list[Row]:
    return [(f"{prefix} {i} B.V.", f"{10_000_000 + i:08d}") for i in range(start, start + n)]


# 100 listed employers: an edition that drops 6 of them (6 %) is over the default hold (5 %).
HOLD_BASE = numbered_rows(100)
