"""Admin screens (in Vietnamese) for ranking groups, units, rounds, frameworks and their nodes.

Framework spreadsheets are imported and exported through django-import-export on the node list
(a framework is chosen in the import form) and from the framework page; every write goes through
``assessments.services``.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import XLSX
from import_export.forms import ConfirmImportForm, ImportForm

from assessments.models import Assessment, Framework, Level, Node, NodeCrosswalk, RankingGroup, Round, Unit, UnitLineage
from assessments.resources import GuardedXLSX, NodeResource
from assessments.services.crosswalk import crosswalk_link_save, crosswalk_suggest
from assessments.services.frameworks import FrameworkError, framework_copy, framework_export, tree_order
from assessments.services.lineage import COLUMNS as LINEAGE_COLUMNS
from assessments.services.lineage import LineageImportError, creates_cycle, lineage_import, lineage_link_save
from assessments.services.rounds import round_add_units
from assessments.validation import fmt, validate_framework


@admin.register(RankingGroup)
class RankingGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "display_order")
    search_fields = ("code", "name")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "group", "display_order", "active")
    list_filter = ("group", "active")
    list_editable = ("display_order", "active")
    search_fields = ("code", "name")


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = (
            "year",
            "title",
            "status",
            "self_deadline",
            "explanation_deadline",
            "bands",
            "missing_survey_policy",
            "survey_min_forms",
            "appeal_working_days",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "survey_min_forms" in self.fields:
            self.fields["survey_min_forms"].required = False  # left empty: no minimum
        if "appeal_working_days" in self.fields:
            self.fields["appeal_working_days"].required = False  # left empty: the default period

    def clean_survey_min_forms(self):
        return self.cleaned_data.get("survey_min_forms") or 0

    def clean_appeal_working_days(self):
        value = self.cleaned_data.get("appeal_working_days")
        return 10 if value is None else value

    def clean_bands(self):
        """Bands: a list of {"label", "min"}, highest minimum first, minima from 100 down to 0."""
        bands = self.cleaned_data["bands"]
        if not isinstance(bands, list) or not bands:
            raise forms.ValidationError(_('Give at least one band as a list of {"label": …, "min": …}.'))
        previous = None
        for i, band in enumerate(bands, start=1):
            if not isinstance(band, dict) or not str(band.get("label", "")).strip():
                raise forms.ValidationError(_("Band %(n)s needs a label.") % {"n": i})
            try:
                minimum = Decimal(str(band.get("min")))
            except (InvalidOperation, ValueError):
                minimum = None
            if minimum is None or not minimum.is_finite() or not 0 <= minimum <= 100:
                raise forms.ValidationError(_("Band %(n)s: the minimum must be a number from 0 to 100.") % {"n": i})
            if previous is not None and minimum >= previous:
                raise forms.ValidationError(_("Band %(n)s: the minimum must be below the previous band's.") % {"n": i})
            previous = minimum
        if previous != 0:
            raise forms.ValidationError(_("The last band must start at 0 so that every unit gets a band."))
        return bands

    def clean(self):
        data = super().clean()
        start, end = data.get("self_deadline"), data.get("explanation_deadline")
        if start and end and end < start:
            self.add_error(
                "explanation_deadline", _("The explanation deadline cannot come before the self-assessment deadline.")
            )
        return data


class FrameworkInline(admin.TabularInline):
    model = Framework
    fields = ("title", "group", "target_total")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    form = RoundForm
    list_display = ("year", "title", "status", "self_deadline", "explanation_deadline", "units_in_scope")
    list_filter = ("status",)
    fields = (
        "year",
        "title",
        "status",
        "self_deadline",
        "explanation_deadline",
        "bands",
        "missing_survey_policy",
        "survey_min_forms",
    )
    inlines = [FrameworkInline]
    actions = ["copy_previous_frameworks", "add_active_units"]

    @admin.display(description=_("units in scope"))
    def units_in_scope(self, obj: Round) -> int:
        return obj.assessments.count()

    @admin.action(description=_("Copy last year's frameworks into the selected rounds"))
    def copy_previous_frameworks(self, request, queryset):
        for round_ in queryset:
            previous = Round.objects.filter(year__lt=round_.year, frameworks__isnull=False).order_by("-year").first()
            if previous is None:
                self.message_user(
                    request,
                    gettext("No earlier round with a framework before %(year)s.") % {"year": round_.year},
                    messages.WARNING,
                )
                continue
            for framework in previous.frameworks.select_related("group", "round"):
                try:
                    copy = framework_copy(source=framework, round=round_)
                except FrameworkError as exc:
                    self.message_user(request, "; ".join(exc.errors), messages.WARNING)
                else:
                    self.message_user(
                        request, gettext("Copied into “%(framework)s”.") % {"framework": copy}, messages.SUCCESS
                    )

    @admin.action(description=_("Put every active unit in scope of the selected rounds"))
    def add_active_units(self, request, queryset):
        units = list(Unit.objects.active())
        for round_ in queryset:
            added = round_add_units(round=round_, units=units)
            self.message_user(
                request, gettext("%(round)s: %(n)s units added.") % {"round": round_, "n": len(added)}, messages.SUCCESS
            )


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ("title", "round", "group", "target_total", "node_count", "is_valid")
    list_filter = ("round", "group")
    readonly_fields = ("validation_report", "spreadsheet", "tree")
    fieldsets = (
        (None, {"fields": ("round", "group", "title")}),
        (_("Targets"), {"fields": ("target_total", "target_self", "target_cs_survey", "target_sipas")}),
        (_("Check"), {"fields": ("validation_report", "spreadsheet")}),
        (_("Framework tree"), {"fields": ("tree",)}),
    )
    actions = ["check_frameworks", "copy_to_next_round", "suggest_crosswalk"]

    @admin.display(description=_("nodes"))
    def node_count(self, obj: Framework) -> int:
        return obj.nodes.count()

    @admin.display(description=_("valid"), boolean=True)
    def is_valid(self, obj: Framework) -> bool:
        return validate_framework(obj).is_valid

    @admin.display(description=_("validation"))
    def validation_report(self, obj: Framework):
        if obj.pk is None:
            return "–"
        report = validate_framework(obj)
        summary = gettext(
            "%(d)s domains, %(c)s criteria, %(s)s sub-criteria, %(l)s scored nodes; total %(t)s "
            "(self %(self)s, civil-servant survey %(cs)s, SIPAS %(sipas)s)."
        ) % {
            "d": report.domains,
            "c": report.criteria,
            "s": report.sub_criteria,
            "l": report.leaves,
            "t": fmt(report.max_total),
            "self": fmt(report.by_source["self"]),
            "cs": fmt(report.by_source["cs_survey"]),
            "sipas": fmt(report.by_source["sipas"]),
        }
        if report.is_valid:
            return format_html('<p class="framework-valid">{} {}</p>', summary, gettext("The framework is valid."))
        return format_html(
            '<p>{}</p><ul class="framework-errors errorlist">{}</ul>',
            summary,
            format_html_join("", "<li>{}</li>", ((e,) for e in report.errors)),
        )

    @admin.display(description=_("spreadsheet"))
    def spreadsheet(self, obj: Framework):
        if obj.pk is None:
            return "–"
        export_url = reverse("admin:assessments_framework_export", args=[obj.pk])
        import_url = reverse("admin:assessments_node_import") + f"?framework={obj.pk}"
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            export_url,
            gettext("Export (.xlsx)"),
            import_url,
            gettext("Import (.xlsx)"),
        )

    @admin.display(description=_("nodes"))
    def tree(self, obj: Framework):
        """The whole tree, parents first and indented; each code links to the node's page."""
        if obj.pk is None:
            return "–"
        nodes = tree_order(list(obj.nodes.all()))
        depth = {Level.DOMAIN: 0, Level.CRITERION: 1, Level.SUB_CRITERION: 2}
        add_url = reverse("admin:assessments_node_add") + f"?framework={obj.pk}"
        rows = format_html_join(
            "",
            '<tr><td style="padding-left:{}em"><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
            '<td class="numeric">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    0.5 + 1.5 * depth.get(n.level, 0),
                    reverse("admin:assessments_node_change", args=[n.pk]),
                    n.code,
                    n.name,
                    n.get_level_display(),
                    fmt(n.max_points),
                    n.get_source_display(),
                    n.get_rule_display(),
                    "✓" if n.na_allowed else "",
                    "✓" if n.evidence_required else "",
                )
                for n in nodes
            ),
        )
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            gettext("Code"),
            gettext("Name"),
            gettext("Level"),
            gettext("Maximum"),
            gettext("Source"),
            gettext("Rule"),
            gettext("N/A allowed"),
            gettext("Evidence"),
        )
        return format_html(
            '<p><a class="button" href="{}">{}</a></p><table class="framework-tree"><thead>{}</thead><tbody>{}</tbody></table>',
            add_url,
            gettext("Add a node"),
            head,
            rows,
        )

    def get_urls(self):
        urls = [
            path("<int:pk>/export/", self.admin_site.admin_view(self.export_view), name="assessments_framework_export"),
        ]
        return urls + super().get_urls()

    def export_view(self, request, pk: int):
        framework = get_object_or_404(Framework.objects.select_related("round", "group"), pk=pk)
        if not self.has_view_permission(request, framework):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        response = HttpResponse(
            framework_export(framework=framework),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="framework-{framework.round.year}-{framework.group.code}.xlsx"'
        )
        return response

    @admin.action(description=_("Check the selected frameworks"))
    def check_frameworks(self, request, queryset):
        for framework in queryset:
            report = validate_framework(framework)
            if report.is_valid:
                self.message_user(
                    request, gettext("%(framework)s: valid.") % {"framework": framework}, messages.SUCCESS
                )
            else:
                self.message_user(
                    request,
                    f"{framework}: " + "; ".join(report.errors),
                    messages.ERROR,
                )

    @admin.action(description=_("Copy the selected frameworks into the following year's round"))
    def copy_to_next_round(self, request, queryset):
        for framework in queryset.select_related("round", "group"):
            target = Round.objects.filter(year=framework.round.year + 1).first()
            if target is None:
                self.message_user(
                    request,
                    gettext("There is no round %(year)s yet.") % {"year": framework.round.year + 1},
                    messages.WARNING,
                )
                continue
            try:
                copy = framework_copy(source=framework, round=target)
            except FrameworkError as exc:
                self.message_user(request, "; ".join(exc.errors), messages.WARNING)
            else:
                self.message_user(
                    request, gettext("Copied into “%(framework)s”.") % {"framework": copy}, messages.SUCCESS
                )

    @admin.action(description=_("Suggest the crosswalk from the previous year's framework (by code)"))
    def suggest_crosswalk(self, request, queryset):
        for framework in queryset.select_related("round", "group"):
            previous = (
                Framework.objects.filter(group=framework.group, round__year__lt=framework.round.year)
                .select_related("round")
                .order_by("-round__year")
                .first()
            )
            if previous is None:
                self.message_user(
                    request,
                    gettext("%(framework)s: no earlier framework of this group.") % {"framework": framework},
                    messages.WARNING,
                )
                continue
            made = crosswalk_suggest(old=previous, new=framework)
            self.message_user(
                request,
                gettext("%(framework)s: %(n)s crosswalk links suggested from %(year)s.")
                % {"framework": framework, "n": made, "year": previous.round.year},
                messages.SUCCESS,
            )


