"""Each event reaches each recipient at most once, whatever fires twice; e-mail is sent once per notification."""

import pytest

from assessments.models import AssessmentEvent
from assessments.signals import assessment_event_recorded
from notifications import services
from notifications.models import Notification, NotificationPreference, Verb
from tests.assessments.factories import submitted

pytestmark = pytest.mark.django_db


def test_notify_twice_with_the_same_key_creates_one_notification_per_recipient(appraiser, leader):
    first = services.notify(recipients=[appraiser, leader], key="k1", verb=Verb.RESULTS_PUBLISHED, text="t")
    again = services.notify(recipients=[appraiser, leader], key="k1", verb=Verb.RESULTS_PUBLISHED, text="t")
    assert len(first) == 2 and again == []
    assert Notification.objects.filter(key="k1").count() == 2


def test_an_event_signal_fired_twice_tells_and_mails_each_appraiser_once(
    assessment_a, officer_a, appraiser, with_emails, smtp_inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted(officer_a, assessment_a)
    event = AssessmentEvent.objects.get(assessment=assessment_a, action="submit")
    with django_capture_on_commit_callbacks(execute=True):
        assessment_event_recorded.send(
            sender=AssessmentEvent,
            round_id=assessment_a.round_id,
            assessment_id=assessment_a.pk,
            event_id=event.pk,
            action="submit",
        )
    assert Notification.objects.filter(recipient=appraiser, verb=Verb.SUBMISSION_RECEIVED).count() == 1
    assert len(smtp_inbox.wait_for(1)) == 1
    # The e-mail task delivered again (a redelivery) finds the mail sent and sends nothing.
    note = Notification.objects.get(recipient=appraiser)
    services.notification_email_send(notification_id=note.pk)
    assert len(smtp_inbox.wait_for(2, timeout=0.5)) == 1


def test_the_database_refuses_a_second_notification_of_the_same_event(appraiser):
    from django.db import IntegrityError, transaction

    Notification.objects.create(recipient=appraiser, key="x", verb=Verb.RESULTS_PUBLISHED, text="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(recipient=appraiser, key="x", verb=Verb.RESULTS_PUBLISHED, text="b")


def test_opted_out_user_gets_the_notification_in_the_app_but_no_email(
    assessment_a, officer_a, with_emails, smtp_inbox, django_capture_on_commit_callbacks
):
    appraiser = with_emails["appraiser"]
    NotificationPreference.objects.create(user=appraiser, email_enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        submitted(officer_a, assessment_a)
    note = Notification.objects.get(recipient=appraiser)
    assert note.email_status == "skipped"
    assert smtp_inbox.wait_for(1, timeout=0.5) == []
