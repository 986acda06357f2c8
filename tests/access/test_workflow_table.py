"""The one workflow table (assessments/workflow.py): what the page offers is what the services accept."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from assessments import workflow
from assessments.models import Assessment
from assessments.models import AssessmentState as S
from assessments.services import workflow as services
from tests.assessments.factories import (
    appraised,
    explanation_requested,
    fill,
    finalised,
    in_appraisal,
    save_self,
    submitted,
)

pytestmark = pytest.mark.django_db

PERSONAS = ("officer_a", "officer_b", "appraiser", "leader", "admin_user")


def test_the_table_is_the_design_diagram():
    """DESIGN §3, row by row: (action, from states, next state)."""
    moves = {(t.action, t.from_states, t.to_state) for t in workflow.TABLE if t.to_state is not None}
    assert moves == {
        ("submit", (S.DRAFT,), S.SUBMITTED),
        ("withdraw", (S.SUBMITTED,), S.DRAFT),
        ("start_appraisal", (S.SUBMITTED,), S.IN_APPRAISAL),
        ("request_explanations", (S.IN_APPRAISAL,), S.EXPLANATION_REQUESTED),
        ("respond", (S.EXPLANATION_REQUESTED,), S.EXPLAINED),
        ("resume_appraisal", (S.EXPLAINED,), S.IN_APPRAISAL),
        ("complete", (S.IN_APPRAISAL,), S.APPRAISED),
        ("finalise", (S.APPRAISED,), S.FINALISED),
        ("reopen", (S.FINALISED,), S.IN_APPRAISAL),
    }


def test_every_button_has_its_service_and_every_service_its_row():
    buttons = {t.action for t in workflow.TABLE if t.button}
    assert buttons == set(services.SERVICES)


def _explained(officer, appraiser, assessment):
    explanation_requested(officer, appraiser, assessment)
    save_self(officer, assessment, "1.1.2", explanation="Đã bổ sung báo cáo")
    services.assessment_respond(user=officer, assessment_id=assessment.pk)


STATES = {
    S.DRAFT: lambda o, ap, ad, a: fill(o, a),
    S.SUBMITTED: lambda o, ap, ad, a: submitted(o, a),
    S.IN_APPRAISAL: lambda o, ap, ad, a: in_appraisal(o, ap, a),
    S.EXPLANATION_REQUESTED: lambda o, ap, ad, a: explanation_requested(o, ap, a),
    S.EXPLAINED: lambda o, ap, ad, a: _explained(o, ap, a),
    S.APPRAISED: lambda o, ap, ad, a: appraised(o, ap, a),
    S.FINALISED: lambda o, ap, ad, a: finalised(o, ap, ad, a),
}


def _service_verdict(service, user, assessment) -> str:
    """'accepted', 'refused' (PermissionDenied or wrong state) or 'checked' (let in, then a finer check said no)."""
    with transaction.atomic():
        try:
            service(user=user, assessment_id=assessment.pk)
        except PermissionDenied:
            verdict = "refused"
        except ValidationError as exc:
            verdict = "refused" if getattr(exc, "code", None) == "wrong_state" else "checked"
        else:
            verdict = "accepted"
        transaction.set_rollback(True)
    return verdict


@pytest.mark.parametrize("state", list(STATES))
def test_page_buttons_are_exactly_the_actions_the_services_let_in(
    state, request, officer_a, appraiser, admin_user, assessment_a, client_for
):
    STATES[state](officer_a, appraiser, admin_user, assessment_a)
    assessment = Assessment.objects.get(pk=assessment_a.pk)
    assert assessment.state == state
    for name in PERSONAS:
        user = request.getfixturevalue(name)
        offered = {t.action for t in workflow.actions_for(user, assessment)}
        let_in = {
            a for a, service in services.SERVICES.items() if _service_verdict(service, user, assessment) != "refused"
        }
        assert offered == let_in, (state, name)
        if name != "officer_b":  # officer_b cannot open unit A's page at all (404)
            html = client_for(user).get(reverse("assessments:detail", args=[assessment.pk])).content.decode()
            shown = {a for a in services.SERVICES if f'data-action="{a}"' in html}
            assert shown == offered, (state, name)


def test_wrong_role_is_403_before_the_state_is_looked_at(officer_a, leader, assessment_a):
    fill(officer_a, assessment_a)
    with pytest.raises(PermissionDenied):
        workflow.check(leader, assessment_a, workflow.Action.FINALISE)  # wrong role and wrong state
    with pytest.raises(ValidationError) as exc:
        workflow.check(officer_a, assessment_a, workflow.Action.WITHDRAW)  # right role, wrong state
    assert exc.value.code == "wrong_state"
