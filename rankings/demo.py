"""Demo step 4 (DEMO.md): the index of the past rounds 2019 and 2020, computed and published.

Idempotent: a round whose latest published run was computed from the same inputs (same digest) is
left alone; otherwise a run is computed through the services and published as the demo admin.
2021 is left to ``manage.py compute_index --round 2021 --publish``.
"""

from __future__ import annotations

from assessments.models import Assessment, Round
from parindex.models import User
from rankings import services
from rankings.computation import compute_round
from rankings.models import RunStatus
from rankings.selectors import run_latest_published

DEMO_YEARS = (2019, 2020)


def load_demo_results() -> dict:
    """Compute and publish 2019 and 2020; returns {"created": runs published, "message": summary}."""
    admin = (
        User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    created = 0
    lines = []
    for year in DEMO_YEARS:
        rnd = Round.objects.filter(year=year).first()
        if rnd is None or admin is None or not Assessment.objects.filter(round=rnd).exists():
            lines.append(f"{year}: nothing to compute")
            continue
        published = run_latest_published(round=rnd)
        if published is not None and published.digest == compute_round(round=rnd).digest:
            lines.append(f"{year}: published results are up to date")
            continue
        run, _ = services.index_run_create(round=rnd, user=admin, trigger="demo", enqueue=False)
        run = services.index_run_execute(run_id=run.pk) or run
        run.refresh_from_db()
        if run.status != RunStatus.SUCCEEDED:
            lines.append(f"{year}: computation failed: {run.error}")
            continue
        services.index_run_publish(
            run=run, user=admin, confirmed=True, reason="Dữ liệu minh hoạ, công bố tự động khi nạp bản demo"
        )
        created += 1
        lines.append(f"{year}: run #{run.pk} computed and published ({run.units_count} units)")
    return {"created": created, "message": "; ".join(lines)}
