from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assessments.models import Round
from parindex.admin_base import ReadOnlyAdmin
from surveys.models import SurveyImport, SurveyQuestion
from surveys.services.definitions import check_question, survey_question_save, survey_questions_copy


class SurveyQuestionForm(forms.ModelForm):
    class Meta:
        model = SurveyQuestion
        fields = ["round", "survey", "code", "text", "element", "leaf_code", "required", "order", "options"]
        help_texts = {
            "leaf_code": _(
                "Civil-servant questions only: the code of a cs_survey leaf; it is resolved in the framework of each unit's group."
            ),
            "options": _(
                'List of {"value": "1", "label": "…", "fraction": "0.25"}; the fraction (0–1) counts for civil-servant leaves.'
            ),
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        candidate = SurveyQuestion(**{f: data.get(f) for f in self.Meta.fields if f in data})
        candidate.leaf_code = candidate.leaf_code or ""
        try:
            check_question(candidate)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
        return data


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    form = SurveyQuestionForm
    list_display = ["code", "round", "survey", "element", "leaf_code", "required", "order", "text"]
    list_filter = ["round", "survey", "element"]
    search_fields = ["code", "text", "leaf_code"]
    ordering = ["-round__year", "survey", "order", "code"]
    actions = ["copy_to_next_round"]

    def save_model(self, request, obj, form, change):
        survey_question_save(question=obj)

    @admin.action(description=_("Copy all questions of the selected questions' rounds into the following round"))
    def copy_to_next_round(self, request, queryset):
        for round_ in Round.objects.filter(pk__in=queryset.values("round")):
            target = Round.objects.filter(year__gt=round_.year).order_by("year").first()
            if target is None:
                self.message_user(request, _("%(round)s has no following round.") % {"round": round_}, messages.WARNING)
                continue
            n = survey_questions_copy(source_round=round_, target_round=target)
            self.message_user(
                request,
                ngettext("%(n)d question copied into %(round)s.", "%(n)d questions copied into %(round)s.", n)
                % {"n": n, "round": target},
            )


@admin.register(SurveyImport)
class SurveyImportAdmin(ReadOnlyAdmin):
    """History of imports; imports are made and confirmed on the survey pages, never edited here."""

    list_display = [
        "id",
        "round",
        "survey",
        "original_name",
        "status",
        "is_current",
        "rows_total",
        "rows_invalid",
        "created_at",
    ]
    list_filter = ["round", "survey", "status", "is_current"]
    readonly_fields = [f.name for f in SurveyImport._meta.fields]
