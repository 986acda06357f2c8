"""django-import-export resource for framework nodes, scoped to one framework.

Used by the admin (import/export buttons on framework nodes) and by the ``framework_import`` /
``framework_export`` commands through ``assessments.services.frameworks``. An import is all or
nothing: the rows are parsed and checked first (``parse_rows``), the nodes created, and the whole
tree validated before the transaction commits.
"""

from __future__ import annotations

import tablib
from django.db.models.deletion import ProtectedError
from django.utils.translation import gettext as _
from import_export import fields, resources, results, widgets
from import_export.formats.base_formats import XLSX

from assessments.models import Framework, Node
from assessments.services.frameworks import (
    COLUMNS,
    FrameworkError,
    node_row,
    parse_rows,
    tree_order,
)
from assessments.validation import validate_framework
from parindex.spreadsheets import XlsxLimits, read_xlsx_rows

# A framework has tens to a few hundred nodes and the 12 columns of COLUMNS: anything far larger is not one.
FRAMEWORK_LIMITS = XlsxLimits(
    max_uncompressed=50 * 2**20, max_members=200, max_rows=5_000, max_columns=60, max_cells=200_000
)


class GuardedXLSX(XLSX):
    """The .xlsx import format of the admin and of ``framework_import``: bounded before openpyxl reads it.

    django-import-export's own XLSX format hands the upload straight to openpyxl, which pads every row to
    the sheet's claimed width (a 4 MB file took 7,5 GB for 91 s). Here the file is scanned first
    (``parindex.spreadsheets.scan_xlsx``) and read in a child process under the memory cap.
    """

    def create_dataset(self, in_stream):
        rows = read_xlsx_rows(bytes(in_stream), FRAMEWORK_LIMITS)
        dataset = tablib.Dataset()
        if rows:
            dataset.headers = rows[0]
            for row in rows[1:]:  # blank rows kept, as the library does: row numbers match the sheet's
                dataset.append(row)
        return dataset


class FrameworkImportError(results.Error):
    """A framework problem is a message for the admin, not a traceback."""

    @property
    def traceback(self):
        return "" if isinstance(self.error, FrameworkError) else super().traceback


class ValueWidget(widgets.Widget):
    """Rows are already typed by ``parse_rows``: values pass through unchanged."""

    def clean(self, value, row=None, **kwargs):
        return value


class ParentWidget(widgets.ForeignKeyWidget):
    """The parent is looked up by code inside the framework being imported."""

    def __init__(self, framework: Framework | None):
        super().__init__(Node, field="code")
        self.framework = framework

    def get_queryset(self, value, row, *args, **kwargs):
        return Node.objects.filter(framework=self.framework)


class NodeResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="code", widget=ValueWidget())
    parent_code = fields.Field(attribute="parent", column_name="parent_code")
    level = fields.Field(attribute="level", column_name="level", widget=ValueWidget())
    name = fields.Field(attribute="name", column_name="name", widget=ValueWidget())
    max_points = fields.Field(attribute="max_points", column_name="max_points", widget=ValueWidget())
    source = fields.Field(attribute="source", column_name="source", widget=ValueWidget())
    rule = fields.Field(attribute="rule", column_name="rule", widget=ValueWidget())
    rule_params = fields.Field(attribute="params", column_name="rule_params", widget=ValueWidget())
    na_allowed = fields.Field(attribute="na_allowed", column_name="na_allowed", widget=ValueWidget())
    evidence_required = fields.Field(
        attribute="evidence_required", column_name="evidence_required", widget=ValueWidget()
    )
    guidance = fields.Field(attribute="guidance", column_name="guidance", widget=ValueWidget())
    order = fields.Field(attribute="order", column_name="order", widget=ValueWidget())

    class Meta:
        model = Node
        fields = COLUMNS
        import_id_fields = ("code",)
        use_transactions = True
        skip_unchanged = False
        clean_model_instances = False

    def __init__(self, framework: Framework | None = None, replace: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.framework = framework
        self.replace = replace
        self.fields["parent_code"].widget = ParentWidget(framework)

    def import_data(self, dataset, **kwargs):
        # Any invalid row rolls the whole import back, whoever calls (admin or service).
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    # --- export ---------------------------------------------------------------------------
    def get_queryset(self):
        return Node.objects.filter(framework=self.framework)

    def iter_queryset(self, queryset):
        nodes = list(queryset)
        codes = {n.pk: n.code for n in nodes}
        self._parent_codes = {n.pk: codes.get(n.parent_id) for n in nodes}
        yield from tree_order(nodes)

    def get_export_headers(self, selected_fields=None):
        return list(COLUMNS)

    def export_resource(self, instance, selected_fields=None, **kwargs):
        parent_codes = getattr(self, "_parent_codes", {})
        parent = (
            parent_codes.get(instance.pk)
            if instance.pk in parent_codes
            else (instance.parent.code if instance.parent_id else None)
        )
        return node_row(instance, parent)

    # --- import ---------------------------------------------------------------------------
    def before_import(self, dataset, **kwargs):
        errors: list[str] = []
        if self.framework is None:
            errors.append(_("Choose the framework to import into."))
            records = []
        else:
            records, errors = parse_rows(list(dataset.headers or []), [list(r) for r in dataset])
        if not errors and self.framework.nodes.exists():
            if not self.replace:
                errors.append(
                    _("The framework “%(framework)s” already has nodes: choose to replace them.")
                    % {"framework": self.framework}
                )
            else:
                try:
                    self.framework.nodes.all().delete()
                except ProtectedError:
                    errors.append(
                        _("The nodes of “%(framework)s” already carry scores: they cannot be replaced.")
                        % {"framework": self.framework}
                    )
        # The rows import only after the whole file passed: on any error, no row is processed.
        dataset.wipe()
        dataset.headers = list(COLUMNS)
        if errors:
            raise FrameworkError(errors)
        for rec in records:
            dataset.append(
                [
                    rec["code"],
                    rec["parent_code"],
                    rec["level"],
                    rec["name"],
                    rec["max_points"],
                    rec["source"],
                    rec["rule"],
                    rec["params"],
                    rec["na_allowed"],
                    rec["evidence_required"],
                    rec["guidance"],
                    rec["order"],
                ]
            )

    def before_save_instance(self, instance, row, **kwargs):
        instance.framework = self.framework

    def after_import(self, dataset, result, **kwargs):
        if self.framework is None or result.has_errors() or result.has_validation_errors():
            return
        report = validate_framework(self.framework)
        if report.errors:
            raise FrameworkError(report.errors)

    @classmethod
    def get_error_result_class(cls):
        return FrameworkImportError

    def handle_import_error(self, result, error, raise_errors=False):
        # One entry per message, so the admin lists each row/column problem on its own line.
        if isinstance(error, FrameworkError) and result is not None and not raise_errors:
            for message in error.errors:
                result.append_base_error(self.get_error_result_class()(FrameworkError([message])))
            return
        super().handle_import_error(result, error, raise_errors)
