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
        round=round,
        survey="cs",
        code=code,
        text=f"Câu hỏi {code}",
        leaf_code=leaf_code,
        options=options if options is not None else default_options(),
        required=required,
        order=order,
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


def sheet_rows(header, rows):
    return ([header] if header is not None else []) + [list(r) for r in rows]


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx with several sheets, rows written as given (None = blank cell)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls_bytes(rows, sheet_title="Phieu") -> bytes:
    """An old .xls (BIFF8) written by xlwt."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(sheet_title)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def ods_bytes(rows, sheet_title="Phieu") -> bytes:
    """An OpenDocument spreadsheet written by odfpy; numbers as float cells, text as strings."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name=sheet_title)
    for row in rows:
        tr = TableRow()
        for value in row:
            if value is None:
                tr.addElement(TableCell())
            elif isinstance(value, int | float):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
                tr.addElement(cell)
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
                tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()
