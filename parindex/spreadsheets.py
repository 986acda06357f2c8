"""Spreadsheets ParIndex writes and reads back: text cells made inert, uploaded .xlsx files bounded.

A spreadsheet program runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@``,
and many also when that character follows leading spaces, a tab, a carriage return or a line feed
(CSV or formula injection). Every export of text that users or imported files supplied (framework
exports, result exports, survey templates) writes it through ``escape_formula``; the framework import
reverses it with ``unescape_formula``.

Every uploaded .xlsx (survey files, the framework import in the admin and on the command line) is
checked by ``scan_xlsx`` before a parser sees it, and parsed through ``run_with_memory_limit``.
"""

import faulthandler
import logging
import multiprocessing
import re
import resource
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

FORMULA_CHARS = ("=", "+", "-", "@")
# A cell starting with one of these is escaped whatever follows: programs differ in what they skip.
CONTROL_START = ("\t", "\r", "\n")


def _starts_formula(text: str) -> bool:
    return text.startswith(CONTROL_START) or text.lstrip().startswith(FORMULA_CHARS)


def escape_formula(value):
    """Text that would start a formula, made inert by a leading apostrophe; any other value unchanged."""
    if isinstance(value, str) and _starts_formula(value):
        return "'" + value
    return value


def unescape_formula(text: str) -> str:
    """The text ``escape_formula`` was given: its apostrophe removed, other text unchanged."""
    if text.startswith("'") and _starts_formula(text[1:]):
        return text[1:]
    return text


# --- Reading .xlsx files that users upload, bounded before any library builds a grid -------------------------

CHUNK = 1024 * 1024
_TAIL = 512
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,4})(\d{1,8})"')
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d{1,8})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]{1,4})(\d{1,8})(?::([A-Z]{1,4})(\d{1,8}))?"')
_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3})(\d+)"[^>]*>\s*<(?:\w+:)?f[\s>/]')


class SpreadsheetRefused(Exception):
    """The file may not be read; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class XlsxLimits:
    """What one kind of upload may hold; rows and columns are the farthest cell referenced, not a count."""

    max_uncompressed: int
    max_members: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_formulas: int = 10_000


@dataclass
class XlsxScan:
    max_row: int = 0
    max_column: int = 0
    cells: int = 0
    formula_cells: set[tuple[int, int]] = field(default_factory=set)


def column_number(letters: bytes | str) -> int:
    """A → 1, Z → 26, AA → 27."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def _check_extent(scan: XlsxScan, limits: XlsxLimits, row: int, column: int) -> None:
    if row > scan.max_row:
        scan.max_row = row
    if column > scan.max_column:
        scan.max_column = column
    if scan.max_row > limits.max_rows:
        raise SpreadsheetRefused(
            _("The sheet reaches row %(row)d; at most %(max)d rows are accepted.")
            % {"row": scan.max_row, "max": limits.max_rows}
        )
    if scan.max_column > limits.max_columns:
        raise SpreadsheetRefused(
            _("The sheet reaches column %(col)d; at most %(max)d columns are accepted.")
            % {"col": scan.max_column, "max": limits.max_columns}
        )
    if scan.max_row * scan.max_column > limits.max_cells:
        raise SpreadsheetRefused(
            _("The sheet spans %(rows)d rows × %(cols)d columns; at most %(max)d cells are accepted.")
            % {"rows": scan.max_row, "cols": scan.max_column, "max": limits.max_cells}
        )


def _scan_sheet(member, scan: XlsxScan, limits: XlsxLimits, budget: list[int], formulas: bool) -> None:
    """Stream one worksheet part: every dimension, row and cell reference, and the number of cells."""
    tail = b""
    rows = 0
    while chunk := member.read(CHUNK):
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise _Expands
        window = tail + chunk
        fresh = len(tail)  # a match ending inside the tail was seen with the previous chunk
        for m in _DIMENSION.finditer(window):
            if m.end() > fresh:
                _check_extent(scan, limits, int(m.group(4) or m.group(2)), column_number(m.group(3) or m.group(1)))
        for m in _ROW_REF.finditer(window):
            if m.end() > fresh:
                _check_extent(scan, limits, int(m.group(1)), scan.max_column or 1)
        for m in _CELL_REF.finditer(window):
            if m.end() > fresh:
                _check_extent(scan, limits, int(m.group(2)), column_number(m.group(1)))
        # Cells and rows without references are placed one after the other by readers: count them too.
        scan.cells += sum(1 for m in _CELL.finditer(window) if m.end() > fresh)
        rows += sum(1 for m in _ROW.finditer(window) if m.end() > fresh)
        if scan.cells > limits.max_cells or rows > limits.max_rows:
            raise SpreadsheetRefused(
                _("The sheet holds more than %(max)d cells or %(rows)d rows; it is refused.")
                % {"max": limits.max_cells, "rows": limits.max_rows}
            )
        if formulas and b"<f" in window:
            for m in _FORMULA_CELL.finditer(window):
                if m.end() > fresh:
                    scan.formula_cells.add((int(m.group(2)), column_number(m.group(1)) - 1))
            if len(scan.formula_cells) > limits.max_formulas:
                raise SpreadsheetRefused(
                    _("The sheet holds more than %(n)d formulas; a survey file holds answers, not formulas.")
                    % {"n": limits.max_formulas}
                )
        tail = window[-_TAIL:]


class _Expands(Exception):
    pass


class ParseFailed(Exception):
    """The child parsing a file failed for a reason other than the file (its text is for the log only)."""


