"""The facts the /about/ page states that are not in the database: the IND's salary thresholds
for a highly skilled migrant, and how to reach the operator.

The thresholds change every 1 January. Whoever runs the site checks them each January against
THRESHOLDS_SOURCE, which is authoritative, and changes them here, the one place they are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

THRESHOLDS_SOURCE = "https://ind.nl/en/required-amounts-income-requirements"
THRESHOLDS_VALID_FROM = date(2026, 1, 1)


@dataclass(frozen=True, slots=True)
class SalaryThreshold:
    applies_to: str | Promise  # who it is for, translated when shown
    euros_a_month: int  # gross


SALARY_THRESHOLDS = (
    SalaryThreshold(_("Highly skilled migrants aged 30 or older"), 5942),
    SalaryThreshold(_("Highly skilled migrants younger than 30"), 4357),
    SalaryThreshold(
        _("After a Dutch study, or after a search year for highly educated people"), 3122
    ),
)


def contact_href(contact: str) -> str:
    """The link of settings.OPERATOR_CONTACT, which settings checked: a URL as it is, an
    e-mail address as mailto:."""
    if not contact:
        return ""
    return contact if "://" in contact else f"mailto:{contact}"
