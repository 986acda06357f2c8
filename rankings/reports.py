"""The official PDF report of a published run (DESIGN §5): made once per run and language in a Celery task,
stored, then served from storage.

``report_request`` is called when a run is published (rankings.receivers) and when a reader asks for the
PDF; it never makes the PDF itself, so no request waits for WeasyPrint. ``report_build`` (the task) claims
the row, renders and stores the file. A published run never changes, so a report once made is final.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rankings.models import IndexRun, ReportStatus, RunReport

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a report whose making keeps killing its worker is given up after this many tries
# A report "being made" for longer than this was claimed by a worker that died: it may be asked for again.
STALE_RUNNING = timedelta(minutes=10)


def _enqueue(report_id: int) -> None:
    from rankings.tasks import run_report_task

    transaction.on_commit(lambda: run_report_task.delay(report_id))


def report_request(*, run: IndexRun, language: str) -> RunReport:
    """The run's report in ``language``, queued for making if it is not made yet (or failed, or stalled)."""
    if not run.is_published:
        raise ValidationError(_("Only published results have an official report."))
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
            report, created = RunReport.objects.get_or_create(run=run, language=language)
    except IntegrityError:
        # Race: publication and a reader asked at the same moment; the unique constraint let one row in.
        report, created = RunReport.objects.get(run=run, language=language), False
    if created:
        _enqueue(report.pk)
        report.refresh_from_db()  # eager mode (the embedded default): already made
        return report
    stalled = (
        report.status == ReportStatus.RUNNING
        and report.started_at
        and (report.started_at < timezone.now() - STALE_RUNNING)
    )
    if (report.status == ReportStatus.FAILED or stalled) and report.attempts < MAX_ATTEMPTS:
        RunReport.objects.filter(pk=report.pk, status=report.status).update(
            status=ReportStatus.PENDING, progress_percent=0, error=""
        )
        report.refresh_from_db()
        _enqueue(report.pk)
    return report


def _claim(report_id: int) -> RunReport | None:
    with transaction.atomic():
        # Race: the task delivered twice (or a stalled one re-queued); the row lock lets one worker claim it.
        report = RunReport.objects.select_for_update().filter(pk=report_id).select_related("run__round").first()
        if report is None or report.status == ReportStatus.DONE:
            return None
        if report.attempts >= MAX_ATTEMPTS:
            report.status = ReportStatus.FAILED
            report.save(update_fields=["status"])
            return None
        report.status = ReportStatus.RUNNING
        report.attempts += 1
        report.started_at = timezone.now()
        report.progress_percent = 10
        report.save(update_fields=["status", "attempts", "started_at", "progress_percent"])
        return report


def _progress(report_id: int, percent: int) -> None:
    RunReport.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(progress_percent=percent)


def report_build(*, report_id: int) -> RunReport | None:
    """Make and store the report's PDF; None when there is nothing to do."""
    from rankings.dashboard import exports
    from rankings.dashboard.selectors import board_for_run

    report = _claim(report_id)
    if report is None:
        return None
    try:
        with translation.override(report.language):
            board = board_for_run(run=report.run)
            _progress(report_id, 30)
            pdf = exports.pdf_bytes(board, base_url=str(settings.BASE_DIR))
        _progress(report_id, 90)
        report.file.save("report.pdf", ContentFile(pdf), save=False)
        report.status = ReportStatus.DONE
        report.progress_percent = 100
        report.finished_at = timezone.now()
        report.error = ""
        report.save(update_fields=["file", "status", "progress_percent", "finished_at", "error"])
        return report
    except Exception:
        logger.exception("report %s failed", report_id)
        with translation.override("vi"):
            message = _("The report could not be made; the details are in the server log.")
        RunReport.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=message, finished_at=timezone.now()
        )
        raise
