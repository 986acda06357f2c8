"""Reads of the notifications app: a user's notifications, and what is due for each of their roles.

Each to-do list answers one role's question ("what must I do, by when?") with counts and links, never
with a page of rows: a province has tens to hundreds of units, the lists stay a few lines long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import Assessment, AssessmentState, Round, RoundStatus
from notifications import roles
from notifications.models import Notification
from notifications.services import explanation_deadline_of, self_deadline_of
from rankings.models import IndexRun, RunStatus
from surveys.models import ImportStatus, SurveyImport

S = AssessmentState


# --- notifications ---------------------------------------------------------------------------------------
def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count_for(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# --- to-do lists -------------------------------------------------------------------------------------------
@dataclass
class TodoItem:
    text: str
    link: str
    deadline: datetime | None = None
    overdue: bool = False
    days_left: int | None = None


def _days_left(deadline: datetime | None, now: datetime) -> int | None:
    if deadline is None or deadline <= now:
        return None
    return (deadline - now).days


def _open_assessments() -> QuerySet[Assessment]:
    return Assessment.objects.filter(round__status=RoundStatus.OPEN).select_related("round", "unit")


def todo_officer(user, *, now: datetime | None = None) -> list[TodoItem]:
    """Officer: the self-assessment still to submit (and when), explanations requested."""
    if not roles.acts_as_officer(user):
        return []
    now = now or timezone.now()
    items = []
    for a in _open_assessments().filter(unit_id=user.unit_id, state__in=[S.DRAFT, S.EXPLANATION_REQUESTED]):
        link = reverse("assessments:detail", kwargs={"pk": a.pk})
        if a.state == S.DRAFT:
            deadline = self_deadline_of(a)
            overdue = deadline is not None and deadline <= now
            text = _("Self-assessment of %(unit)s for %(round)s: not submitted yet") % {
                "unit": a.unit,
                "round": a.round,
            }
            items.append(
                TodoItem(text=text, link=link, deadline=deadline, overdue=overdue, days_left=_days_left(deadline, now))
            )
        else:
            deadline = explanation_deadline_of(a)
            overdue = deadline is not None and deadline <= now
            n = a.scores.filter(flagged=True).count()
            text = ngettext(
                "Explanation requested on %(n)s criterion (%(round)s)",
                "Explanations requested on %(n)s criteria (%(round)s)",
                n,
            ) % {"n": n, "round": a.round}
            items.append(
                TodoItem(text=text, link=link, deadline=deadline, overdue=overdue, days_left=_days_left(deadline, now))
            )
    return items


def todo_appraiser(user, *, now: datetime | None = None) -> list[TodoItem]:
    """Appraiser: submissions waiting, explanations received, units overdue, per open round."""
    if not roles.acts_as_appraiser(user):
        return []
    now = now or timezone.now()
    items = []
    rounds = Round.objects.filter(status=RoundStatus.OPEN).order_by("-year")
    counts = {
        r["round_id"]: r
        for r in Assessment.objects.filter(round__in=rounds)
        .values("round_id")
        .annotate(
            submitted=Count("pk", filter=Q(state=S.SUBMITTED)),
            explained=Count("pk", filter=Q(state=S.EXPLAINED)),
        )
    }
    for rnd in rounds:
        link = reverse("assessments:queue", kwargs={"round_id": rnd.pk})
        c = counts.get(rnd.pk, {})
        if c.get("submitted"):
            items.append(
                TodoItem(
                    link=link,
                    text=ngettext(
                        "%(n)s submission waiting for appraisal (%(round)s)",
                        "%(n)s submissions waiting for appraisal (%(round)s)",
                        c["submitted"],
                    )
                    % {"n": c["submitted"], "round": rnd},
                )
            )
        if c.get("explained"):
            items.append(
                TodoItem(
                    link=link,
                    text=ngettext(
                        "%(n)s unit sent explanations (%(round)s)",
                        "%(n)s units sent explanations (%(round)s)",
                        c["explained"],
                    )
                    % {"n": c["explained"], "round": rnd},
                )
            )
        overdue = overdue_units(round=rnd, now=now)
        if overdue:
            items.append(
                TodoItem(
                    link=link,
                    overdue=True,
                    text=ngettext(
                        "%(n)s unit past its deadline: %(units)s",
                        "%(n)s units past their deadline: %(units)s",
                        len(overdue),
                    )
                    % {"n": len(overdue), "units": _names(overdue)},
                )
            )
    return items


def overdue_units(*, round: Round, now: datetime) -> list[Assessment]:
    """Units that have not submitted, or not explained, by their deadline (extensions counted)."""
    waiting = (
        Assessment.objects.filter(round=round, state__in=[S.DRAFT, S.EXPLANATION_REQUESTED])
        .select_related("round", "unit")
        .order_by("unit__display_order", "unit__code")
    )
    out = []
    for a in waiting:
        deadline = self_deadline_of(a) if a.state == S.DRAFT else explanation_deadline_of(a)
        if deadline is not None and deadline <= now:
            out.append(a)
    return out


def _names(assessments: list[Assessment], limit: int = 5) -> str:
    names = [a.unit.name for a in assessments[:limit]]
    if len(assessments) > limit:
        names.append(_("and %(n)s more") % {"n": len(assessments) - limit})
    return ", ".join(names)


def todo_admin(user, *, now: datetime | None = None) -> list[TodoItem]:
    """Admin: imports waiting for confirmation, runs to publish, units not finalised."""
    if not roles.acts_as_admin(user):
        return []
    items = []
    for imp in SurveyImport.objects.filter(status=ImportStatus.PREVIEW).select_related("round").order_by("created_at"):
        items.append(
            TodoItem(
                link=reverse("surveys:import_detail", kwargs={"pk": imp.pk}),
                text=_("Survey import waiting for confirmation: %(survey)s %(round)s – %(name)s")
                % {"survey": imp.get_survey_display(), "round": imp.round, "name": imp.original_name},
            )
        )
    for run in runs_to_publish():
        items.append(
            TodoItem(
                link=reverse("rankings:run", kwargs={"run_id": run.pk}),
                text=_("Computed results of %(round)s not published yet (run of %(when)s)")
                % {"round": run.round, "when": timezone.localtime(run.finished_at).strftime("%d/%m/%Y %H:%M")},
            )
        )
    rounds = Round.objects.filter(status=RoundStatus.OPEN).order_by("-year")
    counts = {
        r["round_id"]: r
        for r in Assessment.objects.filter(round__in=rounds)
        .values("round_id")
        .annotate(
            appraised=Count("pk", filter=Q(state=S.APPRAISED)),
            unfinished=Count("pk", filter=~Q(state=S.FINALISED)),
        )
    }
    for rnd in rounds:
        c = counts.get(rnd.pk, {})
        if c.get("unfinished"):
            items.append(
                TodoItem(
                    link=reverse("assessments:queue", kwargs={"round_id": rnd.pk}),
                    text=ngettext(
                        "%(n)s unit not finalised (%(round)s), %(ready)s ready to finalise",
                        "%(n)s units not finalised (%(round)s), %(ready)s ready to finalise",
                        c["unfinished"],
                    )
                    % {"n": c["unfinished"], "round": rnd, "ready": c["appraised"]},
                )
            )
    return items


def runs_to_publish() -> list[IndexRun]:
    """Per round, the latest computed run when it is newer than the round's published run."""
    out = []
    for rnd in Round.objects.order_by("-year"):
        latest = IndexRun.objects.filter(round=rnd, status=RunStatus.SUCCEEDED).order_by("-finished_at", "-id").first()
        if latest is None or latest.is_published:
            continue
        published = IndexRun.objects.filter(round=rnd, is_published=True).order_by("-published_at", "-id").first()
        if published is None or latest.finished_at > published.published_at:
            latest.round = rnd
            out.append(latest)
    return out


def todo_leader(user, *, now: datetime | None = None) -> list[TodoItem]:
    """Leader: results published recently (NOTIFY_NEW_PUBLICATION_DAYS)."""
    if not roles.acts_as_leader(user):
        return []
    now = now or timezone.now()
    since = now - timedelta(days=settings.NOTIFY_NEW_PUBLICATION_DAYS)
    items = []
    seen = set()
    for run in (
        IndexRun.objects.filter(is_published=True, published_at__gte=since)
        .select_related("round")
        .order_by("-published_at", "-id")
    ):
        if run.round_id in seen:
            continue
        seen.add(run.round_id)
        items.append(
            TodoItem(
                link=reverse("dashboard:round", kwargs={"year": run.round.year}),
                text=_("New publication: results of %(round)s, published %(when)s")
                % {"round": run.round, "when": timezone.localtime(run.published_at).strftime("%d/%m/%Y %H:%M")},
            )
        )
    return items


TODO_BY_ROLE = {"officer": todo_officer, "appraiser": todo_appraiser, "admin": todo_admin, "leader": todo_leader}


def todo_for(user, *, role: str, now: datetime | None = None) -> list[TodoItem]:
    return TODO_BY_ROLE[role](user, now=now)
