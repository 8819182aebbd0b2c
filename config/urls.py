from __future__ import annotations

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from config import health, language

urlpatterns = [
    # Exempt from the https redirect (SECURE_REDIRECT_EXEMPT) and from the rate limits.
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The same URLs in both languages (no i18n_patterns): the switch sets a cookie.
    path("language/<str:code>/", language.switch_language, name="language"),
    # Pages link the SVG; browsers and feed readers that ask /favicon.ico by habit get it too.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("", include("registry.urls")),
]
