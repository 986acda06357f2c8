"""Opening respondent files safely and streaming their rows as text.

Nothing here trusts the file: an .xlsx is a zip archive that can claim anything, so before a
parser sees it the archive is checked (member count, declared and *actual* uncompressed size,
workbook parts present) and the data sheet is scanned for formulas. Formulas are never
evaluated: python-calamine only returns a cached value, which a hostile file can forge, so any
cell holding a formula is reported as invalid by the importer. CSV files are read as UTF-8 text
with a bounded header line. Every rejection raises ``FileRejected`` with a Vietnamese message.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
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
CSV_SNIFF_BYTES = 64 * 1024
HEADER_SEARCH_ROWS = 20
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
    sheet_name: str = ""
    sheet_names: list[str] = field(default_factory=list)
    header_row: int = 1


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


def _sheet_members(zf: zipfile.ZipFile) -> list[str]:
    """Worksheet parts of an .xlsx in workbook order (the order calamine numbers sheets in)."""
    try:
        workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # noqa: BLE001 - checked by _first_sheet_member at upload already
        return []
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    members = []
    for el in workbook.iter():
        if el.tag.endswith("}sheet"):
            target = targets.get(el.get(f"{_REL_NS}id"), "")
            members.append(target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target))
    return members


def _check_ods_container(path: str) -> None:
    """An .ods is a zip archive like .xlsx: bounded in members and inflated size, and refused if it holds formulas.

    Formulas are refused as a whole because calamine gives only the cached value of a cell, which a file can forge.
    """
    limits = survey_limits()
    if not zipfile.is_zipfile(path):
        raise FileRejected(_("The file is not a real .ods spreadsheet (it is not a zip archive)."))
    too_big = _("The file expands to more than %(mb)d MB when unpacked; it is refused.") % {
        "mb": limits.max_uncompressed // 2**20
    }
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise FileRejected(_("The file has too many parts (%(n)d) to be a spreadsheet.") % {"n": len(infos)})
            budget = limits.max_uncompressed
            for info in infos:
                tail = b""
                with zf.open(info) as member:
                    while chunk := member.read(1024 * 1024):
                        budget -= len(chunk)
                        if budget < 0:
                            raise FileRejected(too_big)
                        if info.filename == "content.xml" and b"table:formula=" in tail + chunk:
                            raise FileRejected(
                                _(
                                    "The .ods file holds formulas; formulas are never calculated. Save it with values only."
                                )
                            )
                        tail = chunk[-32:]
            if "content.xml" not in {i.filename for i in infos}:
                raise FileRejected(_("The file is not an .ods spreadsheet (its content part is missing)."))
    except FileRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        raise FileRejected(_("The file is a damaged or encrypted archive and cannot be read.")) from exc


def _calamine_extent(path: str) -> list[tuple[int, int]]:
    """(height, width) of every sheet; run in a memory-limited child, since .xls and .ods give no cheap extent."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(path)
    extents = []
    for index in range(len(workbook.sheet_names)):
        sheet = workbook.get_sheet_by_index(index)
        extents.append((sheet.height, sheet.width))
    return extents


def _check_calamine_extent(path: str) -> None:
    from parindex.spreadsheets import ParseFailed, run_with_memory_limit

    try:
        extents = run_with_memory_limit(_calamine_extent, path)
    except ParseFailed as exc:
        raise FileRejected(_("The spreadsheet cannot be read: %(error)s") % {"error": str(exc)[:200]}) from exc
    for height, width in extents:
        if width > max_columns():
            raise FileRejected(
                _("The sheet has %(n)d columns; at most %(max)d are allowed.") % {"n": width, "max": max_columns()}
            )
        if height > settings.SURVEY_MAX_ROWS or height * width > settings.SURVEY_MAX_CELLS:
            raise FileRejected(
                _("The sheet has %(n)d rows; at most %(max)d are allowed.")
                % {"n": height, "max": settings.SURVEY_MAX_ROWS}
            )


