"""Turn a saved copy of the IND register of recognised sponsors into frozen rows.

Pure: text in, dataclasses out. No ORM, no network, no clock, so every page we ever stored can be
re-parsed and tested without a database. The markup variants and name quirks handled here are
described in docs/register.md (sections 4-7 and 12).

Why lxml and not BeautifulSoup: building a BeautifulSoup tree for the 13,000-row table takes
0.6-1.2 s even with the lxml builder and a SoupStrainer, while lxml's own tree is built and
walked in well under 0.1 s. The parser behind both is the same libxml2, so the text we read is
the same.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from html import unescape
from typing import cast

import lxml.etree

# Stored with every snapshot: bump it when a change here could turn the same page into
# different rows, so old snapshots can be found and re-parsed.
PARSER_VERSION = "1"

CSV_HEADER = ("organisation", "kvk_number")

DATE_FROM_SENTENCE = "sentence"
DATE_FROM_META = "meta"
DATE_NOT_FOUND = "none"


class ParseError(ValueError):
    """The page or file does not look like the register; the message says what was missing."""


@dataclass(frozen=True, slots=True)
class RegisterRow:
    position: int  # 0-based order on the page; never derive meaning from it (register.md, 8)
    kvk_number: str | None  # 8 digits as text: a leading zero is part of the number
    name_raw: str  # as published, whitespace collapsed
    name: str  # display_name(name_raw)


@dataclass(frozen=True, slots=True)
class ParsedEdition:
    published_on: date | None
    date_source: str  # DATE_FROM_SENTENCE, DATE_FROM_META or DATE_NOT_FOUND
    rows: tuple[RegisterRow, ...]
    warnings: tuple[str, ...]

    def rows_sha256(self) -> str:
        """SHA-256 hex digest of the sorted (kvk or "", name_raw) pairs, duplicates included.

        Independent of row order (the order of duplicates varies between editions) and of the
        page around the table. The pairs are hashed as compact UTF-8 JSON; changing that
        encoding changes every stored hash.
        """
        pairs = sorted((row.kvk_number or "", row.name_raw) for row in self.rows)
        encoded = json.dumps(pairs, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()

    @property
    def kvk_count(self) -> int:
        """Distinct KvK numbers; rows without one are not counted."""
        return len({row.kvk_number for row in self.rows if row.kvk_number is not None})


# --- names ------------------------------------------------------------------------------------

_QUOTE_RUN = re.compile(r'"{2,}')
# Entity text left after the HTML parser decoded once, e.g. a double-escaped "&amp;amp;".
_ENTITY_TEXT = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_DOUBLE_QUOTES = re.compile('["\u201c\u201d\u201e\u201f]')


def collapse_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space and trim.

    str.split() without arguments splits on all Unicode whitespace, including U+00A0 (no-break
    space) and the other space separators, which the register uses inside names.
    """
    return " ".join(text.split())


def display_name(name_raw: str) -> str:
    """The name to show: entities left in the text decoded, quotes undoubled, NFC, trimmed.

    `""AAE"" Advanced` becomes `"AAE" Advanced`, a literal `&amp;` becomes `&`. Entities are
    decoded only when entity text remains, so a plain `R&D` is never touched.
    """
    name = name_raw
    if _ENTITY_TEXT.search(name):
        name = unescape(name)
    name = unicodedata.normalize("NFC", name)
    name = _QUOTE_RUN.sub('"', name)
    return collapse_whitespace(name)


def format_key(name: str) -> str:
    """A key under which names that differ only in formatting are equal.

    Entities decoded, NFC, double quote characters (straight and curly) removed, whitespace
    collapsed. Case and apostrophes are kept: `ACME B.V.` and `Acme B.V.` count as a real rename.
    """
    key = unicodedata.normalize("NFC", unescape(name))
    key = _DOUBLE_QUOTES.sub("", key)
    return collapse_whitespace(key)


# --- dates ------------------------------------------------------------------------------------

_MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # Dutch
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "juni": 6, "juli": 7, "augustus": 8,
    "oktober": 10, "mrt": 3, "okt": 10,
}  # fmt: skip

