"""Benchmark of a survey import: preview + confirm end to end against a bare read + COPY baseline.

    DATABASE_URL=postgres://... .venv/bin/python bench/survey_import.py --rows 100000

Sets up its own round (year 9999, title "BENCH …"), ranking group ``bench``, 28 units ``BENCH…``,
a framework with one SIPAS leaf and 22 SIPAS questions, and removes all of it afterwards.
The file (22 answer columns + 5 attribute columns) is generated in a child process so that
``peak_rss_mb`` measures the import, not the generator. Import and baseline are timed ``--repeat``
times, alternately, and the fastest of each is reported (the machine's load varies). The last
line printed is one JSON object.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")

BENCH_YEAR = 9999
UNITS = [f"BENCH{i:03d}" for i in range(28)]
ELEMENT_SIZES = {1: 5, 2: 5, 3: 4, 4: 4, 5: 4}  # 22 questions
QUESTIONS = [(f"Q{e}_{i + 1}", e) for e, n in ELEMENT_SIZES.items() for i in range(n)]
ATTRS = ["gioi_tinh", "nhom_tuoi", "trinh_do", "nghe_nghiep", "hinh_thuc"]


def generate(path: str, rows: int, seed: int = 2021) -> None:
    from openpyxl import Workbook

    rnd = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Phieu")
    ws.append(["ma_don_vi", "ma_phieu", *ATTRS, *(c for c, _ in QUESTIONS)])
    weights = [2, 3, 7, 45, 43]
    for n in range(rows):
        answers = rnd.choices([1, 2, 3, 4, 5], weights=weights, k=len(QUESTIONS))
        if n % 50 == 0:
            answers[n % len(QUESTIONS)] = None
        ws.append(
            [
                UNITS[n % len(UNITS)],
                f"P{n:07d}",
                rnd.choice(["Nam", "Nữ"]),
                rnd.choice(["18-29", "30-39", "40-49", "50+"]),
                rnd.choice(["THPT", "Đại học", "Sau đại học"]),
                rnd.choice(["Nông dân", "Công nhân", "Kinh doanh"]),
                rnd.choice(["Giấy", "Trực tuyến"]),
                *answers,
            ]
        )
    wb.save(path)


def setup_bench():
    from assessments.models import Assessment, Framework, Node, RankingGroup, Round, Unit
    from surveys.models import SurveyQuestion

    teardown_bench()
    group = RankingGroup.objects.create(code="bench", name="BENCH group", display_order=999)
    rnd = Round.objects.create(year=BENCH_YEAR, title="BENCH survey import (temporary)")
    fw = Framework.objects.create(
        round=rnd,
        group=group,
        title="BENCH framework",
        target_total=Decimal(24),
        target_self=Decimal(0),
        target_cs_survey=Decimal(0),
        target_sipas=Decimal(24),
    )
    Node.objects.create(framework=fw, level="domain", code="9", name="SIPAS", max_points=Decimal(24), source="sipas")
    for i, code in enumerate(UNITS):
        unit = Unit.objects.create(code=code, name=f"BENCH unit {i}", group=group, display_order=i)
        Assessment.objects.create(round=rnd, unit=unit, group=group)
    for order, (code, element) in enumerate(QUESTIONS):
        SurveyQuestion.objects.create(
            round=rnd, survey="sipas", code=code, text=f"BENCH {code}", element=element, order=order
        )
    return rnd


def teardown_bench():
    from assessments.models import Assessment, RankingGroup, Round, Unit
    from surveys.models import SurveyImport, SurveyLeafResult, SurveyResponse, SurveyUnitResult

    imports = SurveyImport.objects.filter(round__year=BENCH_YEAR)
    for imp in imports:
        if imp.file:
            imp.file.delete(save=False)
    SurveyLeafResult.objects.filter(survey_import__in=imports).delete()
    SurveyUnitResult.objects.filter(survey_import__in=imports).delete()
    SurveyResponse.objects.filter(survey_import__in=imports).delete()
    imports.delete()
    Round.objects.filter(year=BENCH_YEAR).delete()
    Assessment.objects.filter(unit__code__in=UNITS).delete()
    Unit.objects.filter(code__in=UNITS).delete()
    RankingGroup.objects.filter(code="bench").delete()


def baseline(path: str) -> float:
    """Bare python-calamine read of the file + COPY of the same rows into a plain temporary table."""
    from django.db import connection
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    rows = sheet.iter_rows()
    header = next(rows)
    cols = ", ".join(f"c{i} text" for i in range(len(header)))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_baseline ({cols})")
        if connection.vendor == "postgresql":
            with cursor.copy("COPY bench_baseline FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(["" if v == "" else str(v) for v in row])
        else:
            marks = ", ".join(["%s"] * len(header))
            cursor.executemany(f"INSERT INTO bench_baseline VALUES ({marks})", [[str(v) for v in r] for r in rows])
        cursor.execute("DROP TABLE bench_baseline")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions; the fastest of each is reported")
    parser.add_argument("--generate-only", metavar="PATH")
    args = parser.parse_args()
    if args.generate_only:
        generate(args.generate_only, args.rows)
        return

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from surveys.models import ImportStatus
    from surveys.services.imports import survey_import_file

    with tempfile.TemporaryDirectory() as tmp:
        settings.MEDIA_ROOT = tmp
        path = os.path.join(tmp, f"bench_{args.rows}.xlsx")
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--generate-only", path], check=True)
        print(
            f"generated {args.rows} rows ({os.path.getsize(path) / 2**20:.1f} MB) in {time.perf_counter() - t:.1f}s",
            file=sys.stderr,
        )
        import_times, baseline_times = [], []
        try:
            rnd = setup_bench()
            for _ in range(max(args.repeat, 1)):
                # Import and baseline alternate so that both see the same machine load.
                start = time.perf_counter()
                imp = survey_import_file(
                    round=rnd, survey="sipas", path=path, user=None, accept_invalid=True, allow_reimport=True
                )
                import_times.append(time.perf_counter() - start)
                if imp.status != ImportStatus.CONFIRMED or imp.rows_total != args.rows:
                    raise SystemExit(f"import did not complete: {imp.status} {imp.error} rows={imp.rows_total}")
                baseline_times.append(baseline(path))
            peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        finally:
            teardown_bench()
    seconds, base = min(import_times), min(baseline_times)
    print(
        f"import runs {[round(t, 2) for t in import_times]}, baseline runs {[round(t, 2) for t in baseline_times]}",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "rows": args.rows,
                "database": connection.vendor,
                "seconds": round(seconds, 3),
                "rows_per_second": round(args.rows / seconds),
                "baseline_seconds": round(base, 3),
                "ratio": round(seconds / base, 2),
                "peak_rss_mb": round(peak_rss_mb, 1),
                "repeat": len(import_times),
            }
        )
    )


if __name__ == "__main__":
    main()