class NodeImportForm(ImportForm):
    framework = forms.ModelChoiceField(
        queryset=Framework.objects.select_related("round", "group"), label=_("Framework")
    )
    replace = forms.BooleanField(label=_("Replace the framework's existing nodes"), required=False)


class NodeConfirmImportForm(ConfirmImportForm):
    framework = forms.ModelChoiceField(queryset=Framework.objects.all(), widget=forms.HiddenInput())
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput())


class NodeForm(forms.ModelForm):
    class Meta:
        model = Node
        fields = (
            "framework",
            "parent",
            "level",
            "code",
            "name",
            "max_points",
            "order",
            "source",
            "rule",
            "params",
            "na_allowed",
            "evidence_required",
            "guidance",
        )

    def clean(self):
        data = super().clean()
        parent, framework = data.get("parent"), data.get("framework")
        if parent is not None and framework is not None and parent.framework_id != framework.pk:
            self.add_error("parent", _("The parent must be a node of the same framework."))
        return data


@admin.register(Node)
class NodeAdmin(ImportExportMixin, admin.ModelAdmin):
    """Framework nodes one by one, and the spreadsheet import/export of a whole framework."""

    form = NodeForm

    resource_classes = [NodeResource]
    import_formats = [GuardedXLSX]  # bounded before openpyxl reads it (assessments.resources)
    export_formats = [XLSX]
    import_form_class = NodeImportForm
    confirm_form_class = NodeConfirmImportForm
    list_display = ("code", "name", "level", "max_points", "source", "rule", "framework")
    list_filter = ("framework__round", "framework__group", "level", "source", "rule")
    search_fields = ("code", "name")
    list_select_related = ("framework",)
    ordering = ("framework", "order", "id")
    autocomplete_fields = ("parent",)

    def get_import_form_initial(self, request):
        initial = super().get_import_form_initial(request)
        if request.GET.get("framework", "").isdigit():
            initial["framework"] = int(request.GET["framework"])
        return initial

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["framework"] = import_form.cleaned_data["framework"].pk
            initial["replace"] = import_form.cleaned_data["replace"]
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        data = getattr(form, "cleaned_data", {}) if form is not None else {}
        return {"framework": data.get("framework"), "replace": bool(data.get("replace"))}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {}


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("unit", "round", "group", "state", "submitted_at")
    list_filter = ("round", "group", "state")


