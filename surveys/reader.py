"""Opening respondent files safely and streaming their rows as text.

Nothing here trusts the file: an .xlsx is a zip archive that can claim anything, so before a
parser sees it the archive is checked (member count, declared and *actual* uncompressed size,
workbook parts present) and the data sheet is scanned for formulas. Formulas are never
evaluated: python-calamine only returns a cached value, which a hostile file can forge, so any
cell holding a formula is reported as invalid by the importer. CSV files are read as UTF-8 text
with a bounded header line. Every rejection raises ``FileRejected`` with a Vietnamese message.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePosixPath

from defusedxml import ElementTree
from django.conf import settings
from django.utils.translation import gettext as _

from parindex.spreadsheets import SpreadsheetRefused, XlsxLimits, scan_xlsx

MAX_ZIP_MEMBERS = 1000
MAX_FORMULA_CELLS = 10000
CSV_HEADER_MAX_CHARS = 64 * 1024
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class FileRejected(SpreadsheetRefused):
    """The file as a whole cannot be imported; ``message`` says why (Vietnamese)."""


def max_columns() -> int:
    return getattr(settings, "SURVEY_MAX_COLUMNS", 300)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_text(value) -> str:
    """A cell as the text an admin typed: 4.0 → "4", dates as ISO, blanks as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


@dataclass
class Sheet:
    """Header and a lazy iterator of (spreadsheet row number, raw cell values); see ``cell_text``."""

    header: list[str]
    rows: Iterator[tuple[int, list]]
    total_rows: int | None
    formula_cells: set[tuple[int, int]] = field(default_factory=set)
    first_column: int = 0
    progress_fraction: callable = None  # () -> float in [0, 1], for CSV where the row count is unknown


def _first_sheet_member(zf: zipfile.ZipFile) -> str:
    try:
        workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, ValueError) as exc:
        raise FileRejected(_("The file is not an .xlsx workbook (its workbook part is missing or damaged).")) from exc
    except Exception as exc:  # defusedxml refuses entity tricks with its own exception types
        raise FileRejected(_("The file is not an .xlsx workbook (its workbook part is missing or damaged).")) from exc
    sheet = next((el for el in workbook.iter() if el.tag.endswith("}sheet")), None)
    if sheet is None:
        raise FileRejected(_("The workbook has no sheet."))
    rid = sheet.get(f"{_REL_NS}id")
    for rel in rels:
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    raise FileRejected(_("The workbook has no sheet."))


def survey_limits() -> XlsxLimits:
    return XlsxLimits(
        max_uncompressed=settings.SURVEY_XLSX_MAX_UNCOMPRESSED_BYTES,
        max_members=MAX_ZIP_MEMBERS,
        max_rows=settings.SURVEY_MAX_ROWS,
        max_columns=max_columns(),
        max_cells=settings.SURVEY_MAX_CELLS,
        max_formulas=MAX_FORMULA_CELLS,
    )


def check_xlsx_container(path: str) -> set[tuple[int, int]]:
    """Refuse anything that is not a reasonable .xlsx archive; return formula cells of the data sheet.

    ``parindex.spreadsheets.scan_xlsx`` does the work in one streaming pass: member count, declared and
    actual uncompressed size, and the farthest cell of every sheet (so calamine never sizes a grid from
    a far reference), with the survey limits.
    """
    if not zipfile.is_zipfile(path):
        raise FileRejected(_("The file is not a real .xlsx spreadsheet (it is not a zip archive)."))
    try:
        with zipfile.ZipFile(path) as zf:
            names = {i.filename for i in zf.infolist()[: MAX_ZIP_MEMBERS + 1]}
            if "xl/workbook.xml" not in names and len(names) <= MAX_ZIP_MEMBERS:
                raise FileRejected(_("The file is not an .xlsx workbook (its workbook part is missing or damaged)."))
            data_sheet = _first_sheet_member(zf) if "xl/workbook.xml" in names else None
    except FileRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        raise FileRejected(_("The file is a damaged or encrypted archive and cannot be read.")) from exc
    try:
        return scan_xlsx(path, survey_limits(), formulas_of=data_sheet).formula_cells
    except SpreadsheetRefused as exc:
        raise FileRejected(exc.message) from exc


