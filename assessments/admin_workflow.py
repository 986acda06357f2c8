"""Admin screens of the self-assessment and appraisal workflow: assessments with their history,
leaf scores, evidence and events, plus finalisation and deadline extensions as admin actions.

Changes go through the workflow services (which record events and history); the raw workflow
fields are read-only here so the admin cannot bypass them.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from assessments.models import Assessment, AssessmentEvent, AssessmentState, EvidenceFile, LeafScore
from assessments.services import workflow
from assessments.workflow import BY_ACTION, Action
from parindex.admin_base import ReadOnlyAdmin


class ExtensionActionForm(ActionForm):
    until = forms.DateTimeField(
        label=_("Extension until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )


class EventInline(admin.TabularInline):
    model = AssessmentEvent
    extra = 0
    can_delete = False
    fields = ("at", "actor", "action", "from_state", "to_state", "comment")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, call, done_message):
    done = 0
    for assessment in queryset:
        try:
            call(assessment)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            modeladmin.message_user(
                request, f"{assessment}: {' '.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
            )
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)


if admin.site.is_registered(Assessment):
    admin.site.unregister(Assessment)


@admin.register(Assessment)
class WorkflowAssessmentAdmin(SimpleHistoryAdmin):
    list_display = (
        "unit",
        "round",
        "group",
        "state",
        "submitted_at",
        "submitted_late",
        "extension_until",
        "explanation_extension_until",
        "appraisal_round",
    )
    list_filter = ("round", "group", "state", "submitted_late")
    search_fields = ("unit__code", "unit__name")
    readonly_fields = (
        "round",
        "unit",
        "group",
        "state",
        "submitted_at",
        "submitted_late",
        "extension_until",
        "explanation_extension_until",
        "explained_late",
        "appraisal_round",
        "appraised_at",
        "finalised_at",
        "version",
    )
    inlines = [EventInline]
    action_form = ExtensionActionForm
    actions = ["finalise", "grant_self_extension", "grant_explanation_extension"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Finalise the selected appraised assessments"))
    def finalise(self, request, queryset):
        # The same consequences as the assessment pages, from the workflow table, confirmed before anything changes.
        if request.POST.get("confirm") != "on":
            step = BY_ACTION[Action.FINALISE]
            return TemplateResponse(
                request,
                "admin/assessments/confirm_finalise.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "title": step.label,
                    "step": step,
                    "to_state": AssessmentState(step.to_state).label,
                    "assessments": queryset.select_related("unit", "round"),
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        _run(
            self,
            request,
            queryset,
            lambda a: workflow.assessment_finalise(user=request.user, assessment_id=a.pk),
            _("%(n)s assessments finalised."),
        )

    def _extend(self, request, queryset, kind):
        until = ExtensionActionForm(request.POST).fields["until"].clean(request.POST.get("until") or None)
        if until is None:
            self.message_user(request, _("Enter the end of the extension."), messages.ERROR)
            return
        _run(
            self,
            request,
            queryset,
            lambda a: workflow.assessment_grant_extension(
                user=request.user, assessment_id=a.pk, kind=kind, until=until
            ),
            _("Extension granted to %(n)s units."),
        )

    @admin.action(description=_("Grant a self-assessment extension (until the date above)"))
    def grant_self_extension(self, request, queryset):
        self._extend(request, queryset, "self")

    @admin.action(description=_("Grant an explanation extension (until the date above)"))
    def grant_explanation_extension(self, request, queryset):
        self._extend(request, queryset, "explanation")


@admin.register(LeafScore)
class LeafScoreAdmin(SimpleHistoryAdmin):
    list_display = (
        "assessment",
        "node",
        "self_points",
        "self_na",
        "app_points",
        "na_decision",
        "flagged",
        "updated_by",
        "updated_at",
    )
    list_filter = ("assessment__round", "flagged", "self_na", "na_decision")
    search_fields = ("assessment__unit__code", "assessment__unit__name", "node__code")
    readonly_fields = [f.name for f in LeafScore._meta.fields] + ["evidence"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EvidenceFile)
class EvidenceFileAdmin(admin.ModelAdmin):
    list_display = ("original_name", "assessment", "content_type", "size", "uploaded_by", "uploaded_at")
    list_filter = ("assessment__round", "content_type")
    search_fields = ("original_name", "sha256", "assessment__unit__code")
    readonly_fields = (
        "assessment",
        "file",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )

    def has_add_permission(self, request):
        return False


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "assessment", "actor", "action", "from_state", "to_state", "comment")
    list_filter = ("action", "assessment__round")
    search_fields = ("assessment__unit__code", "comment")
    readonly_fields = ("assessment", "actor", "action", "from_state", "to_state", "comment", "at")
