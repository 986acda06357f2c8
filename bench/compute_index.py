"""Time one index run against a single SQL aggregate over the same score rows.

    DATABASE_URL=postgres://... .venv/bin/python bench/compute_index.py --units 11000

Builds a bench-only round (year 9990) with N units of one ranking group, a framework of 75 leaves
(66 self, 8 civil-servant survey, 1 SIPAS), a score for every self leaf of every unit and current
survey imports, then times index runs and the baseline ``GROUP BY unit`` aggregate, removes
everything it built, and prints one JSON object as its last line.

Both sides are timed ``--runs`` times (default 3) on the same data, in turn: ``seconds`` and
``baseline_seconds`` are the best runs, ``median_*`` the medians; ``ratio`` is best over best.
``computation_lines`` counts the lines of the computation: assessments/index_rules.py (the rules) and
rankings/computation.py (reading the inputs, the digest).

Where the time goes (PostgreSQL 15, 2 shared cores, 3 300 units: about 8 to 13 s a run as the load
allows): reading the inputs and applying the rules in Python (one ScoreInput per score row, a total per
node per unit, the digest line of every input record) 2,5 to 3,8 s; the COPY of the 3 300 results and
379 500 node rows 1,9 s; the foreign-key checks of those rows, deferred to the commit, 3,5 s (checked
immediately during the COPY instead: 6,8 s, slower). The bare GROUP BY reads the same rows without
applying any rule or writing anything, so the ratio is about 110 to 200 at every size: the price of
plain rules in one place and plain per-node rows with real foreign keys (DESIGN §5).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from assessments.models import Assessment, Framework, LeafScore, Node, RankingGroup, Round, Unit  # noqa: E402
from rankings import services  # noqa: E402
from rankings.models import IndexRun, NodeResult  # noqa: E402
from surveys.models import SurveyImport, SurveyLeafResult  # noqa: E402

YEAR = 9990
ROOT = Path(__file__).resolve().parent.parent
COMPUTATION_MODULES = ("assessments/index_rules.py", "rankings/computation.py")
GROUP = "bench-units"


def cleanup() -> None:
    with transaction.atomic():
        rnd = Round.objects.filter(year=YEAR).first()
        if rnd is not None:
            IndexRun.objects.filter(round=rnd).delete()
            SurveyImport.objects.filter(round=rnd).delete()
            # Raw deletes: the history signals of these models would otherwise load every row.
            scores = LeafScore.objects.filter(assessment__round=rnd)
            scores._raw_delete(scores.db)
            assessments = Assessment.objects.filter(round=rnd)
            assessments._raw_delete(assessments.db)
            Node.objects.filter(framework__round=rnd).order_by("-level").delete()
            Framework.objects.filter(round=rnd).delete()
            rnd.delete()
        Unit.objects.filter(group__code=GROUP).delete()
        RankingGroup.objects.filter(code=GROUP).delete()


def build_framework(rnd: Round, group: RankingGroup) -> tuple[list[Node], list[Node], Node]:
    fw = Framework.objects.create(
        round=rnd, group=group, title="Bench framework", target_total=Decimal("106"), target_self=Decimal("66")
    )
    order = 0
    self_leaves: list[Node] = []
    cs_leaves: list[Node] = []

    def node(**kw) -> Node:
        nonlocal order
        order += 1
        return Node.objects.create(framework=fw, order=order, **kw)

    for d in range(1, 9):
        extra = 1 if d <= 2 else 0  # domains 1 and 2 have a fifth criterion scored directly
        dom = node(level="domain", code=f"{d}", name=f"Lĩnh vực {d} – cải cách hành chính", max_points=Decimal("0"))
        for c in range(1, 5):
            crit = node(
                parent=dom,
                level="criterion",
                code=f"{d}.{c}",
                name=f"Tiêu chí {d}.{c} về thực hiện nhiệm vụ",
                max_points=Decimal("2"),
            )
            for s in range(1, 3):
                self_leaves.append(
                    node(
                        parent=crit,
                        level="sub_criterion",
                        code=f"{d}.{c}.{s}",
                        name=f"Tiêu chí thành phần {d}.{c}.{s}",
                        max_points=Decimal("1"),
                        source="self",
                        rule="manual",
                        params={"step": "0.01"},
                    )
                )
        if extra:
            self_leaves.append(
                node(
                    parent=dom,
                    level="criterion",
                    code=f"{d}.5",
                    name=f"Tiêu chí {d}.5",
                    max_points=Decimal("1"),
                    source="self",
                    rule="manual",
                )
            )
        cs_leaves.append(
            node(
                parent=dom,
                level="criterion",
                code=f"{d}.6",
                name=f"Khảo sát CBCCVC {d}",
                max_points=Decimal("2"),
                source="cs_survey",
            )
        )
    sipas = node(level="domain", code="9", name="SIPAS", max_points=Decimal("24"), source="sipas")
    return self_leaves, cs_leaves, sipas


def copy_rows(table: str, columns: list[str], rows) -> None:
    """COPY on PostgreSQL, executemany elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    batch: list = []
    with connection.cursor() as cur:
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", batch)
                batch = []
        if batch:
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", batch)


