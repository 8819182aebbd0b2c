"""The hand-written KvK answers in tests/fixtures/kvk, served through `responses`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import responses

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "kvk"
API = "https://api.kvk.example/api"
OPENDATA = "https://opendata.kvk.example/api/v1/hvds"


def answer(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def profile_url(kvk: str) -> str:
    return f"{API}/v1/basisprofielen/{kvk}"


def opendata_url(kvk: str) -> str:
    return f"{OPENDATA}/basisbedrijfsgegevens/kvknummer/{kvk}"


SEARCH_URL = f"{API}/v2/zoeken"


def serve(
    mock: responses.RequestsMock,
    url: str,
    name: str | None = None,
    *,
    status: int = 200,
    **kwargs: Any,
) -> None:
    body = answer(name) if name else None
    mock.add("GET", url, json=body, status=status, **kwargs)
