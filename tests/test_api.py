"""The API's schema (/api/schema/) and docs page (/api/docs/): a valid OpenAPI 3 document that
names every endpoint, parameter and field, and that describes what the endpoints really
answer, field for field (registry/serializers.py describes, the views build)."""

from __future__ import annotations

import json
import re
from datetime import date
from io import StringIO
from typing import Any

import jsonschema
import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

from registry.filters import ListingFilter, PageForm
from registry.search.scoring import REASONS, VERDICTS
from registry.serializers import PARAMETER_WORDS
from tests.factories import enrich, make_edition, make_listing, rename_listing

pytestmark = pytest.mark.django_db

SCHEMA = reverse("registry:api-schema")
DOCS = reverse("registry:api-docs")
JSON_PATHS = {
    "/search.json": "search",
    "/company/{key}.json": "company",
    "/changes.json": "changes",
    "/changes/{register}/{day}.json": "edition_changes",
    "/stats.json": "stats",
}


@pytest.fixture
def schema(client) -> dict[str, Any]:
    response = client.get(SCHEMA, {"format": "json"})
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.content)
    return document


@pytest.fixture
def editions():
    """Two editions of Work: an enriched employer, one renamed, one removed in the second."""
    july = make_edition(date(2026, 7, 1), current=False)
    august = make_edition(date(2026, 8, 3))
    enrich(
        make_listing("Bakkerij De Korenschoof B.V.", "01234567", edition=july),
        sbi="62100",
        city="'s-Gravenhage",
        province="Zuid-Holland",
    )
    rename_listing(
        make_listing("Stork Nederland B.V.", "50302345", edition=july),
        "Bilfinger Maintenance Netherlands B.V.",
        edition=august,
    )
    make_listing("Gone B.V.", "07654321", edition=july, removed_in=august)
    return july, august


# --- The schema itself --------------------------------------------------------------------------


def test_the_schema_is_valid_openapi_3_without_a_warning():
    out = StringIO()
    # drf-spectacular's own validation against the OpenAPI 3 JSON schema; a warning fails.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=StringIO())

    document = yaml.safe_load(out.getvalue())
    assert document["openapi"].startswith("3.")


def test_the_schema_is_yaml_by_default_and_json_when_asked(client, schema):
    default = client.get(SCHEMA)

    assert default.status_code == 200
    assert "openapi" in default["Content-Type"] and "json" not in default["Content-Type"]
    assert yaml.safe_load(default.content) == schema
    assert client.get(SCHEMA, {"format": "json"})["Content-Type"].endswith("+json")


def test_the_schema_names_every_json_endpoint_and_nothing_else(schema):
    operations = {path: item["get"]["operationId"] for path, item in schema["paths"].items()}

    assert operations == JSON_PATHS
    assert all(set(item) == {"get"} for item in schema["paths"].values())  # read only


def test_the_schema_explains_verdict_reason_and_score(schema):
    result = schema["components"]["schemas"]["Result"]["properties"]
    enums = schema["components"]["schemas"]

    verdict_enum = result["verdict"]["oneOf"][0]["$ref"].rsplit("/", 1)[1]
    assert enums[verdict_enum]["enum"] == list(VERDICTS)
    reason_enum = result["reason"]["oneOf"][0]["$ref"].rsplit("/", 1)[1]
    assert enums[reason_enum]["enum"] == list(REASONS)
    for code in REASONS:  # each code is named in the words, with what it means
        assert f"`{code}`:" in result["reason"]["description"]
    assert "exact name" in result["reason"]["description"]
    assert result["score"]["type"] == "number"
    assert (result["score"]["minimum"], result["score"]["maximum"]) == (0, 1)
    assert "from 0" in result["score"]["description"] and "to 1" in result["score"]["description"]
    assert "0.7" in result["verdict"]["description"]  # where likely begins
    for field in ("status", "status_now", "kvk", "name", "matched_on", "sector", "city"):
        assert result[field].get("description"), field


def test_the_search_documents_every_parameter_of_the_filter_and_the_paging(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/search.json"]["get"]["parameters"]}
    declared = set(ListingFilter.base_filters) | set(PageForm.base_fields)

    assert set(parameters) == declared == set(PARAMETER_WORDS)
    for name in ("q", "status", "as_of", "sector", "city", "province", "legal_form", "page"):
        assert parameters[name]["in"] == "query"
        assert parameters[name]["description"], name
    assert parameters["status"]["schema"]["enum"] == ["all", "listed", "removed"]
    assert parameters["as_of"]["schema"]["format"] == "date"
    assert parameters["page_size"]["schema"]["type"] == "integer"


def test_the_schema_documents_the_error_answers(schema):
    search = schema["paths"]["/search.json"]["get"]["responses"]
    company = schema["paths"]["/company/{key}.json"]["get"]["responses"]

    assert set(search) == {"200", "400", "429"}
    assert set(company) == {"200", "301", "400", "404", "429"}
    for answer in (search["400"], search["429"], company["404"]):
        assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/Errors")
        assert answer["description"]
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"message", "code"}


