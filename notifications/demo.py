"""Demo step: the demo's history (rounds already closed) was told as it was loaded; mark it read.

Loading the demo replays three years of submissions, appraisals and publications through the same
services as production, so every demo user would open the demo to dozens of unread notifications
about past years. Those of closed rounds are marked read; the open round's stay unread for the tour.
"""

from django.utils import timezone

from assessments.models import AssessmentEvent, RoundStatus
from notifications.models import Notification
from rankings.models import IndexRun


def load_demo_notifications() -> dict:
    closed_events = AssessmentEvent.objects.exclude(assessment__round__status=RoundStatus.OPEN).values_list(
        "pk", flat=True
    )
    closed_runs = IndexRun.objects.exclude(round__status=RoundStatus.OPEN).values_list("pk", flat=True)
    keys = [f"assessment-event:{pk}" for pk in closed_events] + [f"run-published:{pk}" for pk in closed_runs]
    marked = Notification.objects.filter(key__in=keys, read_at__isnull=True).update(read_at=timezone.now())
    return {"created": 0, "message": f"{marked} notifications of closed rounds marked read"}
