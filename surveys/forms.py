from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Respondent file (.xlsx or .csv)"))
    allow_reimport = forms.BooleanField(
        label=_("Import again even if this exact file was imported before"), required=False
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.SURVEY_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)d MB; at most %(max)d MB may be uploaded."),
                params={"size": f.size // 2**20, "max": settings.SURVEY_UPLOAD_MAX_BYTES // 2**20},
            )
        return f


class ConfirmForm(forms.Form):
    accept_invalid = forms.BooleanField(
        label=_("Accept the invalid forms (stored with their reasons, not scored)"), required=False
    )
