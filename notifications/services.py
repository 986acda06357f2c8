"""Writes of the notifications app: telling recipients of an event, e-mailing them, reminders, reading.

Every event has a key; ``notify`` creates at most one notification per (recipient, key) and e-mails only
the ones it created, so a receiver or a scheduler that fires twice tells no one twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments.models import Assessment, AssessmentEvent, AssessmentState, LeafScore, RoundStatus
from notifications import roles
from notifications.models import EmailStatus, Notification, NotificationPreference, Verb
from rankings.models import Appeal, IndexRun

logger = logging.getLogger(__name__)


def _enqueue_email(notification_id: int) -> None:
    from notifications.tasks import notification_email_task

    transaction.on_commit(lambda: notification_email_task.delay(notification_id))


def notify(*, recipients: QuerySet | Iterable, key: str, verb: str, text: str, link: str = "") -> list[int]:
    """Tell each recipient of the event ``key`` once; returns the ids of the notifications of the recipients
    who had none when called (a concurrent call may have inserted some of them: their mail is still sent once).

    Race: the same event told twice at once (the scheduler on two machines, a redelivered task). Both may
    find no row and insert: the unique (recipient, key) constraint keeps one, ``ignore_conflicts`` drops
    the other without an error, and the e-mail task's row lock sends each notification's mail once.
    """
    recipient_ids = {getattr(r, "pk", r) for r in recipients}
    if not recipient_ids:
        return []
    with transaction.atomic():
        known = set(
            Notification.objects.filter(key=key, recipient_id__in=recipient_ids).values_list("recipient_id", flat=True)
        )
        fresh = sorted(recipient_ids - known)
        Notification.objects.bulk_create(
            [Notification(recipient_id=uid, key=key, verb=verb, text=text, link=link) for uid in fresh],
            ignore_conflicts=True,
        )
        created = list(
            Notification.objects.filter(key=key, recipient_id__in=fresh).order_by("pk").values_list("pk", flat=True)
        )
        for pk in created:
            _enqueue_email(pk)
    return created


def _vi(text_fn) -> str:
    """Notification texts are stored in the default language (Vietnamese), whatever the sender's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return text_fn()


def _moment(value: datetime) -> str:
    return date_format(timezone.localtime(value), "d/m/Y H:i")


# --- assessment events -----------------------------------------------------------------------------------
def notify_assessment_event(*, event_id: int) -> list[int]:
    """Tell who must act next about a transition of an assessment (DESIGN §3)."""
    event = AssessmentEvent.objects.select_related("assessment__unit", "assessment__round").filter(pk=event_id).first()
    if event is None:
        return []
    assessment = event.assessment
    link = reverse("assessments:detail", kwargs={"pk": assessment.pk})
    names = {"unit": assessment.unit.name, "round": str(assessment.round)}
    key = f"assessment-event:{event.pk}"
    if event.action == "submit":
        return notify(
            recipients=roles.appraisers(),
            key=key,
            verb=Verb.SUBMISSION_RECEIVED,
            link=link,
            text=_vi(lambda: _("%(unit)s submitted its self-assessment for %(round)s.") % names),
        )
    if event.action == "request_explanations":
        deadline = explanation_deadline_of(assessment)
        flagged = LeafScore.objects.filter(assessment=assessment, flagged=True).count()

        def text() -> str:
            out = _("Explanations are requested on %(n)s criteria of %(unit)s (%(round)s).") % {**names, "n": flagged}
            if deadline:
                out += " " + _("Deadline: %(deadline)s.") % {"deadline": _moment(deadline)}
            return out

        return notify(
            recipients=roles.officers_of(assessment.unit_id),
            key=key,
            verb=Verb.EXPLANATION_REQUESTED,
            link=link,
            text=_vi(text),
        )
    if event.action == "respond":
        return notify(
            recipients=roles.appraisers(),
            key=key,
            verb=Verb.EXPLANATION_RECEIVED,
            link=link,
            text=_vi(lambda: _("%(unit)s sent its explanations for %(round)s.") % names),
        )
    if event.action == "complete":
        # The unit learns its appraised points; administrators have one more assessment to finalise.
        recipients = roles.officers_of(assessment.unit_id) | roles.admins()
        return notify(
            recipients=recipients,
            key=key,
            verb=Verb.APPRAISAL_FINISHED,
            link=link,
            text=_vi(lambda: _("The appraisal of %(unit)s for %(round)s is finished.") % names),
        )
    return []


