"""Forms of the assessment pages. They only carry what the user typed; the rules live in the services."""

from decimal import Decimal

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from assessments.models import LeafScore, NaDecision, Node, Rule
from assessments.scoring import step_of


def _input_fields(node: Node) -> dict[str, forms.Field]:
    if node.rule == Rule.LEVELS:
        choices = [("", _("— choose —"))] + [
            (str(i), f"{lvl['label']} ({number_format(Decimal(str(lvl['points'])), 2)})")
            for i, lvl in enumerate((node.params or {}).get("levels") or [])
        ]
        return {"level": forms.ChoiceField(label=_("Level"), choices=choices, required=False)}
    if node.rule == Rule.RATIO:
        attrs = {"min": "0", "step": "1", "inputmode": "numeric"}
        return {
            "numerator": forms.CharField(label=_("Numerator"), required=False, widget=forms.NumberInput(attrs=attrs)),
            "denominator": forms.CharField(
                label=_("Denominator"), required=False, widget=forms.NumberInput(attrs={**attrs, "min": "1"})
            ),
        }
    if node.rule == Rule.DEDUCTION:
        return {
            "count": forms.CharField(
                label=_("Number of violations"),
                required=False,
                widget=forms.NumberInput(attrs={"min": "0", "step": "1", "inputmode": "numeric"}),
            )
        }
    if node.rule == Rule.MANUAL:
        step = step_of(node)
        return {
            "points": forms.CharField(
                label=_("Points (step %(step)s)") % {"step": number_format(step, 2)},
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": "6", "data-step": str(step)}),
            )
        }
    return {}


def _initial_inputs(node: Node, inputs: dict | None) -> dict:
    if not inputs:
        return {}
    initial = {k: str(v) for k, v in inputs.items()}
    if node.rule == Rule.MANUAL and "points" in initial:
        initial["points"] = number_format(Decimal(initial["points"]), 2, use_l10n=True)
    return initial


class _LeafForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    input_names: list[str]

    def __init__(self, *args, node: Node, **kwargs):
        super().__init__(*args, **kwargs)
        self.node = node
        fields = _input_fields(node)
        self.input_names = list(fields)
        for name, field in reversed(fields.items()):
            self.fields = {name: field, **self.fields}

    def inputs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.input_names}

    def input_fields(self):
        return [self[name] for name in self.input_names]


class SelfLeafForm(_LeafForm):
    na = forms.BooleanField(
        label=_("Not applicable"), required=False, widget=forms.CheckboxInput(attrs={"data-na-toggle": "1"})
    )
    na_reason = forms.CharField(
        label=_("Reason it is not applicable"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence_absence_note = forms.CharField(
        label=_("Explanation of missing evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    explanation = forms.CharField(label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, node: Node, explaining: bool = False, **kwargs):
        super().__init__(*args, node=node, **kwargs)
        if not node.na_allowed:
            del self.fields["na"], self.fields["na_reason"]
        if not node.evidence_required:
            del self.fields["evidence_absence_note"]
        if not explaining:
            del self.fields["explanation"]

    @classmethod
    def for_score(cls, *, node: Node, score: LeafScore | None, explaining: bool = False, prefix: str):
        initial = {"version": score.version if score else 0}
        if score:
            initial.update(_initial_inputs(node, score.self_inputs))
            initial.update(
                na=score.self_na,
                na_reason=score.self_na_reason,
                note=score.self_note,
                evidence_absence_note=score.evidence_absence_note,
                explanation=score.explanation,
            )
        return cls(node=node, explaining=explaining, initial=initial, prefix=prefix)


class AppraisalLeafForm(_LeafForm):
    na_decision = forms.ChoiceField(
        label=_("Not-applicable claim"),
        required=False,
        choices=[("", _("— decide —")), (NaDecision.CONFIRMED, _("Confirm")), (NaDecision.REJECTED, _("Reject"))],
    )
    app_note = forms.CharField(label=_("Appraiser's note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    flagged = forms.BooleanField(label=_("Ask the unit to explain"), required=False)
    flag_request = forms.CharField(
        label=_("What the unit must explain"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, node: Node, self_na: bool = False, **kwargs):
        super().__init__(*args, node=node, **kwargs)
        if not self_na:
            del self.fields["na_decision"]

    @classmethod
    def for_score(cls, *, node: Node, score: LeafScore | None, prefix: str):
        initial = {"version": score.version if score else 0}
        if score:
            initial.update(_initial_inputs(node, score.app_inputs))
            initial.update(
                na_decision=score.na_decision,
                app_note=score.app_note,
                flagged=score.flagged,
                flag_request=score.flag_request,
            )
        return cls(node=node, self_na=bool(score and score.self_na), initial=initial, prefix=prefix)


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.png,.jpg,.jpeg"}),
    )


class EvidenceLinkForm(forms.Form):
    evidence = forms.IntegerField(label=_("File already uploaded"))


class TransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ReopenForm(TransitionForm):
    reason = forms.CharField(label=_("Reason for reopening"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Extension of"),
        choices=[("self", _("Self-assessment deadline")), ("explanation", _("Explanation deadline"))],
    )
    until = forms.DateTimeField(
        label=_("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
