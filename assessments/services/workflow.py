"""Transitions of an assessment (DESIGN §3) and deadline extensions.

Every transition locks the assessment row, asks the workflow table (``assessments/workflow.py``) whether
the user's role and the state allow it, checks the version the user saw (so a double click or a second
tab applies it once), writes an ``AssessmentEvent`` and a history record.
"""

from datetime import datetime
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import signals
from assessments.completeness import EVIDENCE, UNSCORED, leaf_problem
from assessments.models import Assessment, AssessmentState, LeafScore, NaDecision, Round
from assessments.services.common import (
    format_moment,
    history_reason,
    lock_assessment,
    record_event,
    require_version,
    self_leaves,
)
from assessments.services.scores import points_differ, require_explanation_open, scores_seed_appraisal
from assessments.workflow import Action, Transition, check
from parindex import permissions as can

S = AssessmentState


def _move(assessment: Assessment, *, user, step: Transition, comment: str = "") -> Assessment:
    """Apply one checked row of the workflow table: the new state, the version, the history, the event."""
    action, from_state = step.action, assessment.state
    assessment.state = step.to_state
    assessment.version += 1
    assessment._history_user = user
    assessment._change_reason = history_reason(f"{action}: {comment}" if comment else action)
    assessment.save()
    record_event(
        assessment=assessment, actor=user, action=action, from_state=from_state, to_state=step.to_state, comment=comment
    )
    return assessment


def submission_problems(assessment: Assessment) -> list[str]:
    """What stops the unit from submitting: unscored leaves, required evidence neither attached nor explained."""
    scores = {s.node_id: s for s in LeafScore.objects.filter(assessment=assessment).prefetch_related("evidence")}
    problems = []
    for node in self_leaves(assessment):
        problem = leaf_problem(node, scores.get(node.id))
        if problem == UNSCORED:
            problems.append(_("%(code)s %(name)s: not scored") % {"code": node.code, "name": node.name})
        elif problem == EVIDENCE:
            problems.append(
                _("%(code)s %(name)s: evidence required – attach a file or explain why there is none")
                % {"code": node.code, "name": node.name}
            )
    return problems


def assessment_submit(
    *, user, assessment_id: int, expected_version: int | None = None, now: datetime | None = None
) -> Assessment:
    now = now or timezone.now()
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        step = check(user, assessment, Action.SUBMIT)
        require_version(assessment, expected_version)
        deadline = assessment.round.self_deadline
        late = deadline is not None and now > deadline
        if late and not (assessment.extension_until and now <= assessment.extension_until):
            raise ValidationError(
                _("The self-assessment deadline (%(deadline)s) has passed; an administrator must grant an extension.")
                % {"deadline": format_moment(deadline)},
                code="deadline",
            )
        problems = submission_problems(assessment)
        if problems:
            raise ValidationError([_("The assessment cannot be submitted yet:")] + problems, code="incomplete")
        assessment.submitted_at = now
        assessment.submitted_late = late
        return _move(assessment, user=user, step=step, comment=_("late") if late else "")


def assessment_withdraw(*, user, assessment_id: int, expected_version: int | None = None) -> Assessment:
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        step = check(user, assessment, Action.WITHDRAW)
        require_version(assessment, expected_version)
        return _move(assessment, user=user, step=step)


def assessment_start_appraisal(*, user, assessment_id: int, expected_version: int | None = None) -> Assessment:
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        step = check(user, assessment, Action.START)
        require_version(assessment, expected_version)
        scores_seed_appraisal(assessment=assessment, user=user)
        return _move(assessment, user=user, step=step)


def assessment_request_explanations(*, user, assessment_id: int, expected_version: int | None = None) -> Assessment:
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        step = check(user, assessment, Action.REQUEST)
        require_version(assessment, expected_version)
        flagged = list(LeafScore.objects.filter(assessment=assessment, flagged=True).select_related("node"))
        if not flagged:
            raise ValidationError(_("Flag at least one criterion, with what the unit must explain."), code="no_flags")
        for score in flagged:
            if not score.flag_request.strip():
                raise ValidationError(
                    _("Criterion %(code)s is flagged without a request text.") % {"code": score.node.code}
                )
        codes = ", ".join(s.node.code for s in flagged)
        return _move(assessment, user=user, step=step, comment=codes)


def assessment_respond(
    *, user, assessment_id: int, expected_version: int | None = None, now: datetime | None = None
) -> Assessment:
    now = now or timezone.now()
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        step = check(user, assessment, Action.RESPOND)
        require_version(assessment, expected_version)
        require_explanation_open(assessment, now)
        missing = [
            s.node.code
            for s in LeafScore.objects.filter(assessment=assessment, flagged=True).select_related("node")
            if not s.explanation.strip()
        ]
        if missing:
            raise ValidationError(
                _("Write an explanation for every flagged criterion (missing: %(codes)s).")
                % {"codes": ", ".join(missing)},
                code="incomplete",
            )
        deadline = assessment.round.explanation_deadline
        assessment.explained_late = deadline is not None and now > deadline
        return _move(
            assessment,
            user=user,
            step=step,
            comment=_("late") if assessment.explained_late else "",
        )


