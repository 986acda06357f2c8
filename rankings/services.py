"""Writes of the rankings app: creating, executing and publishing index runs (DESIGN §5)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Round
from parindex.errors import failure_message
from parindex.work import attempts_exhausted, stale_cutoff
from rankings.computation import UnitOutcome, cents_str, compute_round, dec
from rankings.models import IndexRun, RunStatus, UnitResult

logger = logging.getLogger(__name__)

# A pending run whose task has not started after this long is enqueued again (the message may be lost).
STALE_PENDING = timedelta(minutes=10)
BULK_BATCH = 5000
COPY_CHUNK = 1000


def _enqueue(run_id: int) -> None:
    from rankings.tasks import index_run_task

    transaction.on_commit(lambda: index_run_task.delay(run_id))


def index_run_create(*, round: Round, user=None, trigger: str = "manual", enqueue: bool = True) -> tuple[IndexRun, bool]:
    """Ask for the round to be computed; returns (run, created).

    A burst of triggers (several finalisations, an import, clicks) coalesces: while a run of the
    round is still waiting to start, every further request reuses it, because it will read the
    inputs as they are when it starts. The task is enqueued after the transaction commits.
    """
    if user is not None and not (user.is_admin_role or user.is_appraiser):
        raise PermissionDenied
    with transaction.atomic():
        # Race: two triggers committing at the same moment both find no waiting run and both insert
        # one. The partial unique constraint one_pending_run_per_round lets only one insert succeed;
        # the other falls back to reusing the winner's run.
        run = IndexRun.objects.select_for_update().filter(round=round, status=RunStatus.PENDING).first()
        if run is None:
            try:
                with transaction.atomic():
                    run = IndexRun.objects.create(round=round, started_by=user, trigger=trigger[:64])
            except IntegrityError:
                run = IndexRun.objects.select_for_update().get(round=round, status=RunStatus.PENDING)
            else:
                if enqueue:
                    _enqueue(run.pk)
                return run, True
        if enqueue and run.created_at < timezone.now() - STALE_PENDING:
            _enqueue(run.pk)
        return run, False


def _claim(run_id: int) -> IndexRun | None:
    """Mark the run as computing; None when there is nothing to do (finished, failed, cancelled, or given up)."""
    with transaction.atomic():
        run = IndexRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in (RunStatus.PENDING, RunStatus.RUNNING):
            return None
        # A run found "running" here was started by a worker that died (the broker redelivers a task
        # only when its worker is lost): it is computed again from the start, unless every attempt so far
        # killed its worker, in which case it is failed here and its message acknowledged (no endless loop).
        run.attempts += 1
        now = timezone.now()
        if attempts_exhausted(run.attempts):
            run.status = RunStatus.FAILED
            run.finished_at = now
            run.error = _(
                "The computation was started %(n)d times and each time its worker stopped before the end. "
                "It was given up; an administrator may retry it."
            ) % {"n": run.attempts - 1}
            run.save(update_fields=["status", "attempts", "finished_at", "error"])
            logger.error("index run %s given up after %s attempts", run_id, run.attempts - 1)
            return None
        run.status = RunStatus.RUNNING
        run.started_at = now
        run.heartbeat_at = now
        run.progress_percent = 5
        run.error = ""
        run.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "progress_percent", "error"])
        return run


def _progress(run_id: int, percent: int) -> None:
    IndexRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(progress_percent=percent)


def index_run_execute(*, run_id: int) -> IndexRun | None:
    """Compute the run's round from the stored inputs and write every unit's result at once.

    The results and the status flip to "succeeded" are written in one transaction, under a lock on the
    run row: a run that fails or is killed leaves no results, and readers only ever look at succeeded
    runs. A task delivered twice finds the run succeeded (or locked by the first worker) and stops.
    """
    run = _claim(run_id)
    if run is None:
        return None
    try:
        computation = compute_round(round=run.round)
        _progress(run_id, 60)
        with transaction.atomic():
            # Race: a redelivered task may have computed the same run meanwhile; the row lock
            # serialises the two writers and the second one sees "succeeded" and writes nothing.
            locked = IndexRun.objects.select_for_update().get(pk=run_id)
            if locked.status != RunStatus.RUNNING:
                # Succeeded meanwhile (redelivery), or cancelled by an admin / failed by the sweep: write nothing.
                return locked
            _write_results(run_id, computation.outcomes)
            locked.status = RunStatus.SUCCEEDED
            locked.digest = computation.digest
            locked.catalogue = computation.catalogue
            locked.units_count = len(computation.outcomes)
            locked.progress_percent = 100
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "digest", "catalogue", "units_count", "progress_percent", "finished_at"])
        return locked
    except Exception as exc:
        # The page shows the stored error to admins: no SQL or constraint names in it, the detail is logged.
        message = failure_message(exc, logger=logger, what=f"index run {run_id}")
        IndexRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, error=message, finished_at=timezone.now()
        )
        raise


_COLUMNS = (
    "run_id", "unit_id", "group_id", "display_order", "self_total", "appraised_total", "cs_points", "sipas_points",
    "total", "applicable_max", "index_pct", "rank", "band", "provisional", "warnings", "breakdown",
)


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# Text of amounts in hundredths from 0.00 to 1000.00, looked up rather than formatted: seven per unit.
_CENTS_TEXT = [cents_str(c) for c in range(100001)]


def _cents_text(c: int) -> str:
    return _CENTS_TEXT[c] if 0 <= c <= 100000 else cents_str(c)


def _write_results(run_id: int, outcomes: list[UnitOutcome]) -> None:
    """One COPY on PostgreSQL; bulk inserts elsewhere. Must run inside the caller's transaction."""
    if connection.vendor == "postgresql":
        table = UnitResult._meta.db_table
        esc = _copy_text
        ct = _cents_text
        bands: dict[str, str] = {}
        run = str(run_id)
        with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN"  # noqa: S608 - fixed table and column names
        ) as copy:
            # Sent in chunks, so the server stores the first rows while the next ones are formatted.
            for start in range(0, len(outcomes), COPY_CHUNK):
                lines = []
                for o in outcomes[start:start + COPY_CHUNK]:
                    band = bands.get(o.band)
                    if band is None:
                        band = bands[o.band] = esc(o.band)
                    # Numbers need no escaping in COPY's text format, nor does the breakdown (digits and
                    # fixed names); the band and the warnings do.
                    lines.append("\t".join((
                        run, str(o.unit_id), str(o.group_id), str(o.display_order), ct(o.self_c), ct(o.app_c),
                        ct(o.cs_c), ct(o.sipas_c), ct(o.total_c), ct(o.max_c), ct(o.pct_h), str(o.rank), band,
                        "t" if o.provisional else "f",
                        o.warnings_json if "\\" not in o.warnings_json else esc(o.warnings_json), o.breakdown,
                    )))
                copy.write("\n".join(lines) + "\n")
        return
    UnitResult.objects.bulk_create(
        [
            UnitResult(
                run_id=run_id, unit_id=o.unit_id, group_id=o.group_id, display_order=o.display_order,
                self_total=dec(o.self_c), appraised_total=dec(o.app_c), cs_points=dec(o.cs_c), sipas_points=dec(o.sipas_c),
                total=dec(o.total_c), applicable_max=dec(o.max_c), index_pct=dec(o.pct_h), rank=o.rank, band=o.band,
                provisional=o.provisional, warnings=o.warnings, breakdown_data=json.loads(o.breakdown),
            )
            for o in outcomes
        ],
        batch_size=BULK_BATCH,
    )


