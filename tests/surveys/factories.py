"""Survey questions and real respondent files (.xlsx written by openpyxl, .csv by the csv module)."""

import csv
import io

from openpyxl import Workbook

from surveys.models import SurveyQuestion, default_options
from surveys.services.parsing import ATTRIBUTE_COLUMNS, FORM_COLUMN, UNIT_COLUMN


def sipas_question(*, round, code, element, required=False, order=0):
    return SurveyQuestion.objects.create(
        round=round, survey="sipas", code=code, text=f"Câu hỏi {code}", element=element, required=required, order=order
    )


def cs_question(*, round, code, leaf_code="2.2", options=None, required=False, order=0):
    return SurveyQuestion.objects.create(
        round=round, survey="cs", code=code, text=f"Câu hỏi {code}", leaf_code=leaf_code,
        options=options if options is not None else default_options(), required=required, order=order,
    )


def header_for(codes):
    return [UNIT_COLUMN, FORM_COLUMN, *ATTRIBUTE_COLUMNS, *codes]


def form_row(unit, form, answers, attrs=("Nam", "30-39", "Đại học", "Công chức", "Giấy")):
    """answers: list aligned with the question codes; None = blank."""
    return [unit, form, *attrs, *answers]


def xlsx_bytes(header, rows, sheet_title="Phieu"):
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    if header is not None:
        ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(header, rows, delimiter=","):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8")