# --- The schema describes what the endpoints answer ---------------------------------------------


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema, strict: `nullable` as a type, and no property
    that the schema does not declare (additionalProperties false on every object)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        if "type" in converted:
            converted["type"] = [converted["type"], "null"]
        else:
            converted = {"anyOf": [converted, {"type": "null"}]}
    if "properties" in converted and "additionalProperties" not in converted:
        converted["additionalProperties"] = False
    return converted


def check_answer(schema: dict[str, Any], response: Any, *, path: str) -> None:
    """The answer of `path` (an OpenAPI path) matches the schema of its status code."""
    answers = schema["paths"][path]["get"]["responses"]
    assert str(response.status_code) in answers, (path, response.status_code)
    ref = answers[str(response.status_code)]["content"]["application/json"]["schema"]["$ref"]
    document = {"$ref": ref, "components": json_schema(schema["components"])}
    jsonschema.validate(response.json(), document, cls=jsonschema.Draft202012Validator)


def test_the_search_answers_as_the_schema_says(client, schema, editions):
    search = reverse("registry:search-json")
    for params in (
        {},
        {"status": "all"},
        {"q": "korenschoof"},
        {"q": "gone"},
        {"q": "01234567"},
        {"q": "nothing like this at all"},  # no_match, with the nearest
        {"as_of": "2026-07-15"},
        {"as_of": "2020-01-01"},  # before our history: unknown
        {"sector": "K", "city": "den haag"},
        {"page_size": "1"},
        {"sort": "bogus", "page_size": "0"},  # 400
        {"page": "9"},  # 400, out of range
        {"city": "Atlantis"},  # 400
    ):
        check_answer(schema, client.get(search, params), path="/search.json")
    assert "no_match" in client.get(search, {"q": "nothing like this at all"}).json()


def test_the_company_changes_and_stats_answer_as_the_schema_says(client, schema, editions):
    company = "/company/{key}.json"
    for key, params in (("01234567", {}), ("50302345", {"as_of": "2026-07-10"})):
        response = client.get(reverse("registry:company-json", args=[key]), params)
        check_answer(schema, response, path=company)
    for response in (
        client.get(reverse("registry:company-json", args=["99999999"])),  # 404
        client.get(reverse("registry:company-json", args=["01234567"]), {"as_of": "x"}),  # 400
    ):
        check_answer(schema, response, path=company)

    check_answer(schema, client.get(reverse("registry:changes-json")), path="/changes.json")
    edition = "/changes/{register}/{day}.json"
    for day in ("2026-08-03", "2026-07-01", "2026-13-01", "2026-09-09"):  # 200, 200, 400, 404
        response = client.get(reverse("registry:changes-edition-json", args=["work", day]))
        check_answer(schema, response, path=edition)

    for params in ({}, {"register": "bogus"}, {"register": "study"}):  # 200, 400, 404
        check_answer(schema, client.get(reverse("registry:stats-json"), params), path="/stats.json")
    assert client.get(reverse("registry:stats-json")).json()["sectors"] is not None


def test_a_method_other_than_get_is_a_405_in_the_apis_error_shape(client, editions):
    for send in (client.post, client.put, client.delete, client.options):
        response = send(reverse("registry:search-json"))

        assert response.status_code == 405
        [error] = response.json()["errors"]["__all__"]
        assert error["code"] == "method_not_allowed"


def test_an_accept_header_or_format_the_api_cannot_give_still_gets_json(client, editions):
    search = reverse("registry:search-json")

    for response in (
        client.get(search, headers={"Accept": "text/html"}),
        client.get(search, {"format": "xml"}),
    ):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.json()["count"] == 2


def test_the_schema_and_the_docs_count_against_the_api_rate(client, settings):
    settings.RATELIMIT_API = "1/m"
    assert client.get(SCHEMA).status_code == 200

    refused = client.get(DOCS)

    assert refused.status_code == 429
    assert refused.json()["errors"]["__all__"][0]["code"] == "rate_limited"


# --- The docs page ------------------------------------------------------------------------------


def test_the_docs_page_loads_swagger_ui_from_our_static_files(client):
    response = client.get(DOCS)

    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assets = re.findall(r'<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"', html)
    static = [url for url in assets if url.startswith("/static/")]
    assert {url.rsplit("/", 1)[1] for url in static} >= {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    }
    for url in static:  # each is a file collectstatic serves
        assert finders.find(url.removeprefix("/static/")), url
    assert all(url.startswith("/") for url in assets), assets  # no CDN, no other host
    assert "<script>" not in html and "<style" not in html  # nothing inline: the CSP forbids it
    assert f'href="{DOCS}"' in client.get(reverse("registry:search")).content.decode()  # footer


def test_the_docs_pages_init_script_is_a_file_that_reads_our_schema(client):
    html = client.get(DOCS).content.decode()
    [init] = re.findall(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', html)

    script = client.get(init)

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert f'url: "{SCHEMA}' in script.content.decode()