_DATE_SENTENCES = (
    re.compile(r"last\s+updated\s+on\s+(\d{1,2})\s+([a-z]+)\s+(\d{4})", re.IGNORECASE),
    re.compile(r"last\s+update:\s*(\d{1,2})\s+([a-z]+)\s+(\d{4})", re.IGNORECASE),
    re.compile(r"laatst\s+bijgewerkt\s+op\s+(\d{1,2})\s+([a-z]+)\s+(\d{4})", re.IGNORECASE),
)
_TAG = re.compile(r"<[^>]*>")
_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))""")
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date_text(day: str, month: str, year: str) -> date | None:
    """The date for "3", "August", "2026" (English or Dutch month, any case), or None.

    An unknown month name or an impossible date gives None rather than an exception: a page
    with an odd date is still a page with rows.
    """
    month_number = _MONTHS.get(month.strip().casefold())
    if month_number is None:
        return None
    try:
        return date(int(year), month_number, int(day))
    except ValueError:
        return None


def _find_date(page: str) -> tuple[date | None, str, list[str]]:
    """The edition date, where it came from, and warnings about sentences we could not read."""
    warnings: list[str] = []
    # Tags become spaces so a sentence split by <strong> still reads as one.
    text = unescape(_TAG.sub(" ", page))
    for pattern in _DATE_SENTENCES:
        for match in pattern.finditer(text):
            found = parse_date_text(match.group(1), match.group(2), match.group(3))
            if found is not None:
                return found, DATE_FROM_SENTENCE, warnings
            sentence = collapse_whitespace(match.group(0))
            warnings.append(f'date sentence "{sentence}" has an unknown month or impossible date')
    for tag in _META_TAG.finditer(page):
        attributes = {
            match.group(1).lower(): unescape(next(g for g in match.groups()[1:] if g is not None))
            for match in _ATTRIBUTE.finditer(tag.group(0))
        }
        if attributes.get("name", "").strip().lower() != "dcterms.modified":
            continue
        iso = _ISO_DATE.match(attributes.get("content", ""))
        if iso is None:
            continue
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3])), DATE_FROM_META, warnings
        except ValueError:
            continue
    return None, DATE_NOT_FOUND, warnings


# --- KvK numbers ------------------------------------------------------------------------------

_KVK = re.compile(r"0?([0-9]{8})")  # the June 2025 edition zero-padded every number to 9 digits
# Invisible characters count as whitespace in a KvK cell: nothing else may sit between digits.
_KVK_NOISE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def _kvk_from_cell(cell_text: str) -> tuple[str | None, bool]:
    """(KvK number or None, whether the cell held something that is not a KvK number)."""
    compact = _KVK_NOISE.sub("", cell_text)
    if not compact:
        return None, False
    match = _KVK.fullmatch(compact)
    if match is None:
        return None, True
    return match.group(1), False


# --- HTML -------------------------------------------------------------------------------------

_HEADER_WORDS = ("organisation", "organization", "organisatie")
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Browsers read these labels as windows-1252 (WHATWG Encoding), and so do we.
_WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"}


def decode_page(data: bytes) -> str:
    """Bytes as text: UTF-8 unless a BOM or a <meta charset> near the top says otherwise."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    encoding = "utf-8"
    declared = _META_CHARSET.search(data[:65536])
    if declared is not None:
        label = declared.group(1).decode("ascii").lower()
        if label in _WINDOWS_1252_LABELS:
            label = "windows-1252"
        with contextlib.suppress(LookupError):  # an unknown label: UTF-8, as the page has been
            encoding = codecs.lookup(label).name
    return data.decode(encoding, errors="replace")


def _text_of(element: lxml.etree._Element) -> str:
    """Text of an element and everything inside it (comments excluded), whitespace collapsed."""
    if not len(element):
        # Nearly every cell: text only, no child element or comment. Its .text is all that
        # itertext() would yield, without building an iterator per cell.
        return collapse_whitespace(element.text or "")
    # An HTML tree yields str parts; the stubs allow bytes for XML trees too.
    return collapse_whitespace("".join(cast("Iterator[str]", element.itertext())))


def _rows_of(table: lxml.etree._Element) -> list[lxml.etree._Element]:
    """The table's own <tr> elements, directly or in thead/tbody/tfoot; not nested tables'."""
    rows: list[lxml.etree._Element] = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(child.iterchildren("tr"))  # filtered by lxml, not a Python loop
    return rows


def _cells_of(row: lxml.etree._Element) -> list[lxml.etree._Element]:
    return list(row.iterchildren("th", "td"))


def _says_organisation(text: str, *, exact: bool) -> bool:
    folded = text.casefold().rstrip(":")
    if exact:
        return folded in _HEADER_WORDS
    return folded.startswith(_HEADER_WORDS)


def _is_header_row(
    row: lxml.etree._Element, cells: list[lxml.etree._Element], *, first_text: str
) -> bool:
    if all(cell.tag == "th" and (cell.get("scope") or "").lower() == "col" for cell in cells):
        return True
    if _says_organisation(first_text, exact=True):
        return True
    # A thead row of plain <th> cells is a header whatever its wording.
    parent = row.getparent()
    return (
        parent is not None
        and parent.tag == "thead"
        and all(cell.tag == "th" and (cell.get("scope") or "").lower() != "row" for cell in cells)
    )