def check_container(path: str, name: str) -> list[list[int]]:
    """Checks done at upload time, before anything is stored; returns the formula cells found
    ([row, column index] pairs) so that reading the stored file later need not inflate it again."""
    kind = file_kind(name)
    if kind == "xlsx":
        return sorted([r, c] for r, c in check_xlsx_container(path))
    else:
        with open(path, "rb") as fh:
            head = fh.read(8192)
        if b"\x00" in head or head.startswith(b"PK\x03\x04"):
            raise FileRejected(_("The file is not a CSV text file."))
    return []


def file_kind(name: str) -> str:
    suffix = PurePosixPath(name.lower()).suffix
    if suffix == ".xlsx":
        return "xlsx"
    if suffix == ".csv":
        return "csv"
    raise FileRejected(_("Only .xlsx and .csv files are accepted."))


def _check_header(header: list[str]) -> list[str]:
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise FileRejected(_("The sheet is empty: the first row must hold the column codes."))
    if len(header) > max_columns():
        raise FileRejected(
            _("The sheet has %(n)d columns; at most %(max)d are allowed.") % {"n": len(header), "max": max_columns()}
        )
    return header


@contextmanager
def open_sheet(path: str, name: str, checked_formulas: list | None = None) -> Iterator[Sheet]:
    """``checked_formulas``: the result of ``check_container`` on this very file at upload, if any."""
    kind = file_kind(name)
    if kind == "xlsx":
        yield _open_xlsx(path, checked_formulas)
    else:
        with open(path, "rb") as raw:
            yield _open_csv(raw)


def _open_xlsx(path: str, checked_formulas: list | None = None) -> Sheet:
    from python_calamine import CalamineWorkbook

    formulas = check_xlsx_container(path) if checked_formulas is None else {(r, c) for r, c in checked_formulas}
    try:
        workbook = CalamineWorkbook.from_path(path)
        sheet = workbook.get_sheet_by_index(0)
        start = sheet.start
        if start is None or sheet.height == 0:
            raise FileRejected(_("The sheet is empty: the first row must hold the column codes."))
        if sheet.width > max_columns():
            raise FileRejected(
                _("The sheet has %(n)d columns; at most %(max)d are allowed.") % {"n": sheet.width, "max": max_columns()}
            )
        rows = sheet.iter_rows()
        first_row, first_col = start
        header = _check_header([cell_text(v) for v in next(rows)])
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise FileRejected(_("The spreadsheet cannot be read: %(error)s") % {"error": str(exc)[:200]}) from exc
    if first_row != 0:
        raise FileRejected(_("The first row of the sheet must hold the column codes."))

    def generate() -> Iterator[tuple[int, list]]:
        # Raw cell values (str, float, int, bool, dates): the importer turns into text only the
        # cells it cannot match directly, which keeps 100 000-row files fast.
        yield from enumerate(rows, start=first_row + 2)

    return Sheet(header=header, rows=generate(), total_rows=max(sheet.height - 1, 0), formula_cells=formulas, first_column=first_col)


def _open_csv(raw) -> Sheet:
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        first = text.readline(CSV_HEADER_MAX_CHARS)
    except UnicodeDecodeError as exc:
        raise FileRejected(_("The CSV file is not UTF-8 text.")) from exc
    if len(first) >= CSV_HEADER_MAX_CHARS and not first.endswith("\n"):
        raise FileRejected(_("The header row is too long; at most %(max)d columns are allowed.") % {"max": max_columns()})
    text.detach()  # keep ``raw`` open when this wrapper goes away
    if "\x00" in first:
        raise FileRejected(_("The file is not a CSV text file."))
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        header = _check_header([c.strip() for c in next(csv.reader([first], delimiter=delimiter), [])])
    except csv.Error as exc:
        raise FileRejected(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc
    size = raw.seek(0, io.SEEK_END) or 1
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    text.readline(CSV_HEADER_MAX_CHARS)
    reader = csv.reader(text, delimiter=delimiter)

    def generate() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for cells in reader:
                number += 1
                yield number, cells[: max_columns() + 1]
        except UnicodeDecodeError as exc:
            raise FileRejected(_("The CSV file is not UTF-8 text (row %(row)d).") % {"row": number + 1}) from exc
        except csv.Error as exc:
            raise FileRejected(_("The CSV file cannot be read at row %(row)d: %(error)s") % {"row": number + 1, "error": exc}) from exc

    return Sheet(header=header, rows=generate(), total_rows=None, progress_fraction=lambda: min(raw.tell() / size, 1.0))