def scan_xlsx(path, limits: XlsxLimits, *, formulas_of: str | None = None) -> XlsxScan:
    """Check an .xlsx archive before any parser sees it; raise ``SpreadsheetRefused`` when it exceeds ``limits``.

    Member count and declared sizes first (cheap), then every member inflated in a stream and counted (a
    forged header can under-declare), and every worksheet scanned for the farthest cell it references
    (its ``<dimension>``, ``<row r>`` and ``<c r>``): a reader builds a grid that large, so a 2 KB sheet
    with one cell at XFD1048576 is refused here instead of asking for hundreds of gigabytes.
    ``formulas_of``: the worksheet part whose formula cells are collected (0-based columns).
    """
    if not zipfile.is_zipfile(path):
        raise SpreadsheetRefused(_("The file is not a real .xlsx spreadsheet (it is not a zip archive)."))
    scan = XlsxScan()
    too_big = _("The file expands to more than %(mb)d MB when unpacked; it is refused.") % {
        "mb": limits.max_uncompressed // 2**20
    }
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_members:
                raise SpreadsheetRefused(
                    _("The file has too many parts (%(n)d) to be a spreadsheet.") % {"n": len(infos)}
                )
            if sum(i.file_size for i in infos) > limits.max_uncompressed:
                raise SpreadsheetRefused(too_big)
            budget = [limits.max_uncompressed]
            for info in infos:
                with archive.open(info) as member:
                    if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                        _scan_sheet(member, scan, limits, budget, formulas=info.filename == formulas_of)
                    else:
                        while chunk := member.read(CHUNK):
                            budget[0] -= len(chunk)
                            if budget[0] < 0:
                                raise _Expands
    except _Expands:
        raise SpreadsheetRefused(too_big) from None
    except SpreadsheetRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        # RuntimeError: encrypted member; NotImplementedError: unsupported compression.
        raise SpreadsheetRefused(_("The file is a damaged or encrypted archive and cannot be read.")) from exc
    return scan


def _data_bytes() -> int:
    """The process's data size now (heap and anonymous mappings, what RLIMIT_DATA counts)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(send, func, args, limit_bytes):
    # The limit covers the heap and every anonymous mapping (RLIMIT_DATA): a parser asking for more gets a
    # MemoryError or aborts, and only this child dies. It is counted from what the child inherited, so a
    # long-lived worker with a larger heap gives its parse the same room as a fresh one.
    cap = _data_bytes() + limit_bytes
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    faulthandler.disable()  # an abort here is an expected outcome, not a crash report
    try:
        send.send(("ok", func(*args)))
    except SpreadsheetRefused as exc:
        send.send(("refused", exc.message))
    except MemoryError:
        send.send(("memory", None))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent as text
        send.send(("error", f"{type(exc).__name__}: {exc}"[:500]))
    finally:
        send.close()


def run_with_memory_limit(
    func: Callable[..., Any],
    *args: Any,
    limit_bytes: int | None = None,
    timeout: float = 600,
    uses_database: bool = False,
) -> Any:
    """``func(*args)`` in a forked child that may use ``limit_bytes`` (SPREADSHEET_MEMORY_LIMIT_BYTES) more memory.

    The result comes back pickled. A child that runs out of memory, aborts (a native parser's allocation
    failure) or outlives ``timeout`` raises ``SpreadsheetRefused``; the calling process is never at risk.
    ``uses_database``: the child reads or writes the database; the caller must then hold no open
    transaction, because the parent's connections are closed so that each side opens its own (a child
    that does not use the database leaves the inherited sockets alone and exits without closing them).
    """
    # Load the parsers' native libraries here: once the child's cap is set, mapping them may be refused.
    import openpyxl  # noqa: F401
    import python_calamine  # noqa: F401
    from django.db import connections

    limit = limit_bytes or settings.SPREADSHEET_MEMORY_LIMIT_BYTES
    if uses_database:
        connections.close_all()
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(send, func, args, limit), daemon=True)
    process.start()
    send.close()
    outcome, timed_out = None, False
    try:
        if receive.poll(timeout):
            outcome = receive.recv()
        else:
            timed_out = True
    except EOFError:
        outcome = None  # the child died without answering: killed by the memory limit or aborted
    finally:
        if timed_out and process.is_alive():
            process.kill()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        receive.close()
    memory_message = _("Reading the file needs more than %(mb)d MB of memory; it is refused.") % {"mb": limit // 2**20}
    if timed_out:
        raise SpreadsheetRefused(_("Reading the file took too long; it is refused."))
    if outcome is None:
        raise SpreadsheetRefused(memory_message)
    kind, value = outcome
    if kind == "ok":
        return value
    if kind == "refused":
        raise SpreadsheetRefused(value)
    if kind == "memory":
        raise SpreadsheetRefused(memory_message)
    raise ParseFailed(value)


def _rows_of_first_sheet(path: str) -> list[list]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    finally:
        workbook.close()


def read_xlsx_rows(content: bytes, limits: XlsxLimits) -> list[list]:
    """The first sheet's rows of an uploaded .xlsx, checked by ``scan_xlsx`` and parsed under the memory cap."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        tmp.write(content)
        tmp.flush()
        scan_xlsx(tmp.name, limits)
        try:
            return run_with_memory_limit(_rows_of_first_sheet, tmp.name)
        except ParseFailed as exc:
            # openpyxl's own error (damaged XML, refused entities): logged, not shown.
            logger.warning("spreadsheet not readable: %s", exc)
            raise SpreadsheetRefused(_("The file is not a readable .xlsx workbook.")) from exc
