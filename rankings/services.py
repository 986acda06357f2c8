"""Writes of the rankings app: creating, executing and publishing index runs (DESIGN §5)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Round
from parindex import permissions as can
from parindex.errors import failure_message
from parindex.work import attempts_exhausted, stale_cutoff
from rankings import signals
from rankings.computation import Computation, compute_round
from rankings.models import IndexRun, NodeResult, RunStatus, UnitResult
from rankings.publication import publication_check
from rankings.uncertainty import Uncertainty, uncertainty_for

logger = logging.getLogger(__name__)

# A pending run whose task has not started after this long is enqueued again (the message may be lost).
STALE_PENDING = timedelta(minutes=10)
BULK_BATCH = 5000


def _enqueue(run_id: int) -> None:
    from rankings.tasks import index_run_task

    transaction.on_commit(lambda: index_run_task.delay(run_id))


def index_run_create(
    *, round: Round, user=None, trigger: str = "manual", enqueue: bool = True
) -> tuple[IndexRun, bool]:
    """Ask for the round to be computed; returns (run, created).

    A burst of triggers (several finalisations, an import, clicks) coalesces: while a run of the
    round is still waiting to start, every further request reuses it, because it will read the
    inputs as they are when it starts. The task is enqueued after the transaction commits.
    """
    if user is not None and not can.can_compute_index(user, round):
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
        computation.uncertainty = uncertainty_for(
            round=run.round, outcomes=computation.outcomes, frameworks=computation.frameworks
        )
        _progress(run_id, 60)
        with transaction.atomic():
            # Race: a redelivered task may have computed the same run meanwhile; the row lock
            # serialises the two writers and the second one sees "succeeded" and writes nothing.
            locked = IndexRun.objects.select_for_update().get(pk=run_id)
            if locked.status != RunStatus.RUNNING:
                # Succeeded meanwhile (redelivery), or cancelled by an admin / failed by the sweep: write nothing.
                return locked
            _write_results(run_id, computation)
            locked.status = RunStatus.SUCCEEDED
            locked.digest = computation.digest
            locked.units_count = len(computation.outcomes)
            locked.progress_percent = 100
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "digest", "units_count", "progress_percent", "finished_at"])
        return locked
    except Exception as exc:
        # The run's page shows the error to admins: a message in Vietnamese, never the database's text
        # (the details are in the server log).
        with translation.override("vi"):
            message = _failure_message(exc, run_id)
        IndexRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, error=message, finished_at=timezone.now()
        )
        raise


RESULT_COLUMNS = (
    "run_id",
    "unit_id",
    "group_id",
    "display_order",
    "self_total",
    "appraised_total",
    "cs_points",
    "sipas_points",
    "total",
    "applicable_max",
    "index_pct",
    "rank",
    "band",
    "provisional",
    "warnings",
    "survey_margin",
    "index_low",
    "index_high",
    "rank_best",
    "rank_worst",
    "small_sample",
)
NODE_COLUMNS = ("result_id", "node_id", "points", "max_points", "pct", "applicable")


def _write_results(run_id: int, computation: Computation) -> None:
    """Every unit's result and its per-node rows. Must run inside the caller's transaction."""
    rows = []
    uncertainty = getattr(computation, "uncertainty", None) or {}
    for o in computation.outcomes:
        i = o.index
        u = uncertainty.get(o.unit_id) or Uncertainty()
        rows.append(
            (
                run_id,
                o.unit_id,
                o.group_id,
                o.display_order,
                i.self_total,
                i.appraised_total,
                i.cs_points,
                i.sipas_points,
                i.total,
                i.applicable_max,
                i.index_pct,
                o.rank,
                o.band,
                o.provisional,
                json.dumps(o.warnings, ensure_ascii=False),
                u.margin,
                u.index_low,
                u.index_high,
                u.rank_best,
                u.rank_worst,
                u.small_sample,
            )
        )
    _insert_rows(UnitResult, RESULT_COLUMNS, rows)
    result_ids = dict(UnitResult.objects.filter(run_id=run_id).values_list("unit_id", "id"))
    node_rows = (
        (result_ids[o.unit_id], node.id, total.points, total.max_points, total.pct, total.applicable)
        for o in computation.outcomes
        for node in computation.frameworks.get(o.group_id, ())
        for total in (o.index.nodes[node.id],)
    )
    _insert_rows(NodeResult, NODE_COLUMNS, node_rows)


def _insert_rows(model, columns: tuple[str, ...], rows) -> None:
    """Insert plain rows: COPY on PostgreSQL (psycopg formats and escapes each value), else executemany."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # wrap_database_errors: psycopg's errors raised as Django's (IntegrityError...), as the ORM does.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # noqa: S608 - fixed table and column names
                ) as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - fixed names
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == BULK_BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _failure_message(exc: Exception, run_id: int) -> str:
    if isinstance(exc, IntegrityError):
        logger.error("index run %s failed", run_id, exc_info=exc)
        return _(
            "The computation stopped: some stored points are above their criterion's maximum. "
            "Check the scores and survey imports, then compute again."
        )
    return failure_message(exc, logger=logger, what=f"index run {run_id}")


