from __future__ import annotations

from django.apps import AppConfig


class ScraperConfig(AppConfig):
    name = "scraper"