from assessments import admin_workflow  # noqa: E402,F401


class LineageImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))


class UnitLineageForm(forms.ModelForm):
    class Meta:
        model = UnitLineage
        fields = ("successor", "predecessor", "kind", "effective_date", "weight", "note")

    def clean(self):
        data = super().clean()
        succ, pred = data.get("successor"), data.get("predecessor")
        if (
            succ
            and pred
            and succ != pred
            and creates_cycle(successor_id=succ.pk, predecessor_id=pred.pk, exclude_pk=self.instance.pk)
        ):
            raise forms.ValidationError(_("This link would make a unit its own predecessor through other links."))
        return data


class NodeCrosswalkForm(forms.ModelForm):
    class Meta:
        model = NodeCrosswalk
        fields = ("old_node", "new_node", "kind", "note")

    def clean(self):
        data = super().clean()
        old, new = data.get("old_node"), data.get("new_node")
        if old and new and old.framework.round.year >= new.framework.round.year:
            raise forms.ValidationError(_("A crosswalk leads from an earlier year's framework to a later year's."))
        return data


@admin.register(UnitLineage)
class UnitLineageAdmin(admin.ModelAdmin):
    """Lineage links one by one, or a spreadsheet of them (all or nothing) from the list's "Import" button."""

    form = UnitLineageForm
    list_display = ("successor", "kind", "predecessor", "effective_date", "weight")
    list_filter = ("kind", "effective_date", "successor__group")
    search_fields = ("successor__code", "successor__name", "predecessor__code", "predecessor__name")
    autocomplete_fields = ("successor", "predecessor")
    change_list_template = "admin/assessments/unitlineage/change_list.html"

    def save_model(self, request, obj, form, change):
        lineage_link_save(link=obj)

    def get_urls(self):
        urls = [path("import/", self.admin_site.admin_view(self.import_view), name="assessments_unitlineage_import")]
        return urls + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = LineageImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                saved = lineage_import(name=upload.name, content=upload.read())
            except LineageImportError as exc:
                errors = exc.messages
            else:
                self.message_user(
                    request, gettext("%(n)s lineage links imported.") % {"n": len(saved)}, messages.SUCCESS
                )
                return redirect("admin:assessments_unitlineage_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import unit lineage"),
            "form": form,
            "errors": errors,
            "columns": [names[0].capitalize() for names in LINEAGE_COLUMNS.values()],
        }
        return TemplateResponse(
            request, "admin/assessments/unitlineage/import.html", context, status=422 if errors else 200
        )


@admin.register(NodeCrosswalk)
class NodeCrosswalkAdmin(admin.ModelAdmin):
    """The criteria crosswalk between two years' frameworks; the framework list can suggest it by code."""

    form = NodeCrosswalkForm
    list_display = ("new_framework", "old_node", "kind", "new_node")
    list_filter = ("kind", "new_node__framework__round", "old_node__framework__round")
    search_fields = ("old_node__code", "old_node__name", "new_node__code", "new_node__name")
    raw_id_fields = ("old_node", "new_node")
    list_select_related = ("old_node", "new_node__framework")

    @admin.display(description=_("framework"))
    def new_framework(self, obj):
        return obj.new_node.framework if obj.new_node_id else obj.old_node.framework

    def save_model(self, request, obj, form, change):
        crosswalk_link_save(link=obj)