def index_run_publish(
    *, run: IndexRun, user, confirmed: bool = False, reason: str = "", seen_check: str | None = None
) -> IndexRun:
    """Publish a succeeded run (admins only). A published run never changes afterwards.

    The administrator must confirm explicitly; when the publication check (rankings.publication) lists
    anything, a written reason is required too, and both the reason and what was listed are kept with the
    run. ``seen_check`` is the fingerprint of the check the administrator read: if the check has changed
    since (an import confirmed, a unit reopened), publishing is refused so the new findings are read first.
    """
    if not can.can_publish_run(user, run):
        raise PermissionDenied
    reason = (reason or "").strip()
    with transaction.atomic():
        # Race: two admins publishing (or a task finishing) at once; the lock makes the checks hold.
        locked = IndexRun.objects.select_for_update().select_related("round").get(pk=run.pk)
        if locked.is_published:
            raise ValidationError(_("This run is already published; a published run never changes."))
        if locked.status != RunStatus.SUCCEEDED:
            raise ValidationError(_("Only a completed run can be published."))
        if not confirmed:
            raise ValidationError({"confirm": _("Confirm that these results are to be published.")})
        check = publication_check(run=locked)
        if seen_check is not None and seen_check != check.fingerprint:
            raise ValidationError(
                _("The publication check has changed since you read it. Read it again before publishing."),
                code="stale_check",
            )
        if check.has_findings and not reason:
            raise ValidationError(
                {
                    "reason": _(
                        "The publication check lists reasons these results may not be final: "
                        "write why they are published anyway."
                    )
                }
            )
        # A second publication of the round (after accepted appeals) corrects the first, which stays on record.
        locked.corrects = (
            IndexRun.objects.filter(round=locked.round, is_published=True, corrects__isnull=True)
            .order_by("published_at")
            .first()
        )
        locked.is_published = True
        locked.published_at = timezone.now()
        locked.published_by = user
        locked.publish_reason = reason
        locked.publish_check = check.summary()
        locked.save(
            update_fields=[
                "is_published",
                "published_at",
                "published_by",
                "publish_reason",
                "publish_check",
                "corrects",
            ]
        )
        logger.info("run %s published by %s; reason: %s", locked.pk, user, reason or "-")
        transaction.on_commit(
            lambda: signals.index_run_published.send(sender=IndexRun, round_id=locked.round_id, run_id=locked.pk)
        )
    return locked


def index_run_delete(*, run: IndexRun, user) -> None:
    """Remove an unpublished run (admins only); published runs are kept for ever."""
    if not can.can_delete_run(user, run):
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
    if not can.can_manage_run(user, run):
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
    if not can.can_manage_run(user, run):
        raise PermissionDenied
    with transaction.atomic():
        locked = IndexRun.objects.select_for_update().get(pk=run.pk)
        stuck = index_run_is_stuck(locked)
        if locked.status != RunStatus.FAILED and not stuck:
            raise ValidationError(_("Only a failed computation, or one whose worker stopped, can be retried."))
        if stuck:
            _fail_stale(locked)
        new, _created = index_run_create(
            round=locked.round, user=user, trigger=f"retry of #{locked.pk}", enqueue=enqueue
        )
    return new


def index_run_is_stuck(run: IndexRun) -> bool:
    """Running, but its worker has given no sign of life for WORK_STALE_AFTER_SECONDS."""
    last = run.heartbeat_at or run.started_at
    return run.status == RunStatus.RUNNING and last is not None and last < stale_cutoff()


def _fail_stale(run: IndexRun) -> None:
    run.status = RunStatus.FAILED
    run.finished_at = timezone.now()
    run.error = _(
        "The worker computing this run stopped (no sign of life since %(moment)s). Nothing of it was saved; retry it."
    ) % {"moment": timezone.localtime(run.heartbeat_at or run.started_at).strftime("%d/%m/%Y %H:%M:%S")}
    run.save(update_fields=["status", "finished_at", "error"])


def index_run_sweep_stale() -> list[int]:
    """Fail every run whose worker stopped beating; returns their ids (periodic task and command)."""
    failed = []
    with transaction.atomic():
        # A live worker writing its results holds its run's row lock: skip_locked leaves such runs alone
        # (their heartbeat may wait on that same lock) instead of waiting for them.
        cutoff = stale_cutoff()
        stale = (
            IndexRun.objects.select_for_update(skip_locked=True)
            .filter(status=RunStatus.RUNNING)
            .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff))
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
