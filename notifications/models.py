"""Notifications in the app and by e-mail, and each user's e-mail preference.

A notification is one event told to one recipient. Its ``key`` names the event (an assessment event, a
publication, a deadline reminder at a given threshold); the unique (recipient, key) constraint is what
makes every event reach every recipient at most once, however often a receiver or the scheduler fires.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Verb(models.TextChoices):
    SUBMISSION_RECEIVED = "submission_received", _("Submission received")
    EXPLANATION_REQUESTED = "explanation_requested", _("Explanation requested")
    EXPLANATION_RECEIVED = "explanation_received", _("Explanation received")
    APPRAISAL_FINISHED = "appraisal_finished", _("Appraisal finished")
    SELF_DEADLINE = "self_deadline", _("Self-assessment deadline approaching")
    EXPLANATION_DEADLINE = "explanation_deadline", _("Explanation deadline approaching")
    RESULTS_PUBLISHED = "results_published", _("Results published")
    APPEAL_LODGED = "appeal_lodged", _("Appeal lodged")
    APPEAL_DECIDED = "appeal_decided", _("Appeal decided")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent (turned off or no address)")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(_("event key"), max_length=200)
    verb = models.CharField(_("kind"), max_length=32, choices=Verb.choices)
    text = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_status = models.CharField(
        _("e-mail"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    email_error = models.TextField(_("e-mail error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_notification_per_event_and_recipient"),
        ]
        indexes = [
            # The bell: a user's unread notifications, on every page.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} – {self.get_verb_display()}"


class NotificationPreference(models.Model):
    """A user's choice about e-mail; without a row, e-mail is on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_enabled = models.BooleanField(_("send me notifications by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)
