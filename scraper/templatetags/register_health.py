"""{% register_health as health %}: the registers' freshness for the admin index
(admin/erkend_index.html), for staff who may view registers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils import timezone

from scraper.health import RegisterHealth, register_health

register = template.Library()


@dataclass(frozen=True, slots=True)
class IndexHealth:
    registers: list[RegisterHealth]

    @property
    def stale(self) -> list[RegisterHealth]:
        return [r for r in self.registers if r.stale]


@register.simple_tag(takes_context=True, name="register_health")
def register_health_tag(context: Any) -> IndexHealth:
    request = context.get("request")
    if request is None or not request.user.has_perm("registry.view_register"):
        return IndexHealth(registers=[])
    return IndexHealth(registers=register_health(now=timezone.now()))