def _has_organisation_header(rows: list[lxml.etree._Element]) -> bool:
    if not rows:
        return False
    cells = _cells_of(rows[0])
    return bool(cells) and _says_organisation(_text_of(cells[0]), exact=False)


def _choose_table_rows(
    tables: list[lxml.etree._Element], warnings: list[str]
) -> list[lxml.etree._Element]:
    """The rows of the table headed "Organisation"/"Organisatie", else of the largest table.

    Each table's rows are listed once: the register's 13,000 are too many to walk three times.
    """
    rows_of = [_rows_of(table) for table in tables]
    headed = [rows for rows in rows_of if _has_organisation_header(rows)]
    if headed:
        return max(headed, key=len)
    largest = max(rows_of, key=len)
    which = f"the largest of {len(tables)} tables" if len(tables) > 1 else "the only table"
    warnings.append(f"no table is headed Organisation/Organisatie; used {which}")
    return largest


def _register_rows(rows: list[lxml.etree._Element], warnings: list[str]) -> Iterator[RegisterRow]:
    if not rows:
        raise ParseError("the register table has no <tr> rows")
    position = 0
    saw_two_cells = False
    for row in rows:
        cells = _cells_of(row)
        if len(cells) < 2:
            continue
        saw_two_cells = True
        name_raw = _text_of(cells[0])
        if _is_header_row(row, cells, first_text=name_raw):
            continue
        kvk_text = _text_of(cells[1])
        plain = _KVK.fullmatch(kvk_text)  # the usual cell: the number and nothing else
        if plain is not None:
            kvk_number, invalid = plain.group(1), False
        else:
            if not name_raw and not _KVK_NOISE.sub("", kvk_text):
                continue
            kvk_number, invalid = _kvk_from_cell(kvk_text)
        if invalid:
            warnings.append(
                f'row {position + 1}: KvK cell "{kvk_text}" is not an 8-digit number; '
                "kept without a KvK number"
            )
        if not name_raw:
            warnings.append(f"row {position + 1}: empty name for KvK {kvk_number}; kept")
        yield RegisterRow(
            position=position,
            kvk_number=kvk_number,
            name_raw=name_raw,
            name=display_name(name_raw),
        )
        position += 1
    if not saw_two_cells:
        raise ParseError("the register table has no rows with two cells")


_TABLE_END = re.compile(r"</table\s*>", re.IGNORECASE)
_DOCUMENT_END = re.compile(r"</html\s*>", re.IGNORECASE)


def check_complete(page: str, *, tables: int) -> None:
    """Raise ParseError unless the page arrived whole: its tables closed, then the document.

    A transfer that ends early (a proxy or CDN cutting the page with a matching Content-Length)
    still parses: lxml closes the open table, and 80 % of the rows would pass for an edition in
    which a fifth of the employers were removed. The source text shows what lxml hides: each of
    the `tables` lxml found has its own </table> end tag, and the end of the document, </html>,
    follows the last of them. Every variant since 2023 ends that way (register.md, section 4);
    the wording around the table changed too often to be the mark.
    """
    ends = list(_TABLE_END.finditer(page))
    if len(ends) < tables:
        raise ParseError(
            "the page is cut short: a table has no </table> end tag "
            f"(<table> {tables}, </table> {len(ends)}), so register rows may be missing"
        )
    if _DOCUMENT_END.search(page, ends[-1].end()) is None:
        raise ParseError(
            "the page is cut short: it stops after the register table, before the end of the "
            "document (</html>)"
        )


def parse_register(html: str | bytes) -> ParsedEdition:
    """Parse one register page (any variant since June 2023) into rows and an edition date.

    Rows without a KvK number, duplicate rows and one KvK under two names are kept: they are
    register content. Warnings say which rows were odd; a row number in a warning is 1-based
    (position + 1).

    Raises ParseError when the page has no <table>, was cut short (check_complete) or the
    chosen table has no data rows.
    """
    page = decode_page(html) if isinstance(html, bytes) else html
    if not page.strip():
        raise ParseError("no <table> element on the page: the page is empty")
    published_on, date_source, warnings = _find_date(page)
    # lxml gets UTF-8 bytes with the encoding stated, so a <meta charset> or an XML declaration
    # in the text cannot make it decode a second time.
    # A plain etree parser: lxml.html's element classes cost a Python call per element.
    parser = lxml.etree.HTMLParser(encoding="utf-8")
    try:
        document: lxml.etree._Element | None = lxml.etree.fromstring(
            page.encode("utf-8", errors="replace"), parser=parser
        )
    except lxml.etree.LxmlError as error:
        message = f"no <table> element on the page: lxml could not read it ({error})"
        raise ParseError(message) from error
    tables = [] if document is None else list(document.iter("table"))
    if not tables:
        raise ParseError(
            f"no <table> element on the page ({len(page):,} characters); the layout has changed"
        )
    check_complete(page, tables=len(tables))
    rows = tuple(_register_rows(_choose_table_rows(tables, warnings), warnings))
    if not rows:
        raise ParseError("the register table has no data rows, only headers or blank rows")
    return ParsedEdition(
        published_on=published_on,
        date_source=date_source,
        rows=rows,
        warnings=tuple(warnings),
    )


