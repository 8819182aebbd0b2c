from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config import health

urlpatterns = [
    # Exempt from the https redirect (SECURE_REDIRECT_EXEMPT) and from the rate limits.
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("registry.urls")),
]
