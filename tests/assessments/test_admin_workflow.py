"""Workflow actions in the Django admin go through the services (events, guards)."""

from django.urls import reverse

from assessments.models import AssessmentState
from tests.assessments.factories import appraised


def test_admin_finalises_selected_appraised_assessments(
    client_for, admin_user, officer_a, appraiser, assessment_a, assessment_b
):
    appraised(officer_a, appraiser, assessment_a)
    c = client_for(admin_user)
    selected = {"action": "finalise", "_selected_action": [assessment_a.pk, assessment_b.pk]}
    page = c.post(reverse("admin:assessments_assessment_changelist"), selected).content.decode()
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.APPRAISED  # the first POST only shows the consequences
    assert 'name="confirm"' in page and "Sở Tư pháp" in page
    r = c.post(reverse("admin:assessments_assessment_changelist"), {**selected, "confirm": "on"}, follow=True)
    assessment_a.refresh_from_db()
    assessment_b.refresh_from_db()
    assert assessment_a.state == AssessmentState.FINALISED
    assert assessment_b.state == AssessmentState.DRAFT  # not appraised: refused with a message
    assert assessment_a.events.filter(action="finalise", actor=admin_user).exists()
    assert "Sở Tư pháp" in r.content.decode()


def test_admin_grants_an_extension_from_the_changelist(client_for, admin_user, assessment_a):
    client_for(admin_user).post(
        reverse("admin:assessments_assessment_changelist"),
        {
            "action": "grant_self_extension",
            "_selected_action": [assessment_a.pk],
            "until": "2099-03-01T17:00",
        },
    )
    assessment_a.refresh_from_db()
    assert assessment_a.extension_until is not None and assessment_a.extension_until.year == 2099
    assert assessment_a.events.filter(action="extend_self").exists()


def test_workflow_admin_pages_open(client_for, admin_user, officer_a, appraiser, assessment_a):
    appraised(officer_a, appraiser, assessment_a)
    c = client_for(admin_user)
    for name in ("assessment", "leafscore", "evidencefile", "assessmentevent"):
        assert c.get(reverse(f"admin:assessments_{name}_changelist")).status_code == 200
    assert c.get(reverse("admin:assessments_assessment_change", args=[assessment_a.pk])).status_code == 200
    assert c.get(reverse("admin:assessments_assessment_history", args=[assessment_a.pk])).status_code == 200


def test_history_records_are_read_only_in_the_admin(client_for, admin_user, officer_a, appraiser, assessment_a):
    from surveys.models import SurveyImport

    appraised(officer_a, appraiser, assessment_a)
    event = assessment_a.events.first()
    imp = SurveyImport.objects.create(
        round=assessment_a.round, survey="sipas", file="surveys/x.xlsx", original_name="x.xlsx", sha256="0" * 64
    )
    c = client_for(admin_user)
    for app, model, pk in (("assessments", "assessmentevent", event.pk), ("surveys", "surveyimport", imp.pk)):
        assert c.get(reverse(f"admin:{app}_{model}_add")).status_code == 403
        assert c.post(reverse(f"admin:{app}_{model}_delete", args=[pk]), {"post": "yes"}).status_code == 403
        page = c.get(reverse(f"admin:{app}_{model}_change", args=[pk]))
        assert page.status_code == 200 and b'name="_save"' not in page.content  # shown, not editable
    assert assessment_a.events.filter(pk=event.pk).exists() and SurveyImport.objects.filter(pk=imp.pk).exists()
