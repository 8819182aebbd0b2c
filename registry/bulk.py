"""The bulk check: many names or KvK numbers in, one verdict a line out.

Parsing (parse_lines, parse_upload) is pure: text or bytes in, `Line`s out, and a line that
cannot be checked is kept with the reason, so the output still has one row per input line.
Only input that cannot be checked as a whole (too many lines, a workbook instead of a CSV)
raises `BulkInputError`, and then nothing is checked.

registry.search.check() finds what each line means in the register's index, as the search box
does, so a bulk check and the search box never disagree; check_row() words the answer.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext

from registry.search.words import VERDICTS, reason_text, verdict_label
from registry.text import kvk_digits

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from registry.search.results import Result

MAX_LINES = 1_000
MAX_LINE_CHARS = 200  # the longest name on the register is about 100 characters
MAX_UPLOAD_BYTES = 1024 * 1024  # "1 MB": 1,000 lines of 200 characters fit five times over
# The text box: 1,000 lines of 200 characters and their CRLF line ends (browsers send CRLF).
MAX_TEXT_CHARS = MAX_LINES * (MAX_LINE_CHARS + 2)

CSV_HEADER = (
    "input",
    "verdict",
    "matched_name",
    "kvk",
    "score",
    "edition_date",
    "reason",
    "also",  # the other employers that match as well (a group's entities), "; " between them
)

# Header cells that name the column to check (folded: lower case, runs of other characters
# as "_"). "input" heads our own CSV download's first column: a file with it is checked on
# that column alone, so a result checks again as first given, not by the KvK number of what
# was only a likely match.
NAME_HEADERS = frozenset(
    {
        "name",
        "naam",
        "company",
        "company_name",
        "companyname",
        "organisation",
        "organization",
        "organisation_name",
        "organization_name",
        "organisatie",
        "organisatienaam",
        "bedrijf",
        "bedrijfsnaam",
        "employer",
        "werkgever",
        "input",
    }
)
KVK_HEADERS = frozenset(
    {"kvk", "kvk_number", "kvk_nummer", "kvknummer", "kvk_nr", "kvknr", "kvk_no", "coc_number"}
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # not str.splitlines: it also splits on \x0b, \x1c...
_HEADER_FOLD = re.compile(r"[^0-9a-z]+")
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx/.ods (a zip), old .xls (OLE)


class BulkInputError(ValueError):
    """The input as a whole cannot be checked; the message says why, for the form."""


@dataclass(frozen=True, slots=True)
class Line:
    """One non-blank input line: its number in the text or file, what it says, and, when it
    cannot be checked, why not."""

    number: int
    text: str  # stripped, otherwise as given (it may hold the NUL byte that makes it an error)
    error: str = ""

    @property
    def message(self) -> str:
        return gettext("line %(number)s: %(error)s (not checked)") % {
            "number": self.number,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One output row: a line of the input and what the register says about it."""

    line_number: int
    input: str  # as shown: control characters replaced, at most 200 characters
    verdict: str  # listed | removed | likely | similar | not_listed | error
    matched_name: str  # the listing's current name; "" when nothing matched
    kvk: str
    url: str  # the company page; "" when nothing matched
    score: float | None  # 0 to 1, from rank(); None when nothing matched
    reason: str  # a few words: why this verdict
    edition_date: date | None  # the IND date of the edition checked: what "listed" is as of
    also: tuple[str, ...] = ()  # other employers that match as well: a group's entities

    @property
    def label(self) -> str:
        return verdict_label(self.verdict)

    def csv_cells(self) -> list[str]:
        cells = [
            self.input,
            self.verdict,
            self.matched_name,
            self.kvk,
            "" if self.score is None else str(self.score),
            self.edition_date.isoformat() if self.edition_date else "",
            self.reason,
            "; ".join(self.also),
        ]
        return [spreadsheet_safe(cell) for cell in cells]


# --- Parsing ----------------------------------------------------------------------------------


def parse_lines(text: str) -> list[Line]:
    """Pasted text, one name or KvK number a line; blank lines are skipped but counted, so
    line numbers are the ones the user sees. Raises BulkInputError for over MAX_LINES lines."""
    rows = [(number, [raw]) for number, raw in enumerate(_LINE_BREAK.split(text), start=1)]
    return _lines(rows, header=False)


def parse_upload(data: bytes) -> list[Line]:
    """An uploaded CSV file (or plain text, one value a line).

    UTF-8 with or without a byte order mark, UTF-16 with one (Excel's "Unicode text"), else
    Windows-1252. The separator is sniffed among comma, semicolon (Dutch Excel) and tab; with
    no consistent one, each line is one value, commas and all. A first row with a column
    headed like a name or a KvK number picks that column, the KvK number where a row has one;
    otherwise the first column is checked and the first row is data. Line numbers are the
    file's. Raises BulkInputError for a file that is too large, a workbook, undecodable
    bytes, broken CSV, or over MAX_LINES lines.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise BulkInputError(too_large_message(len(data)))
    if data.startswith(_WORKBOOK_MAGIC):
        raise BulkInputError(
            gettext(
                "This is a spreadsheet workbook, not a CSV file. Save it as CSV "
                "(File, Save as, CSV UTF-8) and upload that."
            )
        )
    return _lines(_table_rows(_decode(data)), header=True)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    raise BulkInputError(
        gettext("The file is not text in UTF-8 or Windows-1252; save it as CSV (UTF-8).")
    )


def _table_rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every row of the file."""
    sample = "\n".join(_LINE_BREAK.split(text, maxsplit=50)[:50])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        # No separator used consistently: a plain list, one value a line ("Foo, Bar B.V.").
        return [(number, [raw]) for number, raw in enumerate(_LINE_BREAK.split(text), start=1)]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))  # a quoted line break: the row's last line
    except csv.Error as error:  # a field over 128 KiB ("field larger than field limit")
        raise BulkInputError(
            gettext(
                "Line %(number)s of the file could not be read as CSV (%(error)s). "
                "Nothing was checked."
            )
            % {"number": reader.line_num, "error": error}
        ) from None
    return rows


