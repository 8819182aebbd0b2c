from __future__ import annotations

from django.urls import URLPattern, path

from registry.views import about, api, check, company, feeds, history, pages

app_name = "registry"
urlpatterns: list[URLPattern] = [
    path("", pages.search_page, name="search"),
    path("search.json", api.search_json, name="search-json"),
    path("search.csv", api.search_csv, name="search-csv"),
    path("search.atom", feeds.search_feed, name="search-feed"),
    path("changes/", history.changes, name="changes"),
    path("changes.json", history.changes_json, name="changes-json"),
    path("changes/<str:register>/<str:day>/", history.edition_changes, name="changes-edition"),
    path(
        "changes/<str:register>/<str:day>.json",
        history.edition_changes_json,
        name="changes-edition-json",
    ),
    path("editions/<str:register>/<str:day>/page", history.edition_page, name="edition-page"),
    path("stats/", history.stats, name="stats"),
    path("stats.json", history.stats_json, name="stats-json"),
    path("company/<str:key>.atom", feeds.company_feed, name="company-feed"),
    path(
        "company/<str:key>/evidence/<str:register>/<str:day>/",
        history.evidence,
        name="evidence",
    ),
    # Before the page: "<str:key>/" would not match "x.json", but the order keeps it obvious.
    path("company/<str:key>.json", company.company_json, name="company-json"),
    path("company/<str:key>/", company.company, name="company"),
    path("check/", check.check, name="check"),
    path("about/", about.about, name="about"),
    # The JSON endpoints above, documented: OpenAPI 3 (YAML, ?format=json) and Swagger UI.
    path("api/schema/", api.api_schema, name="api-schema"),
    path("api/docs/", api.api_docs, name="api-docs"),
]
