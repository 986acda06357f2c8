"""A Celery worker killed mid-task: nothing partial is visible, and the task is delivered again and completed.

The workers are real ``celery worker`` processes on Redis and the test's PostgreSQL database.
"""

import io
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


class WorkerKilledMidWrite:
    """A real worker killed while it waits to write ``table``, and a second one that gets the task again.

    Another session (``cursor``) holds the table locked, so the first worker is caught mid-task; it is
    killed, its database session ended, and the lock released by ``release``. ``redeliver`` starts the
    second worker once the broker's visibility timeout has passed.
    """

    def __init__(self, *, table: str, broker, tmp_path, what: str, worker_env: dict[str, str] | None = None):
        self.table, self.broker, self.tmp_path, self.what = table, broker, tmp_path, what
        self.worker_env = worker_env
        self.queue = f"security-{uuid.uuid4().hex}"

    def __enter__(self):
        import psycopg
        from django.conf import settings

        db = settings.DATABASES["default"]
        self.holder = psycopg.connect(
            dbname=db["NAME"],
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db.get("PASSWORD") or None,
        )
        self.cursor = self.holder.cursor()
        self.cursor.execute(f"LOCK TABLE {self.table} IN ACCESS EXCLUSIVE MODE")
        self.first = CeleryWorker(
            queues=self.queue, visibility_timeout=VISIBILITY_TIMEOUT, extra_env=self.worker_env
        ).start(self.tmp_path / "worker1.log")
        self.second = CeleryWorker(queues=self.queue, visibility_timeout=VISIBILITY_TIMEOUT, extra_env=self.worker_env)
        return self

    def kill_during(self, task, args, *, while_held=None) -> None:
        """Send the task, wait until its worker waits on the table, run ``while_held``, kill the worker."""
        task.apply_async(args=args, queue=self.queue)
        blocked = wait_for(
            lambda: _blocked_backends(self.cursor, self.holder.info.backend_pid), timeout=30, what=self.what
        )
        self.started = time.monotonic()
        if while_held is not None:
            while_held(self.cursor)
        self.first.kill()
        # The dead worker's session would be noticed at its next write to the socket; end it now.
        self.cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [blocked])

    def release(self) -> None:
        self.holder.rollback()

    def redeliver(self) -> None:
        time.sleep(max(0.0, self.started + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
        self.second.start(self.tmp_path / "worker2.log")

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, AssertionError):
            print(self.first.log()[-3000:], self.second.log()[-3000:])
        self.holder.close()
        self.first.stop()
        self.second.stop()
        with self.broker.connection_for_write() as conn:
            conn.default_channel.queue_delete(self.queue)
        return False


@pytest.mark.django_db(transaction=True)
def test_index_run_of_a_killed_worker_shows_no_partial_results_and_completes_on_redelivery(
    require_postgres, real_broker, tmp_path
):
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

    def running(cur):
        cur.execute("SELECT status FROM rankings_indexrun WHERE id = %s", [run.pk])
        assert cur.fetchone()[0] == RunStatus.RUNNING

    # Another session holds the results table: the worker computes, then waits on it while writing.
    with WorkerKilledMidWrite(
        table=UnitResult._meta.db_table,
        broker=real_broker,
        tmp_path=tmp_path,
        what="the worker to be mid-run (waiting to write the results)",
    ) as workers:
        workers.kill_during(index_run_task, [run.pk], while_held=running)
        workers.cursor.execute("SELECT count(*) FROM rankings_unitresult WHERE run_id = %s", [run.pk])
        assert workers.cursor.fetchone()[0] == 0, "a killed run left results behind"
        workers.release()
        assert not UnitResult.objects.filter(run=run).exists()
        assert IndexRun.objects.get(pk=run.pk).status == RunStatus.RUNNING  # not published, not succeeded
        workers.redeliver()
        wait_for(
            lambda: IndexRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED,
            timeout=60,
            what="the redelivered run to succeed",
        )
        assert UnitResult.objects.filter(run=run).count() == 6


@pytest.mark.django_db(transaction=True)
def test_survey_preview_of_a_killed_worker_is_redone_once_with_no_duplicate_rows(
    require_postgres, real_broker, tmp_path
):
    import io

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
    imp = survey_import_create(
        round=round_,
        survey="sipas",
        fileobj=io.BytesIO(xlsx_bytes(header_for(["S1"]), rows)),
        name="sipas.xlsx",
        user=None,
        enqueue=False,
    )
    # The worker parses the file, then waits to stage the forms: it is killed there.
    with WorkerKilledMidWrite(
        table=SurveyResponse._meta.db_table,
        broker=real_broker,
        tmp_path=tmp_path,
        what="the worker to be mid-preview (waiting to stage the forms)",
    ) as workers:
        workers.kill_during(survey_import_preview_task, [imp.pk])
        workers.release()
        assert SurveyImport.objects.get(pk=imp.pk).status in (ImportStatus.PENDING, ImportStatus.PARSING)
        workers.redeliver()
        wait_for(
            lambda: SurveyImport.objects.get(pk=imp.pk).status == ImportStatus.PREVIEW,
            timeout=60,
            what="the redelivered preview to finish",
        )
        # Every form once: the second attempt discarded whatever the first had staged.
        assert SurveyResponse.objects.filter(survey_import=imp).count() == 40
        assert SurveyImport.objects.get(pk=imp.pk).rows_total == 40


@pytest.mark.django_db(transaction=True)
def test_run_of_a_killed_worker_is_failed_by_the_sweep_then_retried_and_never_redone_by_the_old_message(
    require_postgres, real_broker, tmp_path, settings
):
    """The whole worker is killed mid-run; its heartbeat stops; the sweep fails the run well before the
    broker's visibility timeout; an admin retries it; the old message, delivered again, changes nothing."""
    from django.core.management import call_command

    from assessments.models import LeafScore
    from rankings.models import IndexRun, RunStatus, UnitResult
    from rankings.services import index_run_create, index_run_execute, index_run_retry
    from rankings.tasks import index_run_task
    from tests.factories import (
        RankingGroupFactory,
        RoundFactory,
        UnitFactory,
        UserFactory,
        add_to_round,
        build_framework,
    )

    settings.WORK_STALE_AFTER_SECONDS = 3
    group = RankingGroupFactory()
    round_ = RoundFactory(year=2021)
    build_framework(round=round_, group=group)
    for i in range(4):
        add_to_round(round=round_, unit=UnitFactory(code=f"S{i}", group=group, display_order=i))
    admin = UserFactory(username="admin", is_par_admin=True)
    run, _ = index_run_create(round=round_, enqueue=False)

    # Another session holds the scores table: the worker has claimed the run and waits to read its inputs,
    # beating every second from its heartbeat thread meanwhile.
    with WorkerKilledMidWrite(
        table=LeafScore._meta.db_table,
        broker=real_broker,
        tmp_path=tmp_path,
        what="the worker to be mid-run (reading the scores)",
        worker_env={"WORK_HEARTBEAT_SECONDS": "1"},
    ) as workers:

        def beating(cur):
            cur.execute("SELECT started_at FROM rankings_indexrun WHERE id = %s", [run.pk])
            started = cur.fetchone()[0]
            wait_for(
                lambda: IndexRun.objects.get(pk=run.pk).heartbeat_at > started,
                timeout=10,
                what="a heartbeat after the claim",
            )

        workers.kill_during(index_run_task, [run.pk], while_held=beating)
        workers.release()
        killed_at = time.monotonic()
        assert IndexRun.objects.get(pk=run.pk).status == RunStatus.RUNNING  # what the issue saw: stuck
        # The sweep (Celery beat runs it every minute) fails the run once the heartbeat is 3 s old.
        wait_for(
            lambda: (
                call_command("sweep_stuck_work", stdout=io.StringIO()),
                IndexRun.objects.get(pk=run.pk).status == RunStatus.FAILED,
            )[1],
            timeout=20,
            interval=0.5,
            what="the sweep to fail the dead run",
        )
        assert time.monotonic() - killed_at < 20  # not the broker's visibility timeout (1 h in production)
        failed = IndexRun.objects.get(pk=run.pk)
        assert failed.error and not UnitResult.objects.filter(run=failed).exists()

        new = index_run_retry(run=failed, user=admin, enqueue=False)
        index_run_execute(run_id=new.pk)
        assert IndexRun.objects.get(pk=new.pk).status == RunStatus.SUCCEEDED
        assert UnitResult.objects.filter(run=new).count() == 4

        # The killed worker's message comes back to another worker: it finds the run failed and stops.
        workers.redeliver()
        wait_for(
            lambda: "index_run" in workers.second.log() and "succeeded" in workers.second.log(),
            timeout=30,
            what="the redelivered task to be acknowledged",
        )
        assert IndexRun.objects.get(pk=run.pk).status == RunStatus.FAILED
        assert not UnitResult.objects.filter(run=run).exists()
