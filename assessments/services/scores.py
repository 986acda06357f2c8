"""Saving a leaf's self-assessment and appraisal inputs; points are always derived from inputs."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assessments.models import Assessment, AssessmentState, LeafScore, NaDecision, Node, Source
from assessments.scoring import describe_inputs, leaf_points, validate_inputs
from assessments.services.common import (
    format_moment,
    lock_assessment,
    self_leaves,
)
from assessments.workflow import Action, check


class StaleEdit(ValidationError):
    """The form was rendered from an older version of the leaf: someone else saved in between."""

    def __init__(self, message: str, *, current: LeafScore):
        super().__init__(message, code="stale")
        self.current = current


def _leaf_of(assessment: Assessment, node_id: int) -> Node:
    try:
        return self_leaves(assessment).get(pk=node_id)
    except Node.DoesNotExist:
        raise ValidationError(_("This criterion is not scored by self-assessment in this assessment.")) from None


def _lock_score(assessment: Assessment, node: Node) -> LeafScore:
    """The leaf's score row, locked; a new unsaved one (version 0) if the leaf was never saved.

    The assessment row is already locked, so two first saves of the same leaf cannot both create it.
    """
    score = LeafScore.objects.select_for_update().filter(assessment=assessment, node=node).first()
    return score or LeafScore(assessment=assessment, node=node)


def _points_text(points: Decimal | None) -> str:
    return "—" if points is None else format(points, "f").replace(".", ",")


def _check_version(score: LeafScore, expected_version: int, *, side: str) -> None:
    if int(expected_version) == score.version:
        return
    who = score.updated_by or _("another user")
    if side == "self":
        value = (
            _("not applicable (%(reason)s)") % {"reason": score.self_na_reason}
            if score.self_na
            else f"{describe_inputs(node=score.node, inputs=score.self_inputs)} → {_points_text(score.self_points)}"
        )
    else:
        value = f"{describe_inputs(node=score.node, inputs=score.app_inputs)} → {_points_text(score.app_points)}"
    raise StaleEdit(
        _(
            "%(who)s saved criterion %(code)s at %(when)s, after you opened the page. Their value: %(value)s. "
            "Your change was not saved: check it and save again."
        )
        % {"who": who, "code": score.node.code, "when": format_moment(score.updated_at), "value": value},
        current=score,
    )


def _explanation_open(assessment: Assessment, now: datetime) -> bool:
    deadline = assessment.round.explanation_deadline
    if deadline is None or now <= deadline:
        return True
    return assessment.explanation_extension_until is not None and now <= assessment.explanation_extension_until


def require_explanation_open(assessment: Assessment, now: datetime) -> None:
    if not _explanation_open(assessment, now):
        raise ValidationError(
            _("The explanation deadline (%(deadline)s) has passed; an administrator must grant an extension.")
            % {"deadline": format_moment(assessment.round.explanation_deadline)},
            code="deadline",
        )


def _save(score: LeafScore, *, user, reason: str) -> None:
    score.version += 1
    score.updated_by = user
    score._history_user = user
    score._change_reason = reason
    score.save()  # inputs were validated by the scoring rules; the database constraints guard the rest


def score_save_self(
    *,
    user,
    assessment_id: int,
    node_id: int,
    expected_version: int,
    inputs: dict | None,
    na: bool = False,
    na_reason: str = "",
    note: str = "",
    evidence_absence_note: str = "",
    explanation: str | None = None,
    now: datetime | None = None,
) -> LeafScore:
    """The unit's inputs for one leaf: in draft any leaf, when explanations are requested only flagged ones."""
    now = now or timezone.now()
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        check(user, assessment, Action.EDIT_SELF)
        node = _leaf_of(assessment, node_id)
        score = _lock_score(assessment, node)
        if assessment.state == AssessmentState.EXPLANATION_REQUESTED:
            if not score.flagged:
                raise ValidationError(
                    _("Only the criteria the appraiser flagged can be changed now."), code="not_flagged"
                )
            require_explanation_open(assessment, now)
        _check_version(score, expected_version, side="self")
        if na:
            if not node.na_allowed:
                raise ValidationError(
                    {"na": _("Criterion %(code)s cannot be marked not applicable.") % {"code": node.code}}
                )
            if not na_reason.strip():
                raise ValidationError({"na_reason": _("Give the reason why the criterion is not applicable.")})
            score.self_na, score.self_na_reason = True, na_reason.strip()
            score.self_inputs, score.self_points = None, None
        else:
            clean = validate_inputs(node=node, inputs=inputs)
            score.self_na, score.self_na_reason = False, ""
            score.self_inputs, score.self_points = clean, leaf_points(node=node, inputs=clean)
        score.self_note = note.strip()
        score.evidence_absence_note = evidence_absence_note.strip()
        if explanation is not None and assessment.state == AssessmentState.EXPLANATION_REQUESTED:
            score.explanation = explanation.strip()
            score.explained_at = now if score.explanation else None
        _save(score, user=user, reason="self")
    return score


