from django import forms
from django.utils.translation import gettext_lazy as _


class PublishForm(forms.Form):
    """The publication's confirmation; the service decides whether the reason is required."""

    confirm = forms.BooleanField(
        label=_(
            "I have read the check above and confirm that these results are to be published. "
            "A published run never changes."
        ),
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason for publishing although the check lists something"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    check = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
