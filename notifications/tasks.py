"""Celery tasks of the notifications app: thin, they take ids and call a service.

The fan-out tasks run right after the user's action has committed (eagerly in the embedded mode): a
failure is logged rather than raised, so it never turns that saved action into an error page.
"""

import logging

from celery import shared_task

from notifications import services

logger = logging.getLogger(__name__)


@shared_task(name="notifications.assessment_event")
def notify_assessment_event_task(event_id: int) -> None:
    try:
        services.notify_assessment_event(event_id=event_id)
    except Exception:
        logger.exception("notifications of assessment event %s failed", event_id)


@shared_task(name="notifications.run_published")
def notify_run_published_task(run_id: int) -> None:
    try:
        services.notify_run_published(run_id=run_id)
    except Exception:
        logger.exception("notifications of the publication of run %s failed", run_id)


@shared_task(name="notifications.email")
def notification_email_task(notification_id: int) -> None:
    try:
        services.notification_email_send(notification_id=notification_id)
    except Exception:
        logger.exception("e-mail of notification %s failed", notification_id)


@shared_task(name="notifications.send_reminders")
def send_reminders_task() -> None:
    services.reminders_send()