def index_run_publish(*, run: IndexRun, user) -> IndexRun:
    """Publish a succeeded run (admins only). A published run never changes afterwards."""
    if not user.is_admin_role:
        raise PermissionDenied
    with transaction.atomic():
        # Race: two admins publishing (or a task finishing) at once; the lock makes the checks hold.
        locked = IndexRun.objects.select_for_update().get(pk=run.pk)
        if locked.is_published:
            raise ValidationError(_("This run is already published; a published run never changes."))
        if locked.status != RunStatus.SUCCEEDED:
            raise ValidationError(_("Only a completed run can be published."))
        locked.is_published = True
        locked.published_at = timezone.now()
        locked.published_by = user
        locked.save(update_fields=["is_published", "published_at", "published_by"])
    return locked


def index_run_delete(*, run: IndexRun, user) -> None:
    """Remove an unpublished run (admins only); published runs are kept for ever."""
    if not user.is_admin_role:
        raise PermissionDenied
    with transaction.atomic():
        locked = IndexRun.objects.select_for_update().get(pk=run.pk)
        if locked.is_published:
            raise ValidationError(_("A published run cannot be deleted."))
        locked.delete()


def index_run_cancel(*, run: IndexRun, user) -> IndexRun:
    """Stop waiting for a run that is waiting or computing (admins only): it is failed, its results never written.

    A worker still computing it finds it no longer running when it comes to write, and writes nothing.
    """
    if not user.is_admin_role:
        raise PermissionDenied
    with transaction.atomic():
        # Race: the worker finishing the run at this moment holds this lock while it writes; the cancel
        # waits and then sees "succeeded", which is refused below.
        locked = IndexRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in (RunStatus.PENDING, RunStatus.RUNNING):
            raise ValidationError(_("Only a waiting or running computation can be cancelled."))
        locked.status = RunStatus.FAILED
        locked.finished_at = timezone.now()
        locked.error = _("Cancelled by %(user)s.") % {"user": user}
        locked.save(update_fields=["status", "finished_at", "error"])
    return locked