def assessment_resume_appraisal(*, user, assessment_id: int, expected_version: int | None = None) -> Assessment:
    """Round 2: the appraiser takes the explained assessment back; flags are cleared, texts stay."""
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        step = check(user, assessment, Action.RESUME)
        require_version(assessment, expected_version)
        for score in LeafScore.objects.select_for_update().filter(assessment=assessment, flagged=True):
            score.flagged = False
            score.version += 1
            score.updated_by = user
            score._history_user = user
            score._change_reason = "explanation received"
            score.save()
        assessment.appraisal_round += 1
        return _move(
            assessment,
            user=user,
            step=step,
            comment=_("appraisal round %(n)s") % {"n": assessment.appraisal_round},
        )


def appraisal_problems(assessment: Assessment) -> list[str]:
    scores = {s.node_id: s for s in LeafScore.objects.filter(assessment=assessment)}
    problems = []
    for node in self_leaves(assessment):
        score = scores.get(node.id)
        label = {"code": node.code, "name": node.name}
        if score is None:
            problems.append(_("%(code)s %(name)s: not appraised") % label)
        elif score.self_na and not score.na_decision:
            problems.append(_("%(code)s %(name)s: confirm or reject the not-applicable claim") % label)
        elif score.app_inputs is None and score.na_decision != NaDecision.CONFIRMED:
            problems.append(_("%(code)s %(name)s: not appraised") % label)
        elif points_differ(score) and not score.app_note.strip():
            problems.append(_("%(code)s %(name)s: a note is required where points differ") % label)
        elif score.flagged:
            problems.append(_("%(code)s %(name)s: still flagged – request explanations or remove the flag") % label)
    return problems


def assessment_complete(*, user, assessment_id: int, expected_version: int | None = None) -> Assessment:
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        step = check(user, assessment, Action.COMPLETE)
        require_version(assessment, expected_version)
        problems = appraisal_problems(assessment)
        if problems:
            raise ValidationError([_("The appraisal cannot be completed yet:")] + problems, code="incomplete")
        assessment.appraised_at = timezone.now()
        return _move(assessment, user=user, step=step)


def _send_after_commit(signal, assessment: Assessment) -> None:
    transaction.on_commit(
        partial(signal.send, sender=Assessment, round_id=assessment.round_id, assessment_id=assessment.pk)
    )


def assessment_finalise(*, user, assessment_id: int, expected_version: int | None = None) -> Assessment:
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        step = check(user, assessment, Action.FINALISE)
        require_version(assessment, expected_version)
        assessment.finalised_at = timezone.now()
        _move(assessment, user=user, step=step)
        _send_after_commit(signals.assessment_finalised, assessment)
    return assessment


def assessments_finalise_appraised(*, user, round: Round) -> list[Assessment]:
    """Finalise every appraised assessment of the round at once (all or none)."""
    if not can.can_finalise_assessment(user):
        raise PermissionDenied(_("Only an administrator may do this."))
    with transaction.atomic():
        # Locked in primary-key order like every other multi-row lock, so it cannot deadlock with a reopen.
        ids = list(
            Assessment.objects.select_for_update()
            .filter(round=round, state=S.APPRAISED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        return [assessment_finalise(user=user, assessment_id=pk) for pk in ids]


def assessment_reopen(*, user, assessment_id: int, reason: str, expected_version: int | None = None) -> Assessment:
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        step = check(user, assessment, Action.REOPEN)
        require_version(assessment, expected_version)
        if not (reason or "").strip():
            raise ValidationError({"reason": _("Give the reason for reopening.")})
        assessment.finalised_at = None
        assessment.appraised_at = None
        _move(assessment, user=user, step=step, comment=reason.strip())
        _send_after_commit(signals.assessment_reopened, assessment)
    return assessment


def assessment_grant_extension(
    *, user, assessment_id: int, kind: str, until: datetime, now: datetime | None = None
) -> Assessment:
    """Let a unit submit (``kind="self"``) or explain (``kind="explanation"``) after the round's deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        if not can.can_grant_extension(user, assessment):
            raise PermissionDenied(_("Only an administrator may do this."))
        action = {"self": Action.EXTEND_SELF, "explanation": Action.EXTEND_EXPLANATION}.get(kind)
        if action is None:
            raise ValidationError({"kind": _("Unknown kind of extension.")})
        if until is None or until <= now:
            raise ValidationError({"until": _("The extension must end in the future.")})
        check(user, assessment, action)
        if action == Action.EXTEND_SELF:
            assessment.extension_until = until
        else:
            assessment.explanation_extension_until = until
        assessment.version += 1
        assessment._history_user = user
        assessment._change_reason = action
        assessment.save()
        record_event(
            assessment=assessment,
            actor=user,
            action=action,
            from_state=assessment.state,
            to_state=assessment.state,
            comment=_("until %(until)s") % {"until": format_moment(until)},
        )
    return assessment


# The service that carries out each button of the workflow table (the transition view dispatches on it).
SERVICES = {
    Action.SUBMIT: assessment_submit,
    Action.WITHDRAW: assessment_withdraw,
    Action.START: assessment_start_appraisal,
    Action.REQUEST: assessment_request_explanations,
    Action.RESPOND: assessment_respond,
    Action.RESUME: assessment_resume_appraisal,
    Action.COMPLETE: assessment_complete,
    Action.FINALISE: assessment_finalise,
}
