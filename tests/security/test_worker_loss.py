"""A Celery worker killed mid-task: nothing partial is visible, and the task is delivered again and completed.

The workers are real ``celery worker`` processes on Redis and the test's PostgreSQL database.
"""

import time
import uuid

import pytest

from tests.security.faults import CeleryWorker, wait_for

pytestmark = [
    pytest.mark.services,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]


VISIBILITY_TIMEOUT = 2  # seconds (CELERY_VISIBILITY_TIMEOUT of the test's workers)


@pytest.fixture
def real_broker(require_redis):
    """Tasks go to Redis for this test (the suite runs eagerly otherwise)."""
    from parindex.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = eager


def _blocked_backends(cursor, own_pid: int) -> list[int]:
    # Inside a transaction PostgreSQL keeps one snapshot of the statistics views: take a fresh one.
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> %s",
        [own_pid],
    )
    return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_index_run_of_a_killed_worker_shows_no_partial_results_and_completes_on_redelivery(
    require_postgres, real_broker, tmp_path
):
    import psycopg
    from django.conf import settings

    from rankings.models import IndexRun, RunStatus, UnitResult
    from rankings.services import index_run_create
    from rankings.tasks import index_run_task
    from tests.factories import RankingGroupFactory, RoundFactory, UnitFactory, add_to_round, build_framework

    group = RankingGroupFactory()
    round_ = RoundFactory(year=2021)
    build_framework(round=round_, group=group)
    for i in range(6):
        add_to_round(round=round_, unit=UnitFactory(code=f"K{i}", group=group, display_order=i))
    run, _ = index_run_create(round=round_, enqueue=False)
    queue = f"security-index-{uuid.uuid4().hex}"
    db = settings.DATABASES["default"]
    # Another session holds the results table: the worker computes, then waits on it while writing.
    holder = psycopg.connect(dbname=db["NAME"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                             password=db.get("PASSWORD") or None)
    cur = holder.cursor()
    cur.execute(f"LOCK TABLE {UnitResult._meta.db_table} IN ACCESS EXCLUSIVE MODE")
    first = CeleryWorker(queues=queue, visibility_timeout=VISIBILITY_TIMEOUT).start(tmp_path / "worker1.log")
    second = CeleryWorker(queues=queue, visibility_timeout=VISIBILITY_TIMEOUT)
    try:
        index_run_task.apply_async(args=[run.pk], queue=queue)
        blocked = wait_for(lambda: _blocked_backends(cur, holder.info.backend_pid), timeout=30,
                           what="the worker to be mid-run (waiting to write the results)")
        started = time.monotonic()
        cur.execute("SELECT status FROM rankings_indexrun WHERE id = %s", [run.pk])
        assert cur.fetchone()[0] == RunStatus.RUNNING
        first.kill()
        # The dead worker's session would be noticed at its next write to the socket; end it now.
        cur.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [blocked])
        cur.execute("SELECT count(*) FROM rankings_unitresult WHERE run_id = %s", [run.pk])
        assert cur.fetchone()[0] == 0, "a killed run left results behind"
        holder.rollback()  # releases the table
        assert not UnitResult.objects.filter(run=run).exists()
        assert IndexRun.objects.get(pk=run.pk).status == RunStatus.RUNNING  # not published, not succeeded
        time.sleep(max(0.0, started + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
        second.start(tmp_path / "worker2.log")
        wait_for(lambda: IndexRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED, timeout=60,
                 what="the redelivered run to succeed")
        assert UnitResult.objects.filter(run=run).count() == 6
    except AssertionError:
        print(first.log()[-3000:], second.log()[-3000:])
        raise
    finally:
        holder.close()
        first.stop()
        second.stop()
        with real_broker.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)


@pytest.mark.django_db(transaction=True)
def test_survey_preview_of_a_killed_worker_is_redone_once_with_no_duplicate_rows(require_postgres, real_broker, tmp_path):
    import io

    import psycopg
    from django.conf import settings

    from surveys.models import ImportStatus, SurveyImport, SurveyResponse
    from surveys.services.imports import survey_import_create
    from surveys.tasks import survey_import_preview_task
    from tests.factories import RankingGroupFactory, RoundFactory, UnitFactory, add_to_round
    from tests.surveys.factories import form_row, header_for, sipas_question, xlsx_bytes

    group = RankingGroupFactory()
    round_ = RoundFactory(year=2021)
    for code in ("SNV", "STP"):
        add_to_round(round=round_, unit=UnitFactory(code=code, group=group))
    sipas_question(round=round_, code="S1", element=1)
    rows = [form_row("SNV" if i % 2 else "STP", f"F{i}", [1 + i % 5]) for i in range(40)]
    imp = survey_import_create(round=round_, survey="sipas", fileobj=io.BytesIO(xlsx_bytes(header_for(["S1"]), rows)),
                               name="sipas.xlsx", user=None, enqueue=False)
    queue = f"security-survey-{uuid.uuid4().hex}"
    db = settings.DATABASES["default"]
    holder = psycopg.connect(dbname=db["NAME"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                             password=db.get("PASSWORD") or None)
    cur = holder.cursor()
    # The worker parses the file, then waits to stage the forms: it is killed there.
    cur.execute(f"LOCK TABLE {SurveyResponse._meta.db_table} IN ACCESS EXCLUSIVE MODE")
    first = CeleryWorker(queues=queue, visibility_timeout=VISIBILITY_TIMEOUT).start(tmp_path / "worker1.log")
    second = CeleryWorker(queues=queue, visibility_timeout=VISIBILITY_TIMEOUT)
    try:
        survey_import_preview_task.apply_async(args=[imp.pk], queue=queue)
        blocked = wait_for(lambda: _blocked_backends(cur, holder.info.backend_pid), timeout=30,
                           what="the worker to be mid-preview (waiting to stage the forms)")
        started = time.monotonic()
        first.kill()
        cur.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [blocked])
        holder.rollback()
        assert SurveyImport.objects.get(pk=imp.pk).status in (ImportStatus.PENDING, ImportStatus.PARSING)
        time.sleep(max(0.0, started + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
        second.start(tmp_path / "worker2.log")
        wait_for(lambda: SurveyImport.objects.get(pk=imp.pk).status == ImportStatus.PREVIEW, timeout=60,
                 what="the redelivered preview to finish")
        # Every form once: the second attempt discarded whatever the first had staged.
        assert SurveyResponse.objects.filter(survey_import=imp).count() == 40
        assert SurveyImport.objects.get(pk=imp.pk).rows_total == 40
    except AssertionError:
        print(first.log()[-3000:], second.log()[-3000:])
        raise
    finally:
        holder.close()
        first.stop()
        second.stop()
        with real_broker.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
