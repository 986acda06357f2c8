"""Reads of index runs and results, scoped to what the user may see."""

from assessments.models import Round
from rankings.models import IndexRun, RunStatus


def run_latest_published(*, round: Round) -> IndexRun | None:
    return IndexRun.objects.filter(round=round, is_published=True).order_by("-published_at", "-id").first()


def run_latest_succeeded(*, round: Round) -> IndexRun | None:
    return IndexRun.objects.filter(round=round, status=RunStatus.SUCCEEDED).order_by("-finished_at", "-id").first()


def run_visible_for(*, user, round: Round, provisional: bool = False) -> IndexRun | None:
    """Leaders and officers see the latest published run; admins and appraisers may ask for the latest run."""
    if provisional and (user.is_admin_role or user.is_appraiser):
        return run_latest_succeeded(round=round)
    return run_latest_published(round=round)