def check_container(path: str, name: str) -> list[list[int]]:
    """Checks done at upload time, before anything is stored; returns the formula cells found
    ([row, column index] pairs) so that reading the stored file later need not inflate it again."""
    kind = file_kind(name)
    if kind == "xlsx":
        return sorted([r, c] for r, c in check_xlsx_container(path))
    if kind == "ods":
        _check_ods_container(path)
        _check_calamine_extent(path)
    elif kind == "xls":
        with open(path, "rb") as fh:
            if fh.read(8) != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
                raise FileRejected(_("The file is not a real .xls spreadsheet."))
        _check_calamine_extent(path)
    else:
        with open(path, "rb") as fh:
            head = fh.read(8192)
        if head.startswith(b"PK\x03\x04") or (b"\x00" in head and _utf16_codec(head) is None):
            raise FileRejected(_("The file is not a CSV text file."))
    return []


def file_kind(name: str) -> str:
    suffix = PurePosixPath(name.lower()).suffix
    if suffix in (".xlsx", ".xls", ".ods", ".csv"):
        return suffix[1:]
    raise FileRejected(_("Only .xlsx, .xls, .ods and .csv files are accepted."))


def _check_header(header: list[str]) -> list[str]:
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise FileRejected(_("The sheet is empty: no row holds the column codes."))
    if len(header) > max_columns():
        raise FileRejected(
            _("The sheet has %(n)d columns; at most %(max)d are allowed.") % {"n": len(header), "max": max_columns()}
        )
    return header


HeaderTest = Callable[[list[str]], bool]


@contextmanager
def open_sheet(
    path: str,
    name: str,
    checked_formulas: list | None = None,
    *,
    is_header: HeaderTest | None = None,
    sheet_name: str | None = None,
) -> Iterator[Sheet]:
    """``checked_formulas``: the result of ``check_container`` on this very file at upload, if any.

    ``is_header`` tells the header row: it is looked for in the first ``HEADER_SEARCH_ROWS`` rows of each sheet
    in turn (title rows above it are fine), unless ``sheet_name`` names the sheet to read. Without a match the
    first non-empty row of the first non-empty sheet is the header, so that the importer names what is missing.
    """
    kind = file_kind(name)
    if kind == "csv":
        with open(path, "rb") as raw:
            yield _open_csv(raw, is_header)
    else:
        yield _open_workbook(path, kind, checked_formulas, is_header, sheet_name)


def _find_header(rows: Iterator, first_row: int, is_header: HeaderTest | None) -> tuple[int, list[str]] | None:
    """(spreadsheet row number, header texts) of the header among the first rows, or None."""
    for offset in range(HEADER_SEARCH_ROWS):
        cells = next(rows, None)
        if cells is None:
            return None
        texts = [cell_text(v) for v in cells]
        if any(texts) and (is_header is None or is_header(texts)):
            return first_row + offset + 1, texts
    return None


def _open_workbook(
    path: str, kind: str, checked_formulas: list | None, is_header: HeaderTest | None, sheet_name: str | None
) -> Sheet:
    from python_calamine import CalamineWorkbook

    if kind == "xlsx" and checked_formulas is None:
        checked_formulas = sorted([r, c] for r, c in check_xlsx_container(path))
    try:
        workbook = CalamineWorkbook.from_path(path)
        names = list(workbook.sheet_names)
        if sheet_name is not None and sheet_name not in names:
            raise FileRejected(_("The workbook has no sheet named “%(name)s”.") % {"name": sheet_name[:100]})
        order = [names.index(sheet_name)] if sheet_name is not None else range(len(names))
        found = fallback = None
        for index in order:
            sheet = workbook.get_sheet_by_index(index)
            if sheet.start is None or sheet.height == 0:
                continue
            if sheet.width > max_columns():
                raise FileRejected(
                    _("The sheet has %(n)d columns; at most %(max)d are allowed.")
                    % {"n": sheet.width, "max": max_columns()}
                )
            rows = sheet.iter_rows()
            header = _find_header(rows, sheet.start[0], is_header if sheet_name is None else None)
            if header is not None and is_header is not None and sheet_name is None:
                found = (index, sheet, rows, header)
                break
            if fallback is None and header is not None:
                fallback = index
            if sheet_name is not None:
                found = (index, sheet, rows, header) if header is not None else None
        if found is None:
            if fallback is None:
                raise FileRejected(_("The sheet is empty: no row holds the column codes."))
            sheet = workbook.get_sheet_by_index(fallback)
            rows = sheet.iter_rows()
            found = (fallback, sheet, rows, _find_header(rows, sheet.start[0], None))
        index, sheet, rows, (header_row, header) = found
        header = _check_header(header)
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise FileRejected(_("The spreadsheet cannot be read: %(error)s") % {"error": str(exc)[:200]}) from exc
    formulas: set[tuple[int, int]] = set()
    if kind == "xlsx":
        formulas = {(r, c) for r, c in checked_formulas}
        if index != 0:  # the upload check collected the first sheet's formulas only
            with zipfile.ZipFile(path) as zf:
                members = _sheet_members(zf)
            member = members[index] if index < len(members) else None
            try:
                formulas = scan_xlsx(path, survey_limits(), formulas_of=member).formula_cells
            except SpreadsheetRefused as exc:
                raise FileRejected(exc.message) from exc

    def generate() -> Iterator[tuple[int, list]]:
        # Raw cell values (str, float, int, bool, dates): the importer turns into text only the
        # cells it cannot match directly, which keeps 100 000-row files fast.
        yield from enumerate(rows, start=header_row + 1)

    return Sheet(
        header=header,
        rows=generate(),
        total_rows=max(sheet.height - (header_row - sheet.start[0]), 0),
        formula_cells=formulas,
        first_column=sheet.start[1],
        sheet_name=names[index],
        sheet_names=names,
        header_row=header_row,
    )


