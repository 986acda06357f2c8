"""Each assessment event and each publication reaches the right people, in the app and by e-mail (real SMTP)."""

import pytest
from django.urls import reverse

from assessments.models import LeafScore
from assessments.services import workflow
from notifications import services
from notifications.models import EmailStatus, Notification, Verb
from rankings import services as ranking_services
from tests.assessments.factories import appraised, fill, in_appraisal, leaf, submitted
from tests.security.world import result_run

pytestmark = pytest.mark.django_db


def _subject(message) -> str:
    # The default policy decodes the RFC 2047 words; folding leaves a leading space.
    return str(message["Subject"]).strip()


def _recipients(verb: str) -> set[str]:
    return set(Notification.objects.filter(verb=verb).values_list("recipient__username", flat=True))


def test_submission_tells_appraisers_in_app_and_by_email_in_vietnamese_with_a_link(
    assessment_a, with_emails, smtp_inbox, django_capture_on_commit_callbacks
):
    officer = with_emails["officer_a"]
    with django_capture_on_commit_callbacks(execute=True):
        submitted(officer, assessment_a)
    assert _recipients(Verb.SUBMISSION_RECEIVED) == {"appraiser"}
    note = Notification.objects.get(verb=Verb.SUBMISSION_RECEIVED)
    assert note.text == f"{assessment_a.unit.name} đã nộp bản tự đánh giá {assessment_a.round}."
    assert note.link == reverse("assessments:detail", kwargs={"pk": assessment_a.pk})
    assert note.email_status == EmailStatus.SENT and note.emailed_at is not None

    [mail] = smtp_inbox.wait_for(1)
    assert mail["To"] == "appraiser@angiang.gov.vn"
    assert _subject(mail) == "[ParIndex] Đơn vị đã nộp tự đánh giá"
    body = mail.get_content()
    assert "Kính gửi appraiser," in body
    assert note.text in body
    assert f"https://parindex.angiang.gov.vn/assessments/{assessment_a.pk}/" in body
    assert "https://parindex.angiang.gov.vn/notifications/preferences/" in body


def test_explanation_request_and_answer_reach_the_unit_then_the_appraisers(
    assessment_a, with_emails, smtp_inbox, django_capture_on_commit_callbacks
):
    officer, appraiser = with_emails["officer_a"], with_emails["appraiser"]
    in_appraisal(officer, appraiser, assessment_a)
    score = LeafScore.objects.get(assessment=assessment_a, node=leaf(assessment_a, "1.2"))
    LeafScore.objects.filter(pk=score.pk).update(flagged=True, flag_request="Bổ sung quyết định ban hành")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assessment_request_explanations(user=appraiser, assessment_id=assessment_a.pk)
    assert _recipients(Verb.EXPLANATION_REQUESTED) == {"officer_a"}  # not unit B's officer
    text = Notification.objects.get(verb=Verb.EXPLANATION_REQUESTED).text
    assert "Yêu cầu giải trình 1 tiêu chí" in text and "Hạn:" in text

    LeafScore.objects.filter(pk=score.pk).update(explanation="Quyết định số 12/QĐ-SNV đính kèm")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.assessment_respond(user=officer, assessment_id=assessment_a.pk)
    assert _recipients(Verb.EXPLANATION_RECEIVED) == {"appraiser"}
    addressed = sorted(m["To"] for m in smtp_inbox.wait_for(2))
    assert addressed == ["appraiser@angiang.gov.vn", "officer_a@angiang.gov.vn"]


def test_finished_appraisal_tells_the_unit_and_the_administrators(
    assessment_a, with_emails, django_capture_on_commit_callbacks
):
    officer, appraiser = with_emails["officer_a"], with_emails["appraiser"]
    with django_capture_on_commit_callbacks(execute=True):
        appraised(officer, appraiser, assessment_a)
    assert _recipients(Verb.APPRAISAL_FINISHED) == {"officer_a", "admin"}


def test_a_rolled_back_transition_tells_no_one(assessment_a, with_emails, django_capture_on_commit_callbacks):
    from django.db import transaction

    fill(with_emails["officer_a"], assessment_a)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        workflow.assessment_submit(user=with_emails["officer_a"], assessment_id=assessment_a.pk)
        transaction.set_rollback(True)
    assert not Notification.objects.exists()


def test_publication_tells_leaders_home_affairs_and_the_units_in_the_run(
    round_2021, assessment_a, unit_b, with_emails, smtp_inbox, django_capture_on_commit_callbacks
):
    run = result_run(round_2021, published=False)
    with django_capture_on_commit_callbacks(execute=True):
        ranking_services.index_run_publish(run=run, user=with_emails["admin"], confirmed=True, reason="Kiểm thử")
    # Unit B has no result in this run: its officer is not told.
    assert _recipients(Verb.RESULTS_PUBLISHED) == {"leader", "appraiser", "officer_a"}
    note = Notification.objects.get(verb=Verb.RESULTS_PUBLISHED, recipient__username="leader")
    assert note.link == reverse("dashboard:round", kwargs={"year": 2021})
    assert "đã được công bố" in note.text
    assert len(smtp_inbox.wait_for(3)) == 3


def test_smtp_failure_is_recorded_and_does_not_break_the_action(
    assessment_a, with_emails, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    with django_capture_on_commit_callbacks(execute=True):
        submitted(with_emails["officer_a"], assessment_a)
    assessment_a.refresh_from_db()
    assert assessment_a.state == "submitted"
    note = Notification.objects.get(verb=Verb.SUBMISSION_RECEIVED)
    assert note.email_status == EmailStatus.FAILED and note.email_error


def test_no_email_for_a_recipient_without_address(
    assessment_a, officer_a, appraiser, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted(officer_a, assessment_a)
    note = Notification.objects.get(recipient=appraiser)
    assert note.email_status == EmailStatus.SKIPPED
    assert mailoutbox == []
    assert services.notification_email_send(notification_id=note.pk) == EmailStatus.SKIPPED


def test_demo_step_marks_the_history_of_closed_rounds_read(
    round_2021, unit_a, leader, django_capture_on_commit_callbacks
):
    from notifications.demo import load_demo_notifications

    round_2021.status = "closed"
    round_2021.save()
    old = result_run(round_2021, published=False)
    with django_capture_on_commit_callbacks(execute=True):
        ranking_services.index_run_publish(
            run=old,
            user=leader.__class__.objects.create(username="adm", is_par_admin=True),
            confirmed=True,
            reason="Kiểm thử",
        )
    assert Notification.objects.filter(recipient=leader, read_at__isnull=True).count() == 1
    load_demo_notifications()
    assert Notification.objects.filter(recipient=leader, read_at__isnull=True).count() == 0
