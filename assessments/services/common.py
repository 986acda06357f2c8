"""Helpers shared by the score, workflow and evidence services: locks, versions, deadlines.

Who may act in which state is the workflow table's business (``assessments/workflow.py``)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments import signals
from assessments.models import Assessment, AssessmentEvent, Framework, Node, Source

# simple-history stores the change reason in a varchar(100).
HISTORY_REASON_MAX = 100


def history_reason(text: str) -> str:
    """A change reason that fits the history column: long text (file names, comments) cut with an ellipsis.

    The full text stays where it belongs (the evidence's name, the event's comment); the reason only says
    what happened.
    """
    if len(text) <= HISTORY_REASON_MAX:
        return text
    return text[: HISTORY_REASON_MAX - 1] + "…"


def lock_assessment(assessment_id: int) -> Assessment:
    """Lock the assessment row for the rest of the transaction.

    Every write of an assessment or its scores takes this lock first (fixed lock order: assessment, then
    its leaf scores), so a transition and a score save, or two score saves of the same leaf, or two
    uploads of the same file, are applied one after the other and each sees the other's result.
    """
    return Assessment.objects.select_for_update().select_related("round", "unit").get(pk=assessment_id)


def require_version(assessment: Assessment, expected_version: int | None) -> None:
    """A transition is applied only to the assessment the user saw (a second click is refused)."""
    if expected_version is not None and int(expected_version) != assessment.version:
        raise ValidationError(
            _("The assessment has changed since you opened it (it is now “%(state)s”). Reload the page and try again.")
            % {"state": assessment.get_state_display()},
            code="stale",
        )


def format_moment(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def framework_of(assessment: Assessment) -> Framework:
    framework = Framework.objects.filter(round_id=assessment.round_id, group_id=assessment.group_id).first()
    if framework is None:
        raise ValidationError(_("No framework is defined for this unit's group in this round."))
    return framework


def self_leaves(assessment: Assessment):
    return Node.objects.filter(framework=framework_of(assessment), source=Source.SELF).leaves().order_by("order", "id")


def record_event(
    *, assessment: Assessment, actor, action: str, from_state: str, to_state: str, comment: str = ""
) -> None:
    event = AssessmentEvent.objects.create(
        assessment=assessment, actor=actor, action=action, from_state=from_state, to_state=to_state, comment=comment
    )
    # Listeners (notifications) hear of the event only once it has committed: a rolled-back transition tells no one.
    transaction.on_commit(
        lambda: signals.assessment_event_recorded.send(
            sender=AssessmentEvent,
            round_id=assessment.round_id,
            assessment_id=assessment.pk,
            event_id=event.pk,
            action=action,
        )
    )
