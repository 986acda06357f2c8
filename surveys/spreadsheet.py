"""The downloadable .xlsx template of a round's survey, generated from its definition."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from assessments.models import Round
from parindex.spreadsheets import escape_formula
from surveys.models import SurveyQuestion
from surveys.services.parsing import ATTRIBUTE_COLUMNS, FORM_COLUMN, UNIT_COLUMN

TEMPLATE_ROWS = 5000
DATA_SHEET = "Phieu"
HELP_SHEET = "Giai_thich"


def attribute_labels() -> dict[str, str]:
    return {
        UNIT_COLUMN: _("Unit code (required): the code of a unit of this round"),
        FORM_COLUMN: _("Form id (required): unique within the file"),
        "gioi_tinh": _("Respondent's sex (optional)"),
        "nhom_tuoi": _("Respondent's age group (optional)"),
        "trinh_do": _("Respondent's education (optional)"),
        "nghe_nghiep": _("Respondent's occupation or position (optional)"),
        "hinh_thuc": _("How the survey was taken: paper, online (optional)"),
    }


def survey_template(*, round: Round, survey: str) -> bytes:
    questions = list(SurveyQuestion.objects.filter(round=round, survey=survey).order_by("order", "code"))
    wb = Workbook()
    data = wb.active
    data.title = DATA_SHEET
    header = [UNIT_COLUMN, FORM_COLUMN, *ATTRIBUTE_COLUMNS, *(q.code for q in questions)]
    data.append(header)
    for cell in data[1]:
        cell.font = Font(bold=True)
    data.freeze_panes = "C2"
    first_q_col = 3 + len(ATTRIBUTE_COLUMNS)
    for i, q in enumerate(questions):
        values = ",".join(str(o["value"]) for o in q.options)
        col = data.cell(row=1, column=first_q_col + i).column_letter
        dv = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True, showErrorMessage=True)
        dv.error = _("Choose one of the options: %(options)s") % {"options": values}
        dv.add(f"{col}2:{col}{TEMPLATE_ROWS + 1}")
        data.add_data_validation(dv)

    help_sheet = wb.create_sheet(HELP_SHEET)
    help_sheet.append(
        [_("Column"), _("Meaning"), _("Element or leaf"), _("Required"), _("Options (value = label, fraction)")]
    )
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for code, label in attribute_labels().items():
        help_sheet.append(
            [code, escape_formula(label), "", _("yes") if code in (UNIT_COLUMN, FORM_COLUMN) else _("no"), ""]
        )
    for q in questions:
        target = q.get_element_display() if q.element else q.leaf_code
        options = "; ".join(f"{o['value']} = {o.get('label', '')} ({o.get('fraction', '')})" for o in q.options)
        help_sheet.append(
            [
                q.code,
                escape_formula(q.text),
                escape_formula(str(target)),
                _("yes") if q.required else _("no"),
                escape_formula(options),
            ]
        )
    help_sheet.column_dimensions["B"].width = 80
    help_sheet.column_dimensions["E"].width = 60
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