# --- publication -------------------------------------------------------------------------------------------
def notify_run_published(*, run_id: int) -> list[int]:
    run = IndexRun.objects.select_related("round").filter(pk=run_id, is_published=True).first()
    if run is None:
        return []
    unit_ids = list(run.results.values_list("unit_id", flat=True))
    return notify(
        recipients=roles.results_audience(unit_ids),
        key=f"run-published:{run.pk}",
        verb=Verb.RESULTS_PUBLISHED,
        link=reverse("dashboard:round", kwargs={"year": run.round.year}),
        text=_vi(
            lambda: (
                _("The results of %(round)s have been published (%(when)s).")
                % {"round": run.round, "when": _moment(run.published_at)}
            )
        ),
    )


def notify_appeal_lodged(*, appeal_id: int) -> list[int]:
    """Home Affairs (appraisers and admins) hear of a new appeal."""
    appeal = Appeal.objects.select_related("unit", "run__round").filter(pk=appeal_id).first()
    if appeal is None:
        return []
    return notify(
        recipients=set(roles.appraisers()) | set(roles.admins()),
        key=f"appeal-lodged:{appeal.pk}",
        verb=Verb.APPEAL_LODGED,
        link=reverse("dashboard:appeal_decide", kwargs={"appeal_id": appeal.pk}),
        text=_vi(
            lambda: (
                _("%(unit)s lodged an appeal against the results of %(round)s.")
                % {"unit": appeal.unit, "round": appeal.run.round}
            )
        ),
    )


def notify_appeal_decided(*, appeal_id: int) -> list[int]:
    """The unit's officers hear of the decision on their appeal."""
    appeal = Appeal.objects.select_related("unit", "run__round").filter(pk=appeal_id).first()
    if appeal is None or appeal.state == "lodged":
        return []
    return notify(
        recipients=roles.officers_of(appeal.unit_id),
        key=f"appeal-decided:{appeal.pk}",
        verb=Verb.APPEAL_DECIDED,
        link=reverse("dashboard:appeals", kwargs={"year": appeal.run.round.year}),
        text=_vi(
            lambda: (
                _("Your appeal against the results of %(round)s was %(decision)s: %(reason)s")
                % {"round": appeal.run.round, "decision": appeal.get_state_display(), "reason": appeal.decision_reason}
            )
        ),
    )


# --- deadlines -----------------------------------------------------------------------------------------------
def self_deadline_of(assessment: Assessment) -> datetime | None:
    """When the unit must have submitted: the round's deadline, or the unit's extension when later."""
    return _later(assessment.round.self_deadline, assessment.extension_until)


def explanation_deadline_of(assessment: Assessment) -> datetime | None:
    return _later(assessment.round.explanation_deadline, assessment.explanation_extension_until)


def _later(deadline: datetime | None, extension: datetime | None) -> datetime | None:
    if deadline is None:
        return extension
    if extension is None:
        return deadline
    return max(deadline, extension)


def reminder_days() -> list[int]:
    """NOTIFY_DEADLINE_DAYS, e.g. "3,1": how many days before a deadline to remind."""
    raw = settings.NOTIFY_DEADLINE_DAYS
    try:
        days = sorted({int(part) for part in str(raw).split(",") if part.strip()})
    except ValueError as exc:
        raise ValidationError(f"NOTIFY_DEADLINE_DAYS must be whole days separated by commas, not {raw!r}") from exc
    if any(d <= 0 for d in days):
        raise ValidationError(f"NOTIFY_DEADLINE_DAYS must be positive, not {raw!r}")
    return days


def reminder_threshold(*, deadline: datetime, now: datetime, days: list[int]) -> int | None:
    """The reminder due now: the smallest threshold the remaining time is within (None if none or past).

    With "3,1", 2 days before the deadline the 3-day reminder is due, 20 hours before the 1-day one.
    A scheduler that was down during the 3-day window sends only the 1-day reminder, not both.
    """
    remaining = deadline - now
    if remaining <= timedelta(0):
        return None
    within = [d for d in days if remaining <= timedelta(days=d)]
    return min(within) if within else None


@dataclass
class ReminderCount:
    self_assessment: int = 0
    explanation: int = 0

    @property
    def total(self) -> int:
        return self.self_assessment + self.explanation


