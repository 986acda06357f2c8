"""Generators of hostile and broken files (also used to write the corpus in tests/data/surveys)."""

import io
import re
import zipfile

from tests.surveys.factories import form_row, header_for, xlsx_bytes


def not_a_spreadsheet() -> bytes:
    return b"%PDF-1.4\n% this is not a spreadsheet\n" * 20


def zip_not_xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    return buf.getvalue()


def zip_bomb(expanded_bytes: int) -> bytes:
    """A real workbook plus a member of zeros that expands to ``expanded_bytes``."""
    buf = io.BytesIO(xlsx_bytes(header_for(["S1"]), [form_row("SNV", "F1", [5])]))
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * expanded_bytes)
    return buf.getvalue()


def many_members(n: int) -> bytes:
    buf = io.BytesIO(xlsx_bytes(header_for(["S1"]), [form_row("SNV", "F1", [5])]))
    with zipfile.ZipFile(buf, "a") as zf:
        for i in range(n):
            zf.writestr(f"xl/media/m{i}.txt", "")
    return buf.getvalue()


def with_forged_formula_value(codes, rows, forged="5") -> bytes:
    """openpyxl writes formulas without a cached value; give them one (what a hostile file would claim)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes(header_for(codes), rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<f>([^<]*)</f>\s*<v\s*/?>(</v>)?", rb"<f>\1</f><v>" + forged.encode() + rb"</v>", data)
            dst.writestr(item, data)
    return out.getvalue()


def empty_sheet() -> bytes:
    return xlsx_bytes(None, [])


def wide_csv(columns: int) -> bytes:
    return ("ma_don_vi,ma_phieu," + ",".join(f"c{i}" for i in range(columns)) + "\nSNV,F1\n").encode()


def latin1_csv() -> bytes:
    return "ma_don_vi,ma_phieu,S1\nSNV,Café-1,5\n".encode("latin-1")


def not_text_csv() -> bytes:
    """Neither UTF-8 nor UTF-16, and bytes Windows-1258 leaves undefined (0x81, 0x8A, 0x9D)."""
    return b"ma_don_vi,ma_phieu,S1\nSNV,\x81\x8a\x9d,5\n"


def utf16_csv() -> bytes:
    return "ma_don_vi,ma_phieu,S1\nSNV,Phiếu-1,5\n".encode("utf-16")


CORPUS = {
    "not_a_spreadsheet.xlsx": not_a_spreadsheet,
    "zip_not_xlsx.xlsx": zip_not_xlsx,
    "empty_sheet.xlsx": empty_sheet,
    "many_members.xlsx": lambda: many_members(1200),
    "formula_forged_value.xlsx": lambda: with_forged_formula_value(["S1"], [form_row("SNV", "F1", ["=2+3"])]),
    "utf16.csv": utf16_csv,
    "latin1.csv": latin1_csv,
    "not_text.csv": not_text_csv,
    "binary.csv": lambda: b"\x00\x01\x02PK\x03\x04" * 50,
}