def points_differ(score: LeafScore) -> bool:
    """Whether the appraisal departs from the unit's self-assessment (then a note is required)."""
    if score.self_na:
        return score.na_decision == NaDecision.REJECTED
    return score.app_points != score.self_points


def score_save_appraisal(
    *,
    user,
    assessment_id: int,
    node_id: int,
    expected_version: int,
    inputs: dict | None,
    note: str = "",
    na_decision: str | None = None,
    flagged: bool = False,
    flag_request: str = "",
) -> LeafScore:
    """The appraiser's inputs for one leaf, N/A decision and explanation flag; self inputs are never touched."""
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        check(user, assessment, Action.APPRAISE)
        node = _leaf_of(assessment, node_id)
        score = _lock_score(assessment, node)
        _check_version(score, expected_version, side="app")
        if score.self_na:
            if na_decision not in (NaDecision.CONFIRMED, NaDecision.REJECTED):
                raise ValidationError({"na_decision": _("Confirm or reject the unit's not-applicable claim.")})
            score.na_decision = na_decision
        elif na_decision:
            raise ValidationError({"na_decision": _("The unit did not claim this criterion is not applicable.")})
        if score.self_na and score.na_decision == NaDecision.CONFIRMED:
            score.app_inputs, score.app_points = None, None
        else:
            clean = validate_inputs(node=node, inputs=inputs)
            score.app_inputs, score.app_points = clean, leaf_points(node=node, inputs=clean)
        score.app_note = note.strip()
        if points_differ(score) and not score.app_note:
            raise ValidationError(
                {"app_note": _("Write a note: the appraised points differ from the unit's self-assessment.")}
            )
        if flagged and not flag_request.strip():
            raise ValidationError({"flag_request": _("Write what the unit must explain.")})
        score.flagged = bool(flagged)
        if flagged:
            score.flag_request = flag_request.strip()
        _save(score, user=user, reason="appraisal")
    return score


def scores_accept_untouched(*, user, assessment_id: int) -> list[str]:
    """Accept the unit's values on every leaf the appraisers have not saved yet; answers the codes accepted.

    "Not touched": no appraisal save in the leaf's history (seeding at the start of the appraisal does not
    count) and not flagged. Each accepted leaf gets its own history record, as a save by hand would.
    An N/A claim is confirmed; inputs are the unit's (already seeded, set again in case they were not).
    """
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        check(user, assessment, Action.APPRAISE)
        touched = set(
            LeafScore.history.filter(assessment_id=assessment.pk, history_change_reason="appraisal").values_list(
                "id", flat=True
            )
        )
        scores = list(
            LeafScore.objects.select_for_update()
            .select_related("node")
            .filter(assessment=assessment, node__in=self_leaves(assessment), flagged=False)
            .exclude(pk__in=touched)
            .order_by("pk")
        )
        accepted = []
        for score in scores:
            if score.self_na:
                score.na_decision = NaDecision.CONFIRMED
                score.app_inputs, score.app_points = None, None
            elif score.self_inputs is not None:
                score.app_inputs, score.app_points = score.self_inputs, score.self_points
            else:
                continue  # nothing of the unit's to accept
            _save(score, user=user, reason="appraisal accepted")
            accepted.append(score.node.code)
    return accepted