def reminders_send(*, now: datetime | None = None) -> ReminderCount:
    """Remind units of deadlines that are close (run by Celery beat, or by cron via ``send_reminders``).

    The key holds the deadline and the threshold: running again finds every reminder already sent; a
    deadline moved by an extension is a new deadline and is reminded again.
    """
    now = now or timezone.now()
    days = reminder_days()
    count = ReminderCount()
    if not days:
        return count
    horizon = now + timedelta(days=max(days))
    open_assessments = Assessment.objects.select_related("round", "unit").filter(round__status=RoundStatus.OPEN)
    # (state waited on, its deadline, key prefix with what makes it new, verb, text, counter)
    kinds = (
        (
            AssessmentState.DRAFT,
            self_deadline_of,
            lambda a: f"deadline:self:{a.pk}",
            Verb.SELF_DEADLINE,
            lambda names: (
                _("The self-assessment of %(unit)s for %(round)s is due on %(deadline)s (less than %(n)s days left).")
                % names
            ),
            "self_assessment",
        ),
        (
            AssessmentState.EXPLANATION_REQUESTED,
            explanation_deadline_of,
            lambda a: f"deadline:explanation:{a.pk}:{a.appraisal_round}",
            Verb.EXPLANATION_DEADLINE,
            lambda names: (
                _("The explanations of %(unit)s for %(round)s are due on %(deadline)s (less than %(n)s days left).")
                % names
            ),
            "explanation",
        ),
    )
    for state, deadline_of, key_of, verb, text_of, counter in kinds:
        for assessment in open_assessments.filter(state=state).order_by("pk"):
            deadline = deadline_of(assessment)
            if deadline is None or deadline > horizon:
                continue
            n = reminder_threshold(deadline=deadline, now=now, days=days)
            if n is None:
                continue
            names = {
                "unit": assessment.unit.name,
                "round": str(assessment.round),
                "deadline": _moment(deadline),
                "n": n,
            }
            sent = notify(
                recipients=roles.officers_of(assessment.unit_id),
                key=f"{key_of(assessment)}:{deadline:%Y%m%d%H%M}:{n}d",
                verb=verb,
                link=reverse("assessments:detail", kwargs={"pk": assessment.pk}),
                text=_vi(lambda text_of=text_of, names=names: text_of(names)),
            )
            setattr(count, counter, getattr(count, counter) + len(sent))
    return count


# --- e-mail ------------------------------------------------------------------------------------------------
def email_wanted(user) -> bool:
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref is None or pref.email_enabled


def absolute(link: str) -> str:
    return settings.SITE_URL.rstrip("/") + link if link.startswith("/") else link


def notification_email_send(*, notification_id: int) -> str:
    """Send one notification's e-mail, once; returns the e-mail status.

    Race: the task delivered twice (a redelivery after a lost worker, or two fan-outs of the same event).
    The row lock makes the second delivery wait and then find the mail sent. A crash between the SMTP
    server's answer and the commit could still send a second copy; never losing a mail is preferred.
    """
    with transaction.atomic():
        notification = (
            # of=self: the recipient's user row is read, not locked (a login would wait for the SMTP server).
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.email_status != EmailStatus.PENDING:
            return notification.email_status if notification else ""
        recipient = notification.recipient
        if not (recipient.is_active and recipient.email and email_wanted(recipient)):
            notification.email_status = EmailStatus.SKIPPED
            notification.save(update_fields=["email_status"])
            return notification.email_status
        context = {
            "notification": notification,
            "recipient": recipient,
            "url": absolute(notification.link),
            "preferences_url": absolute(reverse("notifications:preferences")),
            "list_url": absolute(reverse("notifications:list")),
        }
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string("notifications/email/subject.txt", context).strip()
            body = render_to_string("notifications/email/body.txt", context)
        message = EmailMessage(subject=" ".join(subject.split()), body=body, to=[recipient.email])
        try:
            message.send()
        except Exception as exc:  # SMTP refusals, connection errors: recorded, shown in the admin
            logger.warning("e-mail of notification %s failed: %s", notification_id, exc)
            notification.email_status = EmailStatus.FAILED
            notification.email_error = str(exc)[:2000]
            notification.save(update_fields=["email_status", "email_error"])
            return notification.email_status
        notification.email_status = EmailStatus.SENT
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["email_status", "emailed_at"])
        return notification.email_status


# --- reading ------------------------------------------------------------------------------------------------
def notification_mark_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (another user's is not found)."""
    notification = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def preference_set(*, user, email_enabled: bool) -> NotificationPreference:
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_enabled": email_enabled}
    )
    return pref
