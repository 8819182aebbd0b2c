"""The cache is optional: with Redis down every cache call misses, and the outage is logged
once, not per call.

django-redis's IGNORE_EXCEPTIONS (config/settings.py) turns a failed call into a miss: a read
answers its default, a write does nothing, so a page computes what the cache would have held
and the register is read from the database alone. With DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS it
logs each failed call to the logger `config.cache`; a Redis outage fails every call of every
request, and the filter below lets one of those records through per interval.
"""

from __future__ import annotations

import logging
import threading
import time

LOGGER = "config.cache"  # DJANGO_REDIS_LOGGER: where django-redis logs the calls it ignored


class OutageLog(logging.Filter):
    """Lets the first record through, then at most one per `seconds`, which says how many were
    held back since the last. Per process: each web worker reports its own outage once."""

    def __init__(self, seconds: float = 600) -> None:
        super().__init__()
        self.seconds = seconds
        self.last_sent: float | None = None
        self.held = 0
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        with self.lock:
            if self.last_sent is not None and now - self.last_sent < self.seconds:
                self.held += 1
                return False
            held, self.held, self.last_sent = self.held, 0, now
        # django-redis says only "Exception ignored"; the traceback (exc_info) says which.
        record.msg = (
            "The cache (Redis) failed: cache calls miss and pages are computed without it "
            "until it answers again (logged at most once every %d s)"
        )
        record.args = (int(self.seconds),)
        if held:
            record.msg += "; %d more failed calls since the last report"
            record.args = (int(self.seconds), held)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True

    def reset(self) -> None:
        with self.lock:
            self.last_sent, self.held = None, 0
