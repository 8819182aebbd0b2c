"""The public views, one module per kind of answer; only registry.urls imports them.

- pages: the search page (and its htmx fragment).
- api: the search as JSON, CSV and Atom.
- company: a company's page, JSON and feed.
- check: the bulk check.
- history: changes per edition, stored pages, evidence, statistics.

Each asks registry.search (or the read models beside it: registry.companies,
registry.timeline) and shapes the answer; none imports another.
"""
