"""How sync.py writes thousands of new rows at once: COPY on PostgreSQL, bulk_create elsewhere.

Why not bulk_create everywhere: the first import of a register writes some 13,000 companies,
listings, names and events each. Through bulk_create that meant 52,000 model instances, every
value of every column prepared by its field, and psycopg dumping each column as an UNNEST
array: about 5 s of Python in a 12 s import. COPY takes plain tuples; the ids come from the
tables' own sequences first (nextval over generate_series), so nothing is read back, and the
columns a new row does not set get their model default, prepared once per insert rather than
once per row. SQLite (the zero-setup local run) keeps bulk_create: no COPY there.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from psycopg.adapt import PyFormat, Transformer


def insert_rows(
    model: type[models.Model], *, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> list[int]:
    """Insert `rows` and return their new primary keys, in the order of `rows`.

    Each row holds the values of `columns` (field names or attnames such as "company_id") as
    the database takes them: ids for foreign keys, plain values for choices. Every other column
    gets its model default, as `model()` gives it.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        return [obj.pk for obj in model._default_manager.bulk_create(objects, batch_size=2000)]
    meta = model._meta
    by_name: dict[str, models.Field[object, object]] = {}
    for field in meta.concrete_fields:
        by_name[field.name] = by_name[field.attname] = field
    named = [by_name[name] for name in columns]
    defaulted = [f for f in meta.concrete_fields if f not in named and not f.primary_key]
    # The default of each other column, prepared by its field as save() would (a JSONField's []
    # becomes Jsonb), once for all rows.
    prepared = [field.get_db_prep_save(field.get_default(), connection) for field in defaulted]
    quote = connection.ops.quote_name
    targets = ", ".join(quote(str(f.column)) for f in (meta.pk, *named, *defaulted))
    with connection.cursor() as cursor:
        # The sequence is looked up once (MATERIALIZED): called per row, the lookup took longer
        # than the 13,000 nextval() themselves.
        cursor.execute(
            "WITH sequence AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS id)"
            " SELECT nextval(sequence.id) FROM sequence, generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = sorted(int(row[0]) for row in cursor.fetchall())  # ascending, as bulk_create's
        # And dumped once to the text COPY reads: left to write_row(), psycopg would run
        # json.dumps([]) for every company.
        dumped = Transformer(cursor.connection).dump_sequence(
            prepared, [PyFormat.TEXT] * len(prepared)
        )
        defaults = tuple(None if value is None else bytes(value).decode() for value in dumped)
        with cursor.copy(f"COPY {quote(meta.db_table)} ({targets}) FROM STDIN") as copy:
            for pk_value, row in zip(ids, rows, strict=True):
                copy.write_row((pk_value, *row, *defaults))
    return ids
