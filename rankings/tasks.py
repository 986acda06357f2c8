"""Celery tasks of the rankings app: thin, they take ids and call a service."""

import logging

from celery import shared_task

from parindex.work import heartbeat
from rankings import services
from rankings.models import IndexRun

logger = logging.getLogger(__name__)


@shared_task(name="rankings.index_run", bind=True)
def index_run_task(self, run_id: int) -> None:
    try:
        with heartbeat(IndexRun, run_id, enabled=not self.request.is_eager):
            services.index_run_execute(run_id=run_id)
    except Exception:
        # The run is recorded as failed with its error and the previous results stay visible. Its inputs
        # are wrong, so retrying cannot help; and in eager mode (run right after a finalisation commits)
        # raising would turn the user's already-saved action into an error page.
        logger.warning("index run %s failed; see its error", run_id)


@shared_task(name="rankings.sweep_stuck_work")
def sweep_stuck_work_task() -> None:
    """Celery beat, every minute: fail imports and runs whose worker died (see parindex/work.py)."""
    sweep_stuck_work()


def sweep_stuck_work() -> dict[str, list[int]]:
    from surveys.services.imports import survey_import_sweep_stale

    return {"runs": services.index_run_sweep_stale(), "imports": survey_import_sweep_stale()}


@shared_task(name="rankings.run_report")
def run_report_task(report_id: int) -> None:
    from rankings import reports

    try:
        reports.report_build(report_id=report_id)
    except Exception:
        # Recorded as failed on the report; the reader's page offers to try again.
        logger.warning("report %s failed; see its error", report_id)