def index_run_retry(*, run: IndexRun, user, enqueue: bool = True) -> IndexRun:
    """Compute the round of a failed (or stuck) run again, as a new run (admins only)."""
    if not user.is_admin_role:
        raise PermissionDenied
    with transaction.atomic():
        locked = IndexRun.objects.select_for_update().get(pk=run.pk)
        stuck = index_run_is_stuck(locked)
        if locked.status != RunStatus.FAILED and not stuck:
            raise ValidationError(_("Only a failed computation, or one whose worker stopped, can be retried."))
        if stuck:
            _fail_stale(locked)
        new, _created = index_run_create(round=locked.round, user=user, trigger=f"retry of #{locked.pk}", enqueue=enqueue)
    return new


def index_run_is_stuck(run: IndexRun) -> bool:
    """Running, but its worker has given no sign of life for WORK_STALE_AFTER_SECONDS."""
    last = run.heartbeat_at or run.started_at
    return run.status == RunStatus.RUNNING and last is not None and last < stale_cutoff()


def _fail_stale(run: IndexRun) -> None:
    run.status = RunStatus.FAILED
    run.finished_at = timezone.now()
    run.error = _(
        "The worker computing this run stopped (no sign of life since %(moment)s). Nothing of it was saved; "
        "retry it."
    ) % {"moment": timezone.localtime(run.heartbeat_at or run.started_at).strftime("%d/%m/%Y %H:%M:%S")}
    run.save(update_fields=["status", "finished_at", "error"])


def index_run_sweep_stale() -> list[int]:
    """Fail every run whose worker stopped beating; returns their ids (periodic task and command)."""
    failed = []
    with transaction.atomic():
        # A live worker writing its results holds its run's row lock: skip_locked leaves such runs alone
        # (their heartbeat may wait on that same lock) instead of waiting for them.
        cutoff = stale_cutoff()
        stale = IndexRun.objects.select_for_update(skip_locked=True).filter(status=RunStatus.RUNNING).filter(
            Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        )
        for run in stale:
            _fail_stale(run)
            failed.append(run.pk)
    if failed:
        logger.warning("index runs failed by the sweep (worker lost): %s", failed)
    return failed


def index_run_request_for_round(*, round_id: int, trigger: str) -> None:
    """Entry point of the signal receivers: recompute the round once the triggering change has committed."""
    round = Round.objects.filter(pk=round_id).first()
    if round is not None:
        index_run_create(round=round, trigger=trigger)
