"""The translation catalogues (locale/), with Babel: extraction from Django templates, the
stale-catalogue check and compiling. GNU gettext, which Django's makemessages and
compilemessages need, is not on a machine that has only Python; Babel is pure Python.

`make messages` extracts every string (babel.cfg) and updates locale/nl/LC_MESSAGES/django.po;
`make compile-messages` writes the .mo files Django reads, which are build outputs (not in git);
`make messages-check` fails when the .po lacks a string the code has, or keeps one it dropped.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO, Any, cast

from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "django"

MessageId = tuple[str | None, str]  # (context, msgid): what a catalogue entry is keyed on
# What an extractor yields: line, function name, its string arguments, translator comments.
Extracted = tuple[int, str, str | tuple[str | None, ...], list[str]]


def extract_django(
    fileobj: IO[bytes], keywords: Any, comment_tags: Collection[str], options: Any
) -> Iterator[Extracted]:
    """Babel extractor for Django templates (the admin's, with {% translate %} and
    {% blocktranslate %}): Django's own templatize, which makemessages uses, turns the template
    into gettext() calls on the same lines, and Babel's Python extractor reads those. Babel
    ships no Django extractor, and django-babel stopped before Django 4."""
    from django.utils.translation.template import templatize

    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    # The text between the calls is blanked out but keeps its indentation, which Python's
    # tokenizer would refuse; the calls keep their lines (their strings hold no newline).
    lines = templatize(source).splitlines()
    code = "\n".join(line.lstrip() for line in lines).encode("utf-8")
    # Babel annotates extract_python with what extract() makes of it, not what it yields.
    yield from cast(
        Iterator[Extracted], extract_python(io.BytesIO(code), keywords, comment_tags, options)
    )


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every locale/<lang>/LC_MESSAGES/django.po to its .mo, as `pybabel compile` does (fuzzy
    entries left out): for the tests, which must not depend on a make target having run."""
    written = []
    for po_path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalogue, use_fuzzy=False)
        written.append(mo_path)
    return written


def message_ids(path: Path) -> set[MessageId]:
    """The live entries of a .po or .pot file (obsolete ones and the header left out)."""
    with path.open("rb") as file:
        catalogue = read_po(file)
    ids = set()
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
        ids.add((message.context, str(msgid)))
    return ids


def stale(*, template: Path, catalogue: Path) -> tuple[set[MessageId], set[MessageId]]:
    """What the code has that the catalogue lacks, and what the catalogue keeps that the code
    dropped."""
    extracted, kept = message_ids(template), message_ids(catalogue)
    return extracted - kept, kept - extracted


def main(argv: list[str]) -> int:
    """`python -m config.catalogue check TEMPLATE CATALOGUE` or `... compile`."""
    if argv[:1] == ["compile"]:
        for path in compile_catalogues():
            print(f"compiled {path.relative_to(LOCALE_DIR.parent)}")
        return 0
    if argv[:1] == ["check"] and len(argv) == 3:
        missing, dropped = stale(template=Path(argv[1]), catalogue=Path(argv[2]))
        for what, ids in (("not in the catalogue", missing), ("dropped from the code", dropped)):
            for context, msgid in sorted(ids, key=str):
                print(f"{what}: {msgid!r}" + (f", context {context!r}" if context else ""))
        if missing or dropped:
            print(f"{argv[2]} is stale: run `make messages` and commit it.", file=sys.stderr)
            return 1
        print(f"{argv[2]}: every string of the code, and no other")
        return 0
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
