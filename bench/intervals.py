"""Time the margin-of-error computation against a bare SQL aggregate over the same survey forms.

    DATABASE_URL=postgres://... .venv/bin/python bench/intervals.py --units 11000 --forms 100

Builds a bench-only round (year 9991) with N units, a current SIPAS import of F forms per unit answering
10 questions (2 per element), then times, ``--runs`` times each in turn: the interval computation
(``surveys.intervals.ratio_sums`` for the import, then every unit's SIPAS standard error) and the bare
aggregate (the histogram ``GROUP BY unit, question, answer`` that scoring already runs over the same forms).
Removes everything it built and prints one JSON object as its last line; ``ratio`` is best over best.

Measured (PostgreSQL 15, 2 cores shared with other work, 6 December 2026):
{"bench": "intervals", "database": "postgresql", "units": 11000, "forms_per_unit": 100, "questions": 10,
 "units_with_interval": 11000, "seconds": 53.492, "baseline_seconds": 18.899, "median_seconds": 73.86,
 "median_baseline_seconds": 21.054, "ratio": 2.83, "target_ratio": 10, "build_seconds": 86.8}
Both sides expand every form's JSON answers (jsonb_each_text); ours joins the option mapping, groups per form
and then per unit (two aggregation levels), which is where the factor of about 3 goes. SQLite, 200 units:
ratio 10,6.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from assessments.models import RankingGroup, Round, Unit  # noqa: E402
from surveys.intervals import ratio_sums, sipas_uncertainty  # noqa: E402
from surveys.models import SurveyImport, SurveyQuestion, SurveyResponse  # noqa: E402
from surveys.services.results import unit_histograms  # noqa: E402

YEAR = 9991
GROUP = "bench-intervals"
QUESTIONS = [(f"B{e}{i}", e) for e in range(1, 6) for i in (1, 2)]


def cleanup() -> None:
    with transaction.atomic():
        rnd = Round.objects.filter(year=YEAR).first()
        if rnd is not None:
            imports = SurveyImport.objects.filter(round=rnd)
            SurveyResponse.objects.filter(survey_import__in=imports).delete()
            imports.delete()
            rnd.delete()
        Unit.objects.filter(group__code=GROUP).delete()
        RankingGroup.objects.filter(code=GROUP).delete()


def build(units: int, forms: int) -> tuple[Round, SurveyImport]:
    rng = random.Random(9991)
    with transaction.atomic():
        group = RankingGroup.objects.create(code=GROUP, name="Bench", display_order=99)
        rnd = Round.objects.create(year=YEAR, title="Bench intervals")
        Unit.objects.bulk_create(
            [Unit(code=f"BI{i:05d}", name=f"Đơn vị {i}", group=group, display_order=i) for i in range(units)],
            batch_size=5000,
        )
        for n, (code, element) in enumerate(QUESTIONS):
            SurveyQuestion.objects.create(round=rnd, survey="sipas", code=code, text=code, element=element, order=n)
        imp = SurveyImport.objects.create(
            round=rnd,
            survey="sipas",
            file="bench.xlsx",
            original_name="bench.xlsx",
            sha256="9" * 64,
            status="confirmed",
            is_current=True,
        )
    unit_ids = list(Unit.objects.filter(group=group).order_by("pk").values_list("pk", flat=True))
    columns = (
        "survey_import_id",
        "unit_id",
        "row_number",
        "form_id",
        "attributes",
        "answers",
        "valid",
        "invalid_reasons",
    )
    table = SurveyResponse._meta.db_table

    def rows():
        row = 1
        for uid in unit_ids:
            satisfaction = rng.uniform(0.6, 0.95)
            for f in range(forms):
                answers = {
                    code: rng.choice("45") if rng.random() < satisfaction else rng.choice("123")
                    for code, _e in QUESTIONS
                }
                row += 1
                yield (imp.pk, uid, row, f"F{uid}-{f}", "{}", json.dumps(answers), True, "[]")

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # noqa: S608
                for r in rows():
                    copy.write_row(r)
        else:
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            batch = []
            for r in rows():
                batch.append(r)
                if len(batch) == 10000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")  # noqa: S608
    return rnd, imp


def intervals(rnd: Round, imp: SurveyImport) -> int:
    sums = ratio_sums(import_id=imp.pk, round_id=rnd.pk, survey="sipas")
    return sum(1 for per_unit in sums.values() if sipas_uncertainty(per_unit).se_pct is not None)


def baseline(imp: SurveyImport) -> int:
    return len(unit_histograms(imp.pk))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=11000)
    parser.add_argument("--forms", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cleanup()
    started = time.perf_counter()
    rnd, imp = build(args.units, args.forms)
    build_seconds = time.perf_counter() - started
    ours, base = [], []
    try:
        for _ in range(args.runs):
            t = time.perf_counter()
            measured = intervals(rnd, imp)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            baseline(imp)
            base.append(time.perf_counter() - t)
    finally:
        cleanup()
    print(
        json.dumps(
            {
                "bench": "intervals",
                "database": connection.vendor,
                "units": args.units,
                "forms_per_unit": args.forms,
                "questions": len(QUESTIONS),
                "units_with_interval": measured,
                "seconds": round(min(ours), 3),
                "baseline_seconds": round(min(base), 3),
                "median_seconds": round(statistics.median(ours), 3),
                "median_baseline_seconds": round(statistics.median(base), 3),
                "ratio": round(min(ours) / min(base), 2),
                "target_ratio": 10,
                "build_seconds": round(build_seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
