"""Deadline reminders: due at the configured thresholds, never twice, from the command or Celery beat."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Assessment, AssessmentState, LeafScore
from notifications import services
from notifications.models import Notification, Verb
from tests.assessments.factories import in_appraisal, leaf

pytestmark = pytest.mark.django_db

DAYS = [1, 3]


@pytest.mark.parametrize(
    ("remaining", "expected"),
    [
        (timedelta(days=5), None),  # too early
        (timedelta(days=3, minutes=1), None),
        (timedelta(days=3), 3),
        (timedelta(days=2), 3),
        (timedelta(days=1, minutes=1), 3),
        (timedelta(days=1), 1),
        (timedelta(hours=2), 1),  # the 3-day reminder was missed: only the 1-day one is due
        (timedelta(0), None),  # past: no reminder (the to-do list shows it overdue)
        (-timedelta(hours=1), None),
    ],
)
def test_reminder_threshold(remaining, expected):
    now = timezone.now()
    assert services.reminder_threshold(deadline=now + remaining, now=now, days=DAYS) == expected


def test_reminder_days_are_read_from_settings_and_checked(settings):
    settings.NOTIFY_DEADLINE_DAYS = "3, 1,7"
    assert services.reminder_days() == [1, 3, 7]
    settings.NOTIFY_DEADLINE_DAYS = "3,soon"
    with pytest.raises(ValidationError):
        services.reminder_days()
    settings.NOTIFY_DEADLINE_DAYS = "0"
    with pytest.raises(ValidationError):
        services.reminder_days()


@pytest.fixture
def due_in_two_days(round_2021):
    round_2021.status = "open"
    round_2021.self_deadline = timezone.now() + timedelta(days=2)
    round_2021.save()
    return round_2021


def test_draft_units_are_reminded_once_however_often_the_command_runs(
    due_in_two_days, assessment_a, assessment_b, officer_a, officer_b, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_DEADLINE_DAYS = "3,1"
    Assessment.objects.filter(pk=assessment_b.pk).update(state=AssessmentState.SUBMITTED)  # unit B is done
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=out)
        call_command("send_reminders", stdout=out)
    assert "reminders sent: 1 " in out.getvalue() and "reminders sent: 0 " in out.getvalue()
    [note] = Notification.objects.filter(verb=Verb.SELF_DEADLINE)
    assert note.recipient == officer_a
    assert "còn chưa đầy 3 ngày" in note.text


def test_the_one_day_reminder_follows_the_three_day_one(due_in_two_days, assessment_a, officer_a, settings):
    settings.NOTIFY_DEADLINE_DAYS = "3,1"
    services.reminders_send()
    services.reminders_send(now=timezone.now() + timedelta(days=1, hours=12))
    services.reminders_send(now=timezone.now() + timedelta(days=1, hours=13))
    texts = sorted(Notification.objects.filter(recipient=officer_a).values_list("text", flat=True))
    assert len(texts) == 2
    assert any("chưa đầy 1 ngày" in t for t in texts) and any("chưa đầy 3 ngày" in t for t in texts)


def test_an_extension_is_a_new_deadline_and_is_reminded_again(due_in_two_days, assessment_a, officer_a):
    services.reminders_send()
    Assessment.objects.filter(pk=assessment_a.pk).update(extension_until=timezone.now() + timedelta(days=2, hours=5))
    services.reminders_send()
    assert Notification.objects.filter(recipient=officer_a, verb=Verb.SELF_DEADLINE).count() == 2


def test_no_reminder_for_a_closed_round_or_far_deadline(due_in_two_days, assessment_a, officer_a):
    due_in_two_days.status = "closed"
    due_in_two_days.save()
    assert services.reminders_send().total == 0
    due_in_two_days.status = "open"
    due_in_two_days.self_deadline = timezone.now() + timedelta(days=10)
    due_in_two_days.save()
    assert services.reminders_send().total == 0


def test_explanation_deadline_reminds_the_unit(round_2021, assessment_a, officer_a, appraiser):
    from assessments.services import workflow

    round_2021.status = "open"
    round_2021.save()
    in_appraisal(officer_a, appraiser, assessment_a)
    LeafScore.objects.filter(assessment=assessment_a, node=leaf(assessment_a, "1.2")).update(
        flagged=True, flag_request="Bổ sung"
    )
    workflow.assessment_request_explanations(user=appraiser, assessment_id=assessment_a.pk)
    round_2021.explanation_deadline = timezone.now() + timedelta(hours=20)
    round_2021.save()
    count = services.reminders_send()
    assert (count.self_assessment, count.explanation) == (0, 1)
    note = Notification.objects.get(verb=Verb.EXPLANATION_DEADLINE)
    assert note.recipient == officer_a and "Hạn gửi giải trình" in note.text


def test_celery_beat_runs_the_reminders_task(settings):
    from parindex.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["send-deadline-reminders"]
    assert entry["task"] == "notifications.send_reminders"
    app.loader.import_default_modules()
    assert "notifications.send_reminders" in app.tasks
