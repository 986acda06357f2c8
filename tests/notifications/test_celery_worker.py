"""Notifications through a real Celery worker consuming from Redis (eager mode off for these tests)."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from notifications.models import EmailStatus, Notification, Verb
from notifications.tasks import send_reminders_task
from parindex.celery import app as celery_app
from tests.assessments.factories import submitted


@pytest.fixture
def real_worker(require_redis):
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            yield
    finally:
        celery_app.conf.task_always_eager = previous


def _until(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.services
def test_a_submission_is_told_and_mailed_by_the_worker(
    transactional_db, real_worker, smtp_inbox, assessment_a, officer_a, appraiser
):
    appraiser.email = "appraiser@angiang.gov.vn"
    appraiser.save(update_fields=["email"])
    submitted(officer_a, assessment_a)  # the fan-out and then the e-mail are enqueued after each commit
    assert _until(lambda: Notification.objects.filter(recipient=appraiser, email_status=EmailStatus.SENT).exists())
    [mail] = smtp_inbox.wait_for(1)
    assert mail["To"] == "appraiser@angiang.gov.vn"


@pytest.mark.services
def test_the_beat_task_sends_reminders_on_the_worker(
    transactional_db, real_worker, round_2021, assessment_a, officer_a
):
    round_2021.status = "open"
    round_2021.self_deadline = timezone.now() + timedelta(hours=20)
    round_2021.save()
    send_reminders_task.delay()
    send_reminders_task.delay()  # the scheduler firing twice
    assert _until(lambda: Notification.objects.filter(recipient=officer_a, verb=Verb.SELF_DEADLINE).exists())
    time.sleep(1)
    assert Notification.objects.filter(recipient=officer_a, verb=Verb.SELF_DEADLINE).count() == 1
