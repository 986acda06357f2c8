"""The password-change form, limited: whoever holds a session cannot guess the current password at will.

After ``PASSWORD_CHANGE_FAILURE_LIMIT`` wrong current passwords within ``PASSWORD_CHANGE_COOLOFF_MINUTES``
the form refuses every attempt, right or wrong, until the oldest of those failures is older than the
cool-off. A successful change forgets the failures.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.models import PasswordChangeFailure, User


def _window_start():
    return timezone.now() - timedelta(minutes=settings.PASSWORD_CHANGE_COOLOFF_MINUTES)


def password_change_locked(user: User) -> bool:
    recent = PasswordChangeFailure.objects.filter(user=user, at__gte=_window_start()).count()
    return recent >= settings.PASSWORD_CHANGE_FAILURE_LIMIT


def password_change_failure_record(user: User) -> None:
    with transaction.atomic():
        PasswordChangeFailure.objects.filter(user=user, at__lt=_window_start()).delete()
        PasswordChangeFailure.objects.create(user=user)


def password_change_failures_clear(user: User) -> None:
    PasswordChangeFailure.objects.filter(user=user).delete()


class LimitedPasswordChangeForm(PasswordChangeForm):
    def clean_old_password(self):
        if password_change_locked(self.user):
            raise forms.ValidationError(
                _("Too many wrong current passwords. Try again in %(minutes)d minutes.")
                % {"minutes": settings.PASSWORD_CHANGE_COOLOFF_MINUTES},
                code="password_change_locked",
            )
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            password_change_failure_record(self.user)
            raise

    def save(self, commit=True):
        user = super().save(commit=commit)
        password_change_failures_clear(user)
        return user
