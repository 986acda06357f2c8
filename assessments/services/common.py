"""Helpers shared by the score, workflow and evidence services: role checks, locks, deadlines."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments.models import Assessment, AssessmentEvent, AssessmentState, Framework, Node, Source

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


def require_officer_of(user, assessment: Assessment) -> None:
    if not (getattr(user, "is_officer", False) and user.unit_id == assessment.unit_id):
        raise PermissionDenied(_("Only an officer of %(unit)s may do this.") % {"unit": assessment.unit})


def require_appraiser(user) -> None:
    if not getattr(user, "is_appraiser", False):
        raise PermissionDenied(_("Only an appraiser may do this."))


def require_admin(user) -> None:
    if not getattr(user, "is_admin_role", False):
        raise PermissionDenied(_("Only an administrator may do this."))


def require_state(assessment: Assessment, *states: str) -> None:
    if assessment.state not in states:
        allowed = ", ".join(str(AssessmentState(s).label) for s in states)
        raise ValidationError(
            _("This is not possible while the assessment is “%(state)s” (only when: %(allowed)s).")
            % {"state": assessment.get_state_display(), "allowed": allowed},
            code="wrong_state",
        )


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


def record_event(*, assessment: Assessment, actor, action: str, from_state: str, to_state: str, comment: str = "") -> None:
    AssessmentEvent.objects.create(
        assessment=assessment, actor=actor, action=action, from_state=from_state, to_state=to_state, comment=comment
    )
