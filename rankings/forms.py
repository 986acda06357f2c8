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


class AppealForm(forms.Form):
    """An appeal on named criteria of the unit's framework; the service checks the window and the criteria."""

    nodes = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Criteria appealed"), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    evidence = forms.FileField(label=_("Evidence (PDF, image or office document)"), required=False)

    def __init__(self, *args, assessment, **kwargs):
        from assessments.models import Level, Node

        super().__init__(*args, **kwargs)
        self.fields["nodes"].queryset = Node.objects.filter(
            framework__round=assessment.round,
            framework__group=assessment.group,
            level__in=(Level.CRITERION, Level.SUB_CRITERION),
        ).order_by("order")
        self.fields["nodes"].label_from_instance = lambda n: f"{n.code}. {n.name}"

    def clean_evidence(self):
        from django.core.exceptions import ValidationError

        from assessments.services.evidence import check_evidence_file

        uploaded = self.cleaned_data.get("evidence")
        if uploaded:
            try:
                check_evidence_file(uploaded)  # the same checks as every evidence file (type by content, size)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
            uploaded.seek(0)
        return uploaded


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("reject", _("Reject"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason for the decision"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
