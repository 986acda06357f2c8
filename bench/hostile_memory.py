"""Peak memory and time of every hostile input (and the largest legitimate ones) on each file path.

    .venv/bin/python bench/hostile_memory.py [--skip-large]

Each input is read in a fresh process (``--one KIND PATH``) exactly as the application reads it: the survey
reader (streaming scan, then calamine in a child under SPREADSHEET_MEMORY_LIMIT_BYTES, rows iterated as the
preview does), the framework import format (scan, then openpyxl in a child), and the evidence check with its
active-content scan. No database is touched: staging rows is a streaming COPY whose memory does not depend
on the file. Peak RSS is the larger of the reading process and its parsing child (``ru_maxrss``). The
largest legitimate inputs are generated into a temporary directory: a survey sheet at the cell limit
(100 000 rows x 30 columns), one twice as large, and a framework at its row limit. The last line printed is one JSON object.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
HOSTILE = ROOT / "tests" / "data" / "hostile"


def read_survey(path: str) -> str:
    from surveys import reader

    name = Path(path).name
    try:
        reader.check_container(path, name)
        with reader.open_sheet(path, name) as sheet:
            rows = sum(1 for _ in sheet.rows)
    except reader.FileRejected as exc:
        return f"refused: {exc.message[:90]}"
    return f"read: {rows} rows"


def _survey_in_child(path: str) -> str:
    from parindex.spreadsheets import SpreadsheetRefused, run_with_memory_limit

    try:
        return run_with_memory_limit(read_survey, path)
    except SpreadsheetRefused as exc:
        return f"refused: {exc.message[:90]}"


def read_framework(path: str) -> str:
    from assessments.resources import GuardedXLSX
    from parindex.spreadsheets import SpreadsheetRefused

    try:
        dataset = GuardedXLSX().create_dataset(Path(path).read_bytes())
    except SpreadsheetRefused as exc:
        return f"refused: {exc.message[:90]}"
    except Exception as exc:  # noqa: BLE001 - what the admin form would show
        return f"refused: {type(exc).__name__}"
    return f"read: {len(dataset)} rows"


def read_evidence(path: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.active_content import scan_active_content
    from assessments.services.evidence import _extension, check_evidence_file

    upload = SimpleUploadedFile(Path(path).name, Path(path).read_bytes())
    try:
        check_evidence_file(upload)
    except ValidationError:
        return "refused: type or size"
    flags = scan_active_content(upload, _extension(upload.name))
    return "accepted" + (f", flagged {','.join(flags)}" if flags else "")


KINDS = {"survey": _survey_in_child, "framework": read_framework, "evidence": read_evidence}


def one(kind: str, path: str) -> None:
    import django

    django.setup()
    started = time.perf_counter()
    outcome = KINDS[kind](path)
    seconds = time.perf_counter() - started
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    print(json.dumps({"outcome": outcome, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_kb / 1024, 1)}))


def sheet_xml_rows(rows: int, cols: int):
    yield b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    header = "".join(
        f'<c r="{_col(c)}1" t="inlineStr"><is><t>{"unit_code" if c == 0 else "form_id" if c == 1 else f"Q{c}"}</t></is></c>'
        for c in range(cols)
    )
    yield f'<row r="1">{header}</row>'.encode()
    for r in range(2, rows + 2):
        cells = f'<c r="A{r}" t="inlineStr"><is><t>SNV</t></is></c><c r="B{r}" t="inlineStr"><is><t>F{r}</t></is></c>'
        cells += "".join(f'<c r="{_col(c)}{r}"><v>{1 + (r + c) % 5}</v></c>' for c in range(2, cols))
        yield f'<row r="{r}">{cells}</row>'.encode()
    yield b"</sheetData></worksheet>"


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def large_xlsx(path: Path, rows: int, cols: int) -> None:
    from tests.data.hostile.make_corpus import CONTENT_TYPES, ROOT_RELS, WORKBOOK, WORKBOOK_RELS

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ):
            z.writestr(name, data)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for chunk in sheet_xml_rows(rows, cols):
                f.write(chunk)


def inputs(skip_large: bool, tmp: Path) -> list[tuple[str, str, Path]]:
    from tests.data.hostile.make_corpus import ACTIVE, CORPUS

    found = []
    for name in sorted(CORPUS):
        if name.endswith((".xlsx", ".csv")):
            found.append(("survey", name, HOSTILE / name))
        if name.endswith(".xlsx"):
            found.append(("framework", name, HOSTILE / name))
        found.append(("evidence", name, HOSTILE / name))
    for name in sorted(ACTIVE):
        found.append(("evidence", f"active/{name}", HOSTILE / "active" / name))
    if not skip_large:
        survey = tmp / "survey_100000x30.xlsx"
        large_xlsx(survey, 100_000 - 1, 30)
        found.append(("survey", "largest legitimate: 100 000 rows x 30 columns (3 M cells, the limit)", survey))
        over = tmp / "survey_200000x30.xlsx"
        large_xlsx(over, 200_000 - 1, 30)
        found.append(("survey", "200 000 rows x 30 columns (6 M cells, over the limit)", over))
        framework = tmp / "framework_5000_rows.xlsx"
        large_xlsx(framework, 4_999, 12)
        found.append(("framework", "largest legitimate: 5 000 rows x 12 columns", framework))
        bomb = tmp / "evidence_bomb.docx"
        with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            with z.open("word/document.xml", "w", force_zip64=True) as f:
                block = b" " * 2**20
                for _ in range(1024):
                    f.write(block)
        found.append(("evidence", "docx whose document.xml expands to 1 GB", bomb))
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", nargs=2, metavar=("KIND", "PATH"))
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    if args.one:
        one(*args.one)
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, label, path in inputs(args.skip_large, Path(tmp)):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, __file__, "--one", kind, str(path)],
                capture_output=True,
                text=True,
                timeout=900,
                cwd=ROOT,
            )
            wall = time.perf_counter() - started
            try:
                result = json.loads(done.stdout.strip().splitlines()[-1])
            except (IndexError, json.JSONDecodeError):
                result = {
                    "outcome": f"process died ({done.returncode}): {done.stderr[-200:]}",
                    "seconds": round(wall, 2),
                    "peak_rss_mb": None,
                }
            row = {"kind": kind, "input": label, "size_kb": round(path.stat().st_size / 1024, 1), **result}
            rows.append(row)
            print(
                f"{kind:9} {label[:60]:60} {row['size_kb']:>9} KB  {row['peak_rss_mb']!s:>7} MB  {row['seconds']:>7} s  {row['outcome']}",
                flush=True,
            )
    largest = {}
    for row in rows:
        if row["peak_rss_mb"] is not None:
            largest[row["kind"]] = max(largest.get(row["kind"], 0), row["peak_rss_mb"])
    print(
        json.dumps(
            {
                "bench": "hostile_memory",
                "inputs": len(rows),
                "largest_peak_rss_mb": largest,
                "over_512_mb": [r["input"] for r in rows if (r["peak_rss_mb"] or 0) > 512],
                "rows": rows,
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
