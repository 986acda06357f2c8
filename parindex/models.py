from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parindex import permissions


class User(AbstractUser):
    """A person using ParIndex. Roles are flags because one person may hold several.

    An officer is bound to exactly one unit (a database constraint keeps flag and unit together).
    """

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    is_officer = models.BooleanField(_("unit officer"), default=False)
    is_appraiser = models.BooleanField(_("appraiser"), default=False)
    is_leader = models.BooleanField(_("provincial leader"), default=False)
    is_par_admin = models.BooleanField(_("administrator"), default=False)
    unit = models.ForeignKey(
        "assessments.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=(Q(is_officer=True, unit__isnull=False) | Q(is_officer=False, unit__isnull=True)),
                name="officer_bound_to_one_unit",
                violation_error_message=_("An officer must be bound to exactly one unit, and only officers to a unit."),
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_labels(self) -> list[str]:
        labels = []
        if self.is_officer:
            labels.append(str(_("unit officer")))
        if self.is_appraiser:
            labels.append(str(_("appraiser")))
        if self.is_leader:
            labels.append(str(_("provincial leader")))
        if permissions.is_admin(self):
            labels.append(str(_("administrator")))
        return labels


class PasswordChangeFailure(models.Model):
    """One wrong current password typed on the password-change form (parindex.passwords rate-limits them).

    Kept in the database, not a per-process cache, so the limit holds across every web process.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed password change")
        verbose_name_plural = _("failed password changes")
