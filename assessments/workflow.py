"""The assessment workflow (DESIGN §3) as ONE table: in which states each action is possible, who may
take it (a predicate of ``parindex.permissions``) and the state it leads to.

The services (``assessments/services/``) call ``check`` before every change, and the pages ask
``actions_for`` which buttons to show, so an action offered on a page is exactly an action the service
accepts (the services' own checks that go beyond the table, such as complete inputs or deadlines, are
reported as messages).

::

    draft ──submit (officer)──▶ submitted ──start (appraiser)──▶ in_appraisal
      ▲                            │ withdraw (officer, before appraisal starts)
      └────────────────────────────┘
    in_appraisal ──request explanations (appraiser)──▶ explanation_requested
    explanation_requested ──respond (officer)──▶ explained ──resume (appraiser)──▶ in_appraisal
    in_appraisal ──complete (appraiser)──▶ appraised ──finalise (admin)──▶ finalised
    finalised ──reopen (admin, reason required)──▶ in_appraisal

Rows whose ``to_state`` is ``None`` keep the state: editing inputs and granting deadline extensions.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rules import Predicate

from assessments.models import AssessmentState as S
from parindex import permissions as can


class Action:
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    START = "start_appraisal"
    REQUEST = "request_explanations"
    RESPOND = "respond"
    RESUME = "resume_appraisal"
    COMPLETE = "complete"
    FINALISE = "finalise"
    REOPEN = "reopen"
    EDIT_SELF = "edit_self"
    FILL_SELF = "fill_self"
    APPRAISE = "appraise"
    EXTEND_SELF = "extend_self"
    EXTEND_EXPLANATION = "extend_explanation"


@dataclass(frozen=True)
class Transition:
    action: str
    from_states: tuple[str, ...]
    rule: Predicate  # who may take the action, called as rule(user, assessment)
    to_state: str | None  # None: the state does not change
    label: str
    button: bool = True  # a plain button on the assessment page (reopen and extensions have their own forms)
    refused: str = ""  # the message of the 403 when ``rule`` says no
    # What the action changes, shown on its confirmation page; an action with consequences is taken only
    # after the user has read them and ticked the confirmation (assessments.views.confirm).
    consequences: tuple[str, ...] = ()

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.consequences)


_OFFICER = _("Only an officer of the unit may do this.")
_APPRAISER = _("Only an appraiser may do this.")
_ADMIN = _("Only an administrator may do this.")

TABLE: tuple[Transition, ...] = (
    Transition(
        Action.SUBMIT,
        (S.DRAFT,),
        can.can_edit_self_scores,
        S.SUBMITTED,
        _("Submit the self-assessment"),
        refused=_OFFICER,
    ),
    Transition(
        Action.WITHDRAW, (S.SUBMITTED,), can.can_edit_self_scores, S.DRAFT, _("Withdraw to draft"), refused=_OFFICER
    ),
    Transition(
        Action.START, (S.SUBMITTED,), can.can_appraise, S.IN_APPRAISAL, _("Start appraisal"), refused=_APPRAISER
    ),
    Transition(
        Action.REQUEST,
        (S.IN_APPRAISAL,),
        can.can_appraise,
        S.EXPLANATION_REQUESTED,
        _("Request explanations"),
        refused=_APPRAISER,
    ),
    Transition(
        Action.RESPOND,
        (S.EXPLANATION_REQUESTED,),
        can.can_edit_self_scores,
        S.EXPLAINED,
        _("Send the explanations"),
        refused=_OFFICER,
    ),
    Transition(
        Action.RESUME,
        (S.EXPLAINED,),
        can.can_appraise,
        S.IN_APPRAISAL,
        _("Appraise again (round 2)"),
        refused=_APPRAISER,
    ),
    Transition(
        Action.COMPLETE,
        (S.IN_APPRAISAL,),
        can.can_appraise,
        S.APPRAISED,
        _("Complete the appraisal"),
        refused=_APPRAISER,
    ),
    Transition(
        Action.FINALISE,
        (S.APPRAISED,),
        can.can_finalise_assessment,
        S.FINALISED,
        _("Finalise"),
        refused=_ADMIN,
        consequences=(
            _("The appraised points become final: neither the officer nor the appraiser can change them any more."),
            _("The next index computation counts this unit as final, no longer provisional."),
            _("Only an administrator can undo it, by reopening with a written reason."),
        ),
    ),
    Transition(
        Action.REOPEN,
        (S.FINALISED,),
        can.can_reopen_assessment,
        S.IN_APPRAISAL,
        _("Reopen"),
        button=False,
        refused=_ADMIN,
        consequences=(
            _("The assessment goes back to appraisal: the appraiser can change the points again."),
            _(
                "The unit is no longer final: the next index computation counts it as provisional, and the "
                "publication check lists it until it is finalised again."
            ),
            _("Results already published do not change."),
            _("Your reason is kept in the assessment's timeline."),
        ),
    ),
    # In draft every leaf; when explanations are requested only the flagged ones (the score service checks).
    Transition(
        Action.EDIT_SELF,
        (S.DRAFT, S.EXPLANATION_REQUESTED),
        can.can_edit_self_scores,
        None,
        _("Edit the self-assessment"),
        button=False,
        refused=_OFFICER,
    ),
    # Many never-saved leaves at once (demo data, bulk entry): in draft only.
    Transition(
        Action.FILL_SELF,
        (S.DRAFT,),
        can.can_edit_self_scores,
        None,
        _("Fill the self-assessment"),
        button=False,
        refused=_OFFICER,
    ),
    Transition(
        Action.APPRAISE, (S.IN_APPRAISAL,), can.can_appraise, None, _("Appraise"), button=False, refused=_APPRAISER
    ),
    Transition(
        Action.EXTEND_SELF,
        (S.DRAFT,),
        can.can_grant_extension,
        None,
        _("Self-assessment extension"),
        button=False,
        refused=_ADMIN,
    ),
    Transition(
        Action.EXTEND_EXPLANATION,
        (S.IN_APPRAISAL, S.EXPLANATION_REQUESTED),
        can.can_grant_extension,
        None,
        _("Explanation extension"),
        button=False,
        refused=_ADMIN,
    ),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TABLE}


def allowed(user, assessment, action: str) -> bool:
    """Whether ``user`` may take ``action`` on ``assessment`` now (role and state; not the finer checks)."""
    t = BY_ACTION[action]
    return assessment.state in t.from_states and bool(t.rule(user, assessment))


def actions_for(user, assessment) -> list[Transition]:
    """The buttons the assessment page shows this user."""
    return [t for t in TABLE if t.button and allowed(user, assessment, t.action)]


def check(user, assessment, action: str) -> Transition:
    """Refuse the action unless the table allows it: PermissionDenied (403) for a role that never may,
    ValidationError (a message) for the right role in the wrong state. Returns the table's row."""
    t = BY_ACTION[action]
    if not t.rule(user, assessment):
        raise PermissionDenied(str(t.refused))
    if assessment.state not in t.from_states:
        allowed_states = ", ".join(str(S(s).label) for s in t.from_states)
        raise ValidationError(
            gettext("This is not possible while the assessment is “%(state)s” (only when: %(allowed)s).")
            % {"state": assessment.get_state_display(), "allowed": allowed_states},
            code="wrong_state",
        )
    return t
