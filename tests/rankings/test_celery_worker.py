"""An index run through a real Celery worker consuming from Redis (eager mode off for this test)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from parindex.celery import app as celery_app
from rankings import services
from rankings.models import IndexRun, RunStatus
from tests.rankings.factories import scores, survey, unit_in_round


@pytest.fixture
def real_worker(require_redis):
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            yield
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.mark.services
def test_run_is_computed_by_a_real_worker_after_commit(transactional_db, real_worker, round_2021, department_group):
    from tests.factories import build_framework

    build_framework(round=round_2021, group=department_group)
    a = unit_in_round(round=round_2021, group=department_group, code="W1", order=1)
    scores(a, {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"})
    survey(round_2021, {(a, "2.2"): "1"}, kind="cs")
    survey(round_2021, {(a, "3"): "1"}, kind="sipas")

    run, created = services.index_run_create(round=round_2021, trigger="worker-test")  # enqueued on commit
    assert created
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            break
        time.sleep(0.2)
    assert run.status == RunStatus.SUCCEEDED, run.error
    # 7 + 1 + 1 = 9 / 10 → 90,00 %
    result = run.results.get()
    assert str(result.index_pct) == "90.00" and result.rank == 1
    assert IndexRun.objects.filter(round=round_2021).count() == 1