def scores_seed_appraisal(*, assessment: Assessment, user) -> int:
    """Start the appraisal from the unit's inputs (caller holds the assessment lock); returns leaves seeded."""
    seeding = LeafScore.objects.filter(
        assessment=assessment,
        app_inputs__isnull=True,
        self_inputs__isnull=False,
        self_na=False,
        node__source=Source.SELF,
    )
    ids = list(seeding.values_list("pk", flat=True))
    LeafScore.objects.filter(pk__in=ids).update(
        app_inputs=F("self_inputs"),
        app_points=F("self_points"),
        version=F("version") + 1,
        updated_by=user,
        updated_at=timezone.now(),
    )
    LeafScore.history.bulk_history_create(
        list(LeafScore.objects.filter(pk__in=ids)),
        update=True,
        default_user=user,
        default_change_reason="appraisal started",
    )
    return len(ids)


@dataclass(frozen=True)
class SelfEntry:
    """The unit's inputs for one leaf, for filling many leaves at once."""

    node_id: int
    inputs: dict | None = None
    na: bool = False
    na_reason: str = ""
    note: str = ""
    evidence_absence_note: str = ""
    evidence_ids: tuple[int, ...] = ()


def scores_fill_self(*, user, assessment_id: int, entries: list[SelfEntry]) -> list[LeafScore]:
    """Score many leaves of a draft in one go (demo data, bulk entry): all or nothing.

    Only leaves never saved before may be filled this way (so there is no edit to conflict with);
    every entry is validated first and every problem is reported with the criterion's code.
    """
    from assessments.models import EvidenceFile

    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        check(user, assessment, Action.FILL_SELF)
        leaves = {n.pk: n for n in self_leaves(assessment)}
        # Rows may exist unscored (a file attached before any input): those are filled, not refused.
        existing = {
            s.node_id: s
            for s in LeafScore.objects.select_for_update().filter(
                assessment=assessment, node_id__in=[e.node_id for e in entries]
            )
        }
        evidence_ok = set(EvidenceFile.objects.filter(assessment=assessment).values_list("pk", flat=True))
        errors, scores = [], []
        now = timezone.now()
        for entry in entries:
            node = leaves.get(entry.node_id)
            if node is None:
                errors.append(_("This criterion is not scored by self-assessment in this assessment."))
                continue
            score = existing.get(entry.node_id)
            if score is not None and (score.version or score.self_na or score.self_inputs is not None):
                errors.append(_("%(code)s: already scored; change it on its own.") % {"code": node.code})
                continue
            if set(entry.evidence_ids) - evidence_ok:
                errors.append(_("Choose a file of this assessment."))
                continue
            score = score or LeafScore(assessment=assessment, node=node)
            score.self_note, score.evidence_absence_note = entry.note.strip(), entry.evidence_absence_note.strip()
            score.version, score.updated_by, score.updated_at = 1, user, now
            try:
                if entry.na:
                    if not node.na_allowed or not entry.na_reason.strip():
                        raise ValidationError(
                            _("Criterion %(code)s cannot be marked not applicable.") % {"code": node.code}
                        )
                    score.self_na, score.self_na_reason = True, entry.na_reason.strip()
                else:
                    clean = validate_inputs(node=node, inputs=entry.inputs)
                    score.self_inputs, score.self_points = clean, leaf_points(node=node, inputs=clean)
            except ValidationError as exc:
                errors.extend(f"{node.code}: {m}" for m in exc.messages)
                continue
            scores.append(score)
        if errors:
            raise ValidationError(errors)
        for score in scores:
            if score.pk is not None:  # the few rows that existed unscored
                score._history_user, score._change_reason = user, "self"
                score.save()
        bulk_create_with_history(
            [s for s in scores if s.pk is None], LeafScore, default_user=user, default_change_reason="self"
        )
        by_node = {
            s.node_id: s
            for s in LeafScore.objects.filter(assessment=assessment, node_id__in=[s.node_id for s in scores])
        }
        through = LeafScore.evidence.through
        through.objects.bulk_create(
            [
                through(leafscore_id=by_node[e.node_id].pk, evidencefile_id=ev)
                for e in entries
                for ev in e.evidence_ids
                if e.node_id in by_node
            ],
            ignore_conflicts=True,
        )
    return list(by_node.values())
