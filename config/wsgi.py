from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Build the search index of every register now, not on a visitor's first search (3 s at 10x).
# The connection it used is closed: a forking server must not share it with its workers.
from django.db import connections  # noqa: E402  # after Django is set up

from registry.search import index  # noqa: E402

index.warm()
connections.close_all()

# What is loaded by now (Django, the apps, their modules and models: some 100,000 objects)
# lives as long as the process. gc.freeze() takes it out of the collector's sight, so a full
# collection during a request walks what requests made, not all of it: 150 ms became 20-40 ms
# on the development machine, and a request that met one was the slowest of hundreds.
gc.freeze()
