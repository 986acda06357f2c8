"""Finalise, finalise all and reopen are taken only after a page that lists their consequences, read from the
workflow table (assessments.workflow), and an explicit confirmation."""

from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from assessments.models import AssessmentState
from assessments.workflow import BY_ACTION, Action
from tests.assessments.factories import appraised, finalised


def _consequences(action: str) -> list[str]:
    with translation.override("vi"):
        return [escape(str(c)) for c in BY_ACTION[action].consequences]


def test_finalise_without_confirmation_changes_nothing_and_leads_to_the_consequences(
    client_for, officer_a, appraiser, admin_user, assessment_a
):
    appraised(officer_a, appraiser, assessment_a)
    assessment_a.refresh_from_db()
    c = client_for(admin_user)
    r = c.post(
        reverse("assessments:transition", args=[assessment_a.pk, Action.FINALISE]), {"version": assessment_a.version}
    )
    assert r.status_code == 302
    assert r.url == reverse("assessments:confirm", args=[assessment_a.pk, Action.FINALISE])
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.APPRAISED
    html = c.get(r.url).content.decode()
    for line in _consequences(Action.FINALISE):
        assert line in html
    c.post(
        reverse("assessments:transition", args=[assessment_a.pk, Action.FINALISE]),
        {"version": assessment_a.version, "confirm": "on"},
    )
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.FINALISED


def test_the_finalise_button_opens_the_confirmation_page(client_for, officer_a, appraiser, admin_user, assessment_a):
    appraised(officer_a, appraiser, assessment_a)
    html = client_for(admin_user).get(reverse("assessments:detail", args=[assessment_a.pk])).content.decode()
    assert f'href="{reverse("assessments:confirm", args=[assessment_a.pk, Action.FINALISE])}"' in html


def test_reopen_needs_confirmation_and_its_page_lists_the_consequences(
    client_for, officer_a, appraiser, admin_user, assessment_a
):
    finalised(officer_a, appraiser, admin_user, assessment_a)
    assessment_a.refresh_from_db()
    c = client_for(admin_user)
    url = reverse("assessments:reopen", args=[assessment_a.pk])
    r = c.post(url, {"version": assessment_a.version, "reason": "Sai số liệu"})
    assert r.status_code == 302
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.FINALISED
    html = c.get(reverse("assessments:confirm", args=[assessment_a.pk, Action.REOPEN])).content.decode()
    assert 'name="reason"' in html and 'name="confirm"' in html
    for line in _consequences(Action.REOPEN):
        assert line in html
    c.post(url, {"version": assessment_a.version, "reason": "Sai số liệu", "confirm": "on"})
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.IN_APPRAISAL


def test_confirmation_page_refuses_other_roles_and_wrong_states(
    client_for, officer_a, appraiser, admin_user, leader, assessment_a
):
    appraised(officer_a, appraiser, assessment_a)
    url = reverse("assessments:confirm", args=[assessment_a.pk, Action.FINALISE])
    assert client_for(leader).get(url).status_code == 403
    assert client_for(appraiser).get(url).status_code == 403
    # Reopen of an assessment that is not finalised: a message on the assessment page, no form.
    r = client_for(admin_user).get(reverse("assessments:confirm", args=[assessment_a.pk, Action.REOPEN]))
    assert r.status_code == 302 and r.url == reverse("assessments:detail", args=[assessment_a.pk])
    # An action without consequences has no confirmation page.
    assert (
        client_for(admin_user).get(reverse("assessments:confirm", args=[assessment_a.pk, Action.SUBMIT])).status_code
        == 404
    )


def test_finalise_all_lists_the_units_and_needs_confirmation(
    client_for, officer_a, appraiser, admin_user, assessment_a, assessment_b, round_2021
):
    appraised(officer_a, appraiser, assessment_a)
    c = client_for(admin_user)
    url = reverse("assessments:finalise_all", args=[round_2021.pk])
    html = c.get(url).content.decode()
    assert str(assessment_a.unit) in html and str(assessment_b.unit) not in html
    for line in _consequences(Action.FINALISE):
        assert line in html
    c.post(url)
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.APPRAISED
    c.post(url, {"confirm": "on"})
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.FINALISED
