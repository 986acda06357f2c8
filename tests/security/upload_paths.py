"""Every way a file gets into ParIndex, in one list: the hostile corpus goes through each of them.

Adding an upload view: append an UploadPath to UPLOAD_PATHS naming its URL (a MATRIX key), the role
that may upload, the form field, any other form data the view needs, and the form class(es) with the
FileField it uses (test_every_file_form_is_covered fails for a form with a FileField that no path
lists). A rejected file must leave no row behind; if the path records rejections on purpose (say, a
SurveyImport marked "rejected" for the history), list that model in ``may_keep`` and say why.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from assessments.admin import LineageImportForm, NodeImportForm
from assessments.forms import EvidenceUploadForm
from rankings.forms import AppealForm
from surveys.forms import UploadForm
from surveys.models import SurveyImport
from tests.security.world import World


@dataclass(frozen=True)
class UploadPath:
    label: str
    url_name: str
    role: str  # a role of tests/security/world.py allowed to upload there
    field: str  # the file field's name in the form
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    data: Callable[[World, str], dict[str, Any]] = lambda w, name: {}  # other form fields, given the file name
    form_classes: tuple[type, ...] = ()
    may_keep: tuple[type[Model], ...] = ()
    # Corpus files this path may legitimately accept (a polyglot that really is a PDF, as evidence).
    # An accepted file must then be served back only as a download (see the test).
    may_accept: frozenset[str] = field(default_factory=frozenset)


# Evidence is stored, never parsed: a well-formed file of an allowed type is accepted (and flagged when it
# carries active content) whatever its sheets hold. Assessment evidence and an appeal's evidence alike.
EVIDENCE_MAY_ACCEPT = frozenset(
    {
        "polyglot.pdf",
        "empty_workbook.xlsx",
        "formula_cells.xlsx",
        "huge_columns.xlsx",
        "xml_entities.xlsx",
        "zip_bomb.xlsx",
        "far_cell.xlsx",
        "far_cell_within_limit.xlsx",
        "whole_sheet_dimension.xlsx",
    }
)


def _import_export_format(name: str) -> str:
    """django-import-export's format field: the index of the format in NodeAdmin's import formats."""
    titles = ["csv", "xlsx", "tsv", "json", "yaml", "html"]
    ext = name.rsplit(".", 1)[-1].lower()
    return str(titles.index(ext) if ext in titles else titles.index("xlsx"))


UPLOAD_PATHS: list[UploadPath] = [
    UploadPath(
        label="evidence",
        url_name="assessments:evidence_upload",
        role="officer_own",
        field="file",
        kwargs=lambda w: {"pk": w.assessment_a.pk, "node_id": w.leaf.pk},
        form_classes=(EvidenceUploadForm,),
        # Evidence is stored and handed back as a file, never opened by the server: well-formed workbooks
        # (however odd their content) are legitimate evidence, and the polyglot really is a PDF. What
        # matters is how they are served back: test_accepted_evidence_is_served_only_as_what_it_is.
        may_accept=EVIDENCE_MAY_ACCEPT,
    ),
    UploadPath(
        # Upload and the preview parse (run here at once, as the eager task after commit would).
        label="survey",
        url_name="surveys:upload",
        role="admin",
        field="file",
        kwargs=lambda w: {"year": w.round.year, "survey": "sipas"},
        form_classes=(UploadForm,),
        # A file refused while parsing stays listed as a rejected import (its stored file deleted):
        # the admin sees what was refused and why. No respondent row is ever kept.
        may_keep=(SurveyImport,),
    ),
    UploadPath(
        # django-import-export's first step (dry run and preview) in the admin.
        label="framework",
        url_name="admin:assessments_node_import",
        role="admin",
        field="import_file",
        data=lambda w, name: {"framework": w.framework.pk, "format": _import_export_format(name), "resource": "0"},
        form_classes=(NodeImportForm,),
    ),
    UploadPath(
        # Unit lineage: read at once, all or nothing; nothing is stored from a refused file.
        label="lineage",
        url_name="admin:assessments_unitlineage_import",
        role="admin",
        field="file",
        form_classes=(LineageImportForm,),
    ),
    UploadPath(
        # An appeal's evidence goes through the same checks as assessment evidence (and is kept the same way).
        label="appeal",
        url_name="dashboard:appeal_lodge",
        role="officer_own",
        field="evidence",
        kwargs=lambda w: {"year": w.round.year},
        data=lambda w, name: {"nodes": [w.leaf.pk], "reason": "Đề nghị chấm lại"},
        form_classes=(AppealForm,),
        may_accept=EVIDENCE_MAY_ACCEPT,
    ),
]