def _lines(rows: Sequence[tuple[int, list[str]]], *, header: bool) -> list[Line]:
    rows = [(number, cells) for number, cells in rows if any(cell.strip() for cell in cells)]
    kvk_column = name_column = None
    if rows and header:
        kvk_column, name_column = _header_columns(rows[0][1])
        if kvk_column is not None or name_column is not None:
            rows = rows[1:]
    if len(rows) > MAX_LINES:
        raise BulkInputError(
            gettext(
                "At most %(limit)s lines can be checked at a time; this has %(num)s. "
                "Nothing was checked: split the list and check each part."
            )
            % {"limit": grouped(MAX_LINES), "num": grouped(len(rows))}
        )
    lines = []
    for number, cells in rows:
        text = _pick_cell(cells, kvk_column=kvk_column, name_column=name_column)
        if text:  # a row with only other columns filled in has nothing to check
            lines.append(Line(number, text, _line_error(text)))
    return lines


def _header_columns(cells: Sequence[str]) -> tuple[int | None, int | None]:
    """The KvK and the name column a header row names; (None, None) if it is not a header."""
    folded = [_HEADER_FOLD.sub("_", cell.strip().casefold()).strip("_") for cell in cells]
    if "input" in folded:
        return None, folded.index("input")
    kvk = next((i for i, cell in enumerate(folded) if cell in KVK_HEADERS), None)
    name = next((i for i, cell in enumerate(folded) if cell in NAME_HEADERS), None)
    return kvk, name


def _pick_cell(cells: Sequence[str], *, kvk_column: int | None, name_column: int | None) -> str:
    def cell(index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""

    if kvk_column is None and name_column is None:
        return cell(0)
    kvk = cell(kvk_column)
    if kvk and (kvk_digits(kvk) is not None or not cell(name_column)):
        return kvk
    return cell(name_column)


def _line_error(text: str) -> str:
    """Why a stripped, non-empty line cannot be checked; "" if it can."""
    if "\x00" in text:
        return gettext("contains a NUL byte")
    if "\n" in text or "\r" in text:
        return gettext("contains a line break (an unclosed quote in the CSV file?)")
    if "\t" in text:
        return gettext("contains a tab: give one name or number a line (or upload a CSV file)")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        return gettext("contains a control character")
    if len(text) > MAX_LINE_CHARS:
        return gettext("longer than %(limit)s characters (it has %(num)s)") % {
            "limit": MAX_LINE_CHARS,
            "num": grouped(len(text)),
        }
    if not any(ch.isalnum() for ch in text):
        return gettext("has no letters or digits")
    return ""


# --- Checking ---------------------------------------------------------------------------------


def check_row(line: Line, found: Sequence[Result], *, edition_date: date | None) -> CheckRow:
    """The output row of a line: what registry.search.check() found for it (the best match
    first, then those that match as well), or not_listed, or error for a line that could not
    be checked."""
    shown = displayed(line.text)
    if line.error:
        return CheckRow(line.number, shown, "error", "", "", "", None, line.error, edition_date)
    if not found or found[0].match is None:
        reason = gettext("no name or KvK number on the register comes close")
        return CheckRow(line.number, shown, "not_listed", "", "", "", None, reason, edition_date)
    best, match = found[0], found[0].match
    return CheckRow(
        line_number=line.number,
        input=shown,
        verdict=match.verdict,
        matched_name=best.name,
        kvk=best.kvk_number,
        url=reverse("registry:company", kwargs={"key": best.key}),
        score=match.score,
        reason=reason_text(match, removed_on=best.removed_on),
        edition_date=edition_date,
        also=tuple(result.name for result in found[1:]),
    )


def too_large_message(size: int) -> str:
    return gettext("The file has %(size)s bytes; the limit is 1 MB (%(limit)s bytes).") % {
        "size": grouped(size),
        "limit": grouped(MAX_UPLOAD_BYTES),
    }


def grouped(number: int) -> str:
    """12,345 in English, 12.345 in Dutch."""
    return number_format(number, force_grouping=True)


# --- Output -----------------------------------------------------------------------------------


def displayed(text: str) -> str:
    """A line as the table and the CSV show it: control characters as U+FFFD, at most
    MAX_LINE_CHARS characters and an ellipsis."""
    clean = "".join("\ufffd" if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return clean if len(clean) <= MAX_LINE_CHARS else clean[:MAX_LINE_CHARS] + "…"


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula: a leading = + - @, tab or CR gets an
    apostrophe before it (OWASP's advice on CSV injection)."""
    return "'" + cell if cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell


def write_csv(rows: Iterable[CheckRow], out: SupportsWrite[str]) -> None:
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as spreadsheets expect
    writer.writerow(CSV_HEADER)
    writer.writerows(row.csv_cells() for row in rows)


def verdict_counts(rows: Iterable[CheckRow]) -> list[tuple[str, str, int]]:
    """(verdict, label, count) for the verdicts present, strongest first."""
    counts = Counter(row.verdict for row in rows)
    return [(v, str(label), counts[v]) for v, label in VERDICTS.items() if counts[v]]
