"""Appeals after publication (DESIGN §5, "After publication").

- The window: from a round's latest publication, ``Round.appeal_working_days`` working days (Monday to
  Friday; public holidays are not known to the app), to the end of the last day, local time.
- The unit's officer lodges an appeal on named criteria of the unit's framework, with reasons and optional
  evidence, while the window is open and the unit has a published result.
- An appraiser (or admin, for a council) decides each appeal once, with a reason; the decision is final.
- An accepted appeal changes nothing by itself: the finalised scores change only through the audited path
  (an admin reopens the assessment with a reason, the appraiser corrects the leaves, it is finalised again),
  then a new run is published as a correction of the first publication, which stays on record; the
  register page shows the appeals and the difference between the two publications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment, Node, Round
from parindex import permissions as can
from rankings import signals
from rankings.models import Appeal, AppealState, IndexRun, UnitResult
from rankings.selectors import run_changes, run_latest_published


def add_working_days(start: datetime, days: int) -> datetime:
    """The end (23:59:59 local) of the ``days``-th working day after ``start``'s day.

    Example: published on Friday 4 April 2025, 10 working days → Friday 18 April 2025, 23:59:59.
    """
    day = timezone.localtime(start).date()
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def first_publication(round: Round) -> IndexRun | None:
    return (
        IndexRun.objects.filter(round=round, is_published=True, corrects__isnull=True).order_by("published_at").first()
    )


def appeal_deadline(round: Round) -> datetime | None:
    """The window runs from the first publication of the round (a correction does not reopen it)."""
    first = first_publication(round)
    if first is None or first.published_at is None:
        return None
    return add_working_days(first.published_at, round.appeal_working_days)


def appeal_lodge(
    *, user, assessment_id: int, node_ids: list[int], reason: str, evidence=None, now: datetime | None = None
) -> Appeal:
    now = now or timezone.now()
    assessment = Assessment.objects.select_related("round", "unit").filter(pk=assessment_id).first()
    if assessment is None or not can.can_lodge_appeal(user, assessment):
        raise PermissionDenied
    rnd = assessment.round
    run = run_latest_published(round=rnd)
    errors = {}
    if run is None or not UnitResult.objects.filter(run=run, unit=assessment.unit).exists():
        raise ValidationError(_("The unit has no published result in this round to appeal against."))
    deadline = appeal_deadline(rnd)
    if deadline is None or now > deadline:
        raise ValidationError(_("The appeal period of this round has ended."))
    nodes = list(Node.objects.filter(pk__in=node_ids, framework__round=rnd, framework__group=assessment.group))
    if not nodes or len(nodes) != len(set(node_ids)):
        errors["nodes"] = _("Name at least one criterion of the unit's framework.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reasons for the appeal.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        appeal = Appeal.objects.create(
            run=run, unit=assessment.unit, reason=reason.strip(), lodged_by=user, evidence=evidence or ""
        )
        appeal.nodes.set(nodes)
        transaction.on_commit(lambda: signals.appeal_lodged.send(sender=Appeal, appeal_id=appeal.pk))
    return appeal


def appeal_decide(*, user, appeal_id: int, accept: bool, reason: str) -> Appeal:
    if not can.can_decide_appeal(user):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    with transaction.atomic():
        # Race: two appraisers deciding the same appeal at once; the lock lets the second see the first's decision.
        appeal = Appeal.objects.select_for_update().filter(pk=appeal_id).first()
        if appeal is None:
            raise PermissionDenied
        if appeal.state != AppealState.LODGED:
            raise ValidationError(_("This appeal has already been decided."))
        appeal.state = AppealState.ACCEPTED if accept else AppealState.REJECTED
        appeal.decided_by = user
        appeal.decided_at = timezone.now()
        appeal.decision_reason = reason.strip()
        appeal.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        transaction.on_commit(lambda: signals.appeal_decided.send(sender=Appeal, appeal_id=appeal.pk))
    return appeal


@dataclass
class Register:
    round: Round
    first: IndexRun | None
    latest: IndexRun | None
    deadline: datetime | None
    appeals: list[Appeal]
    changes: dict[int, dict]  # unit id → what the correction changed against the first publication
    results: dict[int, UnitResult]  # unit id → the latest published result

    @property
    def corrected(self) -> bool:
        return bool(self.first and self.latest and self.first.pk != self.latest.pk)

    @property
    def changed_rows(self) -> list[tuple[UnitResult, dict]]:
        return [(self.results[uid], ch) for uid, ch in self.changes.items() if uid in self.results]


def register_for(*, user, round: Round) -> Register:
    """The round's appeal register and the difference between the first and the latest publication."""
    if not can.can_read_appeal_register(user):
        raise PermissionDenied
    first = first_publication(round)
    latest = run_latest_published(round=round)
    appeals = list(
        Appeal.objects.filter(run__round=round)
        .select_related("unit", "run")
        .prefetch_related("nodes")
        .order_by("lodged_at", "id")
    )
    changes, results = {}, {}
    if first and latest and first.pk != latest.pk:
        changes = run_changes(run=latest, against=first)
        results = {r.unit_id: r for r in latest.results.filter(unit_id__in=changes).select_related("unit")}
    return Register(
        round=round,
        first=first,
        latest=latest,
        deadline=appeal_deadline(round),
        appeals=appeals,
        changes=changes,
        results=results,
    )


def appeal_to_decide(*, user, appeal_id: int) -> Appeal:
    if not can.can_decide_appeal(user):
        raise PermissionDenied
    appeal = Appeal.objects.select_related("unit", "run__round").filter(pk=appeal_id).first()
    if appeal is None:
        raise PermissionDenied
    return appeal