def build(units: int) -> tuple[Round, int]:
    cleanup()
    now = timezone.now()
    with transaction.atomic():
        group = RankingGroup.objects.create(code=GROUP, name="Bench", display_order=99)
        rnd = Round.objects.create(year=YEAR, title="Bench round", status="closed")
        self_leaves, cs_leaves, sipas = build_framework(rnd, group)
        Unit.objects.bulk_create(
            [
                Unit(code=f"BENCH-{i:06d}", name=f"Đơn vị thử nghiệm {i}", group=group, display_order=i)
                for i in range(units)
            ],
            batch_size=5000,
        )
        unit_ids = list(Unit.objects.filter(group=group).order_by("display_order").values_list("id", flat=True))
        Assessment.objects.bulk_create(
            [
                Assessment(round=rnd, unit_id=u, group=group, state="finalised" if i % 10 else "appraised")
                for i, u in enumerate(unit_ids)
            ],
            batch_size=5000,
        )
        assessments = list(Assessment.objects.filter(round=rnd).order_by("id").values_list("id", "unit_id"))

        def score_rows():
            for i, (a_id, _u) in enumerate(assessments):
                for j, leaf in enumerate(self_leaves):
                    app = Decimal((i * 7 + j * 13) % 101).scaleb(-2)
                    self_p = min(Decimal(1), app + Decimal("0.10"))
                    na = (i + j) % 97 == 0
                    yield (
                        a_id,
                        leaf.pk,
                        self_p,
                        app,
                        na,
                        "",
                        "",
                        "",
                        "",
                        "confirmed" if na else "",
                        False,
                        "",
                        "",
                        0,
                        now,
                    )

        copy_rows(
            LeafScore._meta.db_table,
            [
                "assessment_id",
                "node_id",
                "self_points",
                "app_points",
                "self_na",
                "self_na_reason",
                "self_note",
                "evidence_absence_note",
                "app_note",
                "na_decision",
                "flagged",
                "flag_request",
                "explanation",
                "version",
                "updated_at",
            ],
            score_rows(),
        )
        for kind, leaves in (("cs", cs_leaves), ("sipas", [sipas])):
            imp = SurveyImport.objects.create(
                round=rnd,
                survey=kind,
                file=f"bench/{kind}.xlsx",
                original_name=f"{kind}.xlsx",
                sha256=kind * 8,
                status="confirmed",
                is_current=True,
            )

            def survey_rows(imp=imp, leaves=leaves):
                for i, (_a, u) in enumerate(assessments):
                    for j, leaf in enumerate(leaves):
                        missing = (i + j) % 50 == 0
                        pts = (
                            None
                            if missing
                            else (leaf.max_points * Decimal((i * 3 + j) % 100) / 100).quantize(Decimal("0.01"))
                        )
                        yield (imp.pk, u, leaf.pk, 0 if missing else 30, pts)

            copy_rows(
                SurveyLeafResult._meta.db_table,
                ["survey_import_id", "unit_id", "leaf_id", "valid_answers", "points"],
                survey_rows(),
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            # Without the dead rows of earlier bench runs, which would slow the scans of both sides.
            cur.execute("VACUUM ANALYZE")
    return rnd, len(self_leaves) + len(cs_leaves) + 1


def baseline(rnd: Round) -> float:
    """Time of one run of the aggregate."""
    sql = (
        f"SELECT a.unit_id, SUM(COALESCE(s.app_points, s.self_points)) FROM {LeafScore._meta.db_table} s "  # noqa: S608
        f"JOIN {Assessment._meta.db_table} a ON a.id = s.assessment_id WHERE a.round_id = %s GROUP BY a.unit_id"
    )
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute(sql, [rnd.pk])
        rows = cur.fetchall()
        elapsed = time.perf_counter() - t
    assert rows
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=11000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side")
    parser.add_argument("--keep", action="store_true", help="keep the bench data (for profiling)")
    args = parser.parse_args()
    runs = args.runs

    t = time.perf_counter()
    rnd, leaves = build(args.units)
    print(
        f"built {args.units} units × {leaves} leaves on {connection.vendor} in {time.perf_counter() - t:.1f} s",
        file=sys.stderr,
    )
    try:
        statements: list[str] = []

        def count(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        base_times, times, queries = [], [], []
        for _ in range(runs):
            # The two sides alternate, so that a slower spell of a shared machine weighs on both.
            base_times.append(baseline(rnd))
            # Each run is a new index run of the same inputs, timed from its start to its commit.
            run, _ = services.index_run_create(round=rnd, trigger="bench", enqueue=False)
            statements.clear()
            with connection.execute_wrapper(count):
                t = time.perf_counter()
                services.index_run_execute(run_id=run.pk)
                times.append(time.perf_counter() - t)
            queries.append(len(statements))
            run.refresh_from_db()
            assert run.status == "succeeded", run.error
            assert run.results.count() == args.units
        assert len(set(queries)) == 1, queries
        seconds, base = min(times), min(base_times)
        # The results and node rows are written by two COPYs on PostgreSQL, which the wrapper does not see.
        copy_statements = 2 if connection.vendor == "postgresql" else 0
        lines = sum(len((ROOT / m).read_text().splitlines()) for m in COMPUTATION_MODULES)
        result = {
            "units": args.units,
            "leaves": leaves,
            "score_rows": LeafScore.objects.filter(assessment__round=rnd).count(),
            "database": connection.vendor,
            "seconds": round(seconds, 3),
            "baseline_seconds": round(base, 3),
            "ratio": round(seconds / base, 2),
            "queries": queries[0] + copy_statements,
            "copy_statements": copy_statements,
            "runs": runs,
            "computation_lines": lines,
            "node_result_rows": NodeResult.objects.filter(result__run=run).count(),
            "median_seconds": round(statistics.median(times), 3),
            "median_baseline_seconds": round(statistics.median(base_times), 3),
            "median_ratio": round(statistics.median(times) / statistics.median(base_times), 2),
        }
    finally:
        if not args.keep:
            cleanup()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
