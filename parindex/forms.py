from django import forms
from django.utils.translation import gettext_lazy as _


class ConfirmActionForm(forms.Form):
    """The ticked box an admin must send with an action that stops or restarts background work."""

    confirm = forms.BooleanField(label=_("I confirm"), required=True)
