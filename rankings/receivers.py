"""Recompute the index when its inputs change: an assessment finalised or reopened, a survey import confirmed.

The signals are sent after the change has committed; the request is still deferred with
``transaction.on_commit`` so a sender inside a transaction never triggers a run that reads old data.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.dispatch import receiver

from assessments.signals import assessment_finalised, assessment_reopened
from rankings import services
from rankings.signals import index_run_published
from surveys.signals import survey_import_confirmed

_state = threading.local()


@contextmanager
def recompute_paused() -> Iterator[None]:
    """Bulk loads (the demo) finalise many assessments: no run per finalisation while they work."""
    previous = getattr(_state, "paused", False)
    _state.paused = True
    try:
        yield
    finally:
        _state.paused = previous


def _request(round_id, trigger: str) -> None:
    if round_id is None or getattr(_state, "paused", False):
        return
    transaction.on_commit(lambda: services.index_run_request_for_round(round_id=round_id, trigger=trigger))


@receiver(assessment_finalised, dispatch_uid="rankings.recompute_on_finalised")
def recompute_on_finalised(sender, round_id=None, assessment_id=None, **kwargs):
    _request(round_id, f"assessment_finalised:{assessment_id}")


@receiver(assessment_reopened, dispatch_uid="rankings.recompute_on_reopened")
def recompute_on_reopened(sender, round_id=None, assessment_id=None, **kwargs):
    _request(round_id, f"assessment_reopened:{assessment_id}")


@receiver(survey_import_confirmed, dispatch_uid="rankings.recompute_on_survey_import")
def recompute_on_survey_import(sender, round_id=None, import_id=None, **kwargs):
    _request(round_id, f"survey_import_confirmed:{import_id}")


@receiver(index_run_published, dispatch_uid="rankings.report_on_published")
def report_on_published(sender, run_id=None, **kwargs):
    """The official report is made as soon as the results are published, before the first reader asks."""
    from django.conf import settings

    from rankings import reports
    from rankings.models import IndexRun

    if run_id is None or not settings.REPORT_ON_PUBLISH:
        return
    reports.report_request(run=IndexRun.objects.get(pk=run_id), language=settings.LANGUAGE_CODE)