# --- CSV --------------------------------------------------------------------------------------

_CSV_FLOAT = re.compile(r"([0-9]+)\.0*")
_CSV_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+")


def _kvk_from_csv(raw: str) -> tuple[str | None, str | None]:
    """(KvK number or None, a note on how a non-8-digit form was read, or None)."""
    text = _KVK_NOISE.sub("", raw)
    if not text:
        return None, None
    if re.fullmatch(r"[0-9]{8}", text):
        return text, None
    digits, how = text, ""
    if float_match := _CSV_FLOAT.fullmatch(text):
        digits, how = float_match.group(1), "a spreadsheet float"
    elif _CSV_SCIENTIFIC.fullmatch(text):
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if value.is_finite() and value == value.to_integral_value():
            digits, how = str(int(value)), "a spreadsheet float"
    if re.fullmatch(r"0[0-9]{8}", digits):
        return digits[1:], f"{how or 'a 9-digit zero-padded number'}; read as {digits[1:]}"
    if re.fullmatch(r"[0-9]{8}", digits):
        return digits, f"{how}; read as {digits}"
    if re.fullmatch(r"[0-9]{1,7}", digits):
        padded = digits.zfill(8)
        reason = f"{how} that lost leading zeros" if how else "a number that lost leading zeros"
        return padded, f"{reason}; read as {padded}"
    return None, "not a KvK number; kept without a KvK number"


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as error:
        raise ParseError(f"the CSV cannot be read at line {reader.line_num}: {error}") from error


def parse_csv(text: str) -> ParsedEdition:
    """Parse a CSV copy of the register with the header `organisation,kvk_number`.

    The KvK column is read as text. Besides 8 digits it accepts the damage spreadsheets and
    pandas do (a float like 16051874.0, lost leading zeros) and the June 2025 9-digit form;
    each such value gets a warning naming its line. A CSV has no edition date.

    Raises ParseError when the header is not exactly `organisation,kvk_number` or no data
    rows follow it.
    """
    expected = ",".join(CSV_HEADER)
    records = _csv_records(text.removeprefix("\ufeff"))
    first = next(records, None)
    if first is None:
        raise ParseError(f'the CSV is empty; expected the header "{expected}"')
    header = first[1]
    if tuple(field.strip() for field in header) != CSV_HEADER:
        raise ParseError(f'the CSV header is "{",".join(header)}"; expected "{expected}"')
    rows: list[RegisterRow] = []
    warnings: list[str] = []
    for line, record in records:
        if not any(field.strip() for field in record):
            continue
        if len(record) > 2 and not record[-1].strip():
            warnings.append(
                f"line {line}: {len(record)} fields, expected 2; ignored the empty ones"
            )
            while len(record) > 2 and not record[-1].strip():
                record = record[:-1]  # trailing commas, as a spreadsheet leaves them
        if len(record) == 2:
            name_field, kvk_field = record
        elif len(record) < 2:
            name_field, kvk_field = record[0], ""
            warnings.append(f"line {line}: 1 field, expected 2; kept without a KvK number")
        else:
            # Most likely a name with an unquoted comma: the KvK number is the last field.
            name_field, kvk_field = ",".join(record[:-1]), record[-1]
            warnings.append(f"line {line}: {len(record)} fields, expected 2; joined the name")
        name_raw = collapse_whitespace(name_field)
        kvk_number, note = _kvk_from_csv(kvk_field)
        if not name_raw and kvk_number is None and note is None:
            continue
        if note is not None:
            warnings.append(f'line {line}: KvK "{kvk_field.strip()}" is {note}')
        if not name_raw:
            warnings.append(f"line {line}: empty name for KvK {kvk_number}; kept")
        rows.append(
            RegisterRow(
                position=len(rows),
                kvk_number=kvk_number,
                name_raw=name_raw,
                name=display_name(name_raw),
            )
        )
    if not rows:
        raise ParseError(f'the CSV has no data rows after the header "{expected}"')
    return ParsedEdition(
        published_on=None,
        date_source=DATE_NOT_FOUND,
        rows=tuple(rows),
        warnings=tuple(warnings),
    )
