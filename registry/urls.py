from __future__ import annotations

from django.urls import URLPattern, path

from registry import views

app_name = "registry"
urlpatterns: list[URLPattern] = [
    path("", views.search, name="search"),
    path("search.json", views.search_json, name="search-json"),
    # Before the page: "<str:key>/" would not match "x.json", but the order keeps it obvious.
    path("company/<str:key>.json", views.company_json, name="company-json"),
    path("company/<str:key>/", views.company, name="company"),
]