def _utf16_codec(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # Without a byte-order mark, mostly-ASCII text in UTF-16 has a zero in every other byte.
    pairs = len(head) // 2
    if pairs >= 2:
        even, odd = head[0 : pairs * 2 : 2].count(0), head[1 : pairs * 2 : 2].count(0)
        if odd >= pairs // 2 and even == 0:
            return "utf-16-le"
        if even >= pairs // 2 and odd == 0:
            return "utf-16-be"
    return None


def csv_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16, else Windows-1258 (Vietnamese Windows), judged on the first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    utf16 = _utf16_codec(head)
    if utf16:
        return utf16
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(head) < CSV_SNIFF_BYTES or exc.start < len(head) - 3:
            return "cp1258"
    return "utf-8"


def _open_csv(raw, is_header: HeaderTest | None = None) -> Sheet:
    encoding = csv_encoding(raw.read(CSV_SNIFF_BYTES))
    raw.seek(0)
    not_text = _("The CSV file is not text in UTF-8, UTF-16 or Windows-1258 (row %(row)d).")
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    found = first_nonempty = None
    number = 0
    try:
        for number in range(1, HEADER_SEARCH_ROWS + 1):
            line = text.readline(CSV_HEADER_MAX_CHARS)
            if len(line) >= CSV_HEADER_MAX_CHARS and not line.endswith("\n"):
                raise FileRejected(
                    _("The header row is too long; at most %(max)d columns are allowed.") % {"max": max_columns()}
                )
            if not line:
                break
            if "\x00" in line:
                raise FileRejected(_("The file is not a CSV text file."))
            delimiter = ";" if line.count(";") > line.count(",") else ","
            cells = [c.strip() for c in next(csv.reader([line], delimiter=delimiter), [])]
            if not any(cells):
                continue
            if first_nonempty is None:
                first_nonempty = (number, cells, delimiter)
            if is_header is None or is_header(cells):
                found = (number, cells, delimiter)
                break
    except UnicodeDecodeError as exc:
        raise FileRejected(not_text % {"row": number}) from exc
    except csv.Error as exc:
        raise FileRejected(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc
    text.detach()  # keep ``raw`` open when this wrapper goes away
    # Without a recognised header the first non-empty row is taken, so that the importer names what is missing.
    chosen = found or first_nonempty
    if chosen is None:
        raise FileRejected(_("The sheet is empty: no row holds the column codes."))
    header_row, cells, delimiter = chosen
    header = _check_header(cells)
    size = raw.seek(0, io.SEEK_END) or 1
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    for _i in range(header_row):
        text.readline(CSV_HEADER_MAX_CHARS)
    reader = csv.reader(text, delimiter=delimiter)

    def generate() -> Iterator[tuple[int, list[str]]]:
        number = header_row
        try:
            for cells in reader:
                number += 1
                yield number, cells[: max_columns() + 1]
        except UnicodeDecodeError as exc:
            raise FileRejected(not_text % {"row": number + 1}) from exc
        except csv.Error as exc:
            raise FileRejected(
                _("The CSV file cannot be read at row %(row)d: %(error)s") % {"row": number + 1, "error": exc}
            ) from exc

    return Sheet(
        header=header,
        rows=generate(),
        total_rows=None,
        progress_fraction=lambda: min(raw.tell() / size, 1.0),
        header_row=header_row,
    )
