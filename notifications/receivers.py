"""Hear of assessment events and publications (sent after they commit) and hand them to a task."""

from django.dispatch import receiver

from assessments.signals import assessment_event_recorded
from rankings.signals import appeal_decided, appeal_lodged, index_run_published

NOTIFIED_ACTIONS = {"submit", "request_explanations", "respond", "complete"}


@receiver(assessment_event_recorded, dispatch_uid="notifications.on_assessment_event")
def on_assessment_event(sender, event_id=None, action="", **kwargs):
    if event_id is not None and action in NOTIFIED_ACTIONS:
        from notifications.tasks import notify_assessment_event_task

        notify_assessment_event_task.delay(event_id)


@receiver(index_run_published, dispatch_uid="notifications.on_run_published")
def on_run_published(sender, run_id=None, **kwargs):
    if run_id is not None:
        from notifications.tasks import notify_run_published_task

        notify_run_published_task.delay(run_id)


@receiver(appeal_lodged, dispatch_uid="notifications.on_appeal_lodged")
def on_appeal_lodged(sender, appeal_id=None, **kwargs):
    if appeal_id is not None:
        from notifications.services import notify_appeal_lodged

        notify_appeal_lodged(appeal_id=appeal_id)


@receiver(appeal_decided, dispatch_uid="notifications.on_appeal_decided")
def on_appeal_decided(sender, appeal_id=None, **kwargs):
    if appeal_id is not None:
        from notifications.services import notify_appeal_decided

        notify_appeal_decided(appeal_id=appeal_id)
