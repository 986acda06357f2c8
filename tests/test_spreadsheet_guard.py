"""The guarded .xlsx reading: a streaming scan of cell references and sizes, and parsing under a memory cap."""

import io
import os
import zipfile

import pytest

from parindex.spreadsheets import ParseFailed, SpreadsheetRefused, XlsxLimits, run_with_memory_limit, scan_xlsx
from tests.data.hostile.make_corpus import SHEET_HEAD, SHEET_TAIL, inline_cell, workbook

LIMITS = XlsxLimits(
    max_uncompressed=50 * 2**20, max_members=100, max_rows=200_000, max_columns=300, max_cells=6_000_000
)


def write(tmp_path, data: bytes):
    path = tmp_path / "f.xlsx"
    path.write_bytes(data)
    return path


def sheet(*cells: bytes, dimension: bytes = b"") -> bytes:
    head = SHEET_HEAD.replace(b"<sheetData>", dimension + b"<sheetData>")
    return workbook(head + b'<row r="1">' + b"".join(cells) + b"</row>" + SHEET_TAIL)


def test_a_single_cell_at_the_last_address_is_refused_from_a_tiny_file(tmp_path):
    data = sheet(inline_cell("A1", "unit_code"), inline_cell("XFD1048576", "x"))
    assert len(data) < 2048
    with pytest.raises(SpreadsheetRefused, match="1048576"):
        scan_xlsx(write(tmp_path, data), LIMITS)


def test_a_far_cell_within_the_column_limit_is_refused_by_rows_times_columns(tmp_path):
    # Column 300 is allowed, row 150 000 is allowed; together 45 million cells, a grid of gigabytes.
    data = sheet(inline_cell("A1", "unit_code"), inline_cell("KN150000", "x"))
    with pytest.raises(SpreadsheetRefused, match="150000"):
        scan_xlsx(write(tmp_path, data), LIMITS)


def test_a_dimension_claiming_the_whole_sheet_is_refused(tmp_path):
    data = sheet(inline_cell("A1", "unit_code"), dimension=b'<dimension ref="A1:XFD1048576"/>')
    with pytest.raises(SpreadsheetRefused):
        scan_xlsx(write(tmp_path, data), LIMITS)


def test_cells_without_references_are_counted(tmp_path):
    cells = b"<c><v>1</v></c>" * 1000
    data = workbook(SHEET_HEAD + (b"<row>" + cells + b"</row>") * 10 + SHEET_TAIL)
    with pytest.raises(SpreadsheetRefused):
        scan_xlsx(
            write(tmp_path, data),
            XlsxLimits(max_uncompressed=2**26, max_members=100, max_rows=100, max_columns=300, max_cells=5000),
        )


def test_an_archive_expanding_beyond_the_cap_is_refused_while_inflating(tmp_path):
    buf = io.BytesIO(sheet(inline_cell("A1", "unit_code")))
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/pad.bin", b"\0" * (60 * 2**20))
    with pytest.raises(SpreadsheetRefused, match="50 MB"):
        scan_xlsx(write(tmp_path, buf.getvalue()), LIMITS)


def test_an_ordinary_sheet_passes_with_its_extent(tmp_path):
    data = sheet(inline_cell("A1", "unit_code"), inline_cell("C1", "Q1"))
    scan = scan_xlsx(write(tmp_path, data), LIMITS)
    assert (scan.max_row, scan.max_column) == (1, 3)


def _allocate(mb: int) -> int:
    block = bytearray(mb * 2**20)
    return len(block)


def test_parsing_within_the_memory_limit_returns_its_result():
    assert run_with_memory_limit(_allocate, 16, limit_bytes=256 * 2**20) == 16 * 2**20


def test_parsing_beyond_the_memory_limit_fails_the_file_not_the_process():
    with pytest.raises(SpreadsheetRefused, match="256 MB"):
        run_with_memory_limit(_allocate, 1024, limit_bytes=256 * 2**20)


def _abort():
    os.abort()  # what a native parser does when an allocation fails


def test_a_parser_that_aborts_kills_only_its_child():
    with pytest.raises(SpreadsheetRefused):
        run_with_memory_limit(_abort, limit_bytes=256 * 2**20)


def _broken():
    raise ValueError("SELECT secret FROM table")


def test_other_failures_of_the_child_are_not_shown_as_the_files_fault():
    with pytest.raises(ParseFailed):
        run_with_memory_limit(_broken, limit_bytes=256 * 2**20)


def test_framework_reader_refuses_a_workbook_openpyxl_cannot_read_with_a_plain_message():
    from parindex.spreadsheets import read_xlsx_rows
    from tests.security.test_hostile_uploads import CORPUS_DIR

    with pytest.raises(SpreadsheetRefused) as refused:
        read_xlsx_rows((CORPUS_DIR / "xml_entities.xlsx").read_bytes(), LIMITS)
    assert "Error" not in refused.value.message


def test_the_cap_counts_from_what_a_long_lived_process_already_holds():
    held = bytearray(300 * 2**20)  # a worker whose heap grew over its life
    assert run_with_memory_limit(_allocate, 16, limit_bytes=256 * 2**20) == 16 * 2**20
    with pytest.raises(SpreadsheetRefused):
        run_with_memory_limit(_allocate, 512, limit_bytes=256 * 2**20)
    del held
