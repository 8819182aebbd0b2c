"""The dated public copies of the Work register in ../shared/data/register, in edition order.

File names carry capture dates, not edition dates, and their order is not the edition order
(the 2024-08-07 copy is the July edition, the 2024-08-02 copy the August one). The dates below
are the first day each edition was seen (register.md, section 9, and the folder's README).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class SharedCopy:
    filename: str
    published_on: date
    keep_names: bool = False  # the copy's names are damaged: take only KvK-level changes from it


SHARED_COPIES: tuple[SharedCopy, ...] = (
    SharedCopy("ind-labour-2024-04-04-zjplab+saad-khalil.csv", date(2024, 4, 4)),
    SharedCopy("ind-labour-2024-06-05-seanmavley.csv", date(2024, 5, 8)),
    SharedCopy("ind-labour-2024-08-07-seanmavley.csv", date(2024, 7, 9)),
    SharedCopy("ind-labour-2024-08-02-saad-khalil.csv", date(2024, 8, 2)),
    SharedCopy("ind-labour-2024-12-03-kmatch.csv", date(2024, 12, 3)),
    SharedCopy("ind-labour-2025-01-08-kmatch.csv", date(2025, 1, 8)),
    SharedCopy("ind-labour-2025-02-03-kmatch.csv", date(2025, 2, 3)),
    SharedCopy("ind-labour-2025-03-04-kmatch.csv", date(2025, 3, 4)),
    SharedCopy("ind-labour-2025-06-04-amirreza.csv", date(2025, 6, 4)),
    # Names cut at " B.V." by the scraper that saved it: KvK-level changes only.
    SharedCopy(
        "ind-labour-2025-07-05-amirreza-names-truncated.csv", date(2025, 7, 4), keep_names=True
    ),
    SharedCopy("ind-labour-2025-10-18-seanmavley.csv", date(2025, 10, 18)),
    SharedCopy("ind-labour-2026-04-17-nuwanmnd.csv", date(2026, 4, 17)),
    SharedCopy("ind-labour-2026-07-19-mimhji.csv", date(2026, 7, 1)),
)
