"""Exports of a round's published results: .xlsx announcement, CSV, printable PDF."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from parindex.spreadsheets import escape_formula
from rankings.dashboard import charts
from rankings.dashboard.selectors import Board

POINTS_FORMAT = "0.00"
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def safe_text(value) -> str:
    """The value as text a spreadsheet program will not run as a formula (``escape_formula``)."""
    return escape_formula("" if value is None else str(value))


def announcement_headers() -> list[str]:
    return [
        _("No."),
        _("Unit name"),
        _("Self-assessed points"),
        _("Appraised points"),
        _("Survey points"),
        _("Total points"),
        _("Index (%)"),
        _("Rank"),
        _("Classification"),
        _("Notes"),
        *margin_headers(),
    ]


def margin_headers() -> list[str]:
    """The margin of error's columns (rankings/uncertainty.py), after the announcement's own."""
    return [
        _("Index, 95 % interval low"),
        _("Index, 95 % interval high"),
        _("Possible ranks (95 %)"),
        _("Survey points margin (±)"),
        _("Survey sample below the minimum"),
    ]


def margin_values(r) -> list:
    return [r.index_low, r.index_high, safe_text(r.rank_range), r.survey_margin, _("yes") if r.small_sample else ""]


def announcement_row(n: int, row) -> list:
    r = row.result
    return [
        n,
        safe_text(r.unit.name),
        r.self_total,
        r.appraised_total,
        row.survey_points,
        r.total,
        r.index_pct,
        r.rank,
        safe_text(r.band),
        safe_text(row.notes),
        *margin_values(r),
    ]


def _sheet_title(wb: Workbook, title: str) -> str:
    title = SHEET_NAME_BAD.sub(" ", title).strip()[:31] or "Sheet"
    base, n = title, 2
    while title in wb.sheetnames:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    return title


def _write_table(ws, title: str, headers: list[str], rows: list[list], number_cols: set[int]) -> None:
    ws.append([safe_text(title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append([safe_text(h) for h in headers])
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for values in rows:
        ws.append(values)
        for col in number_cols:
            ws.cell(row=ws.max_row, column=col).number_format = POINTS_FORMAT
    ws.freeze_panes = "C4"
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 42
    for col in range(3, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14
    if _("Notes") in headers:
        ws.column_dimensions[get_column_letter(headers.index(_("Notes")) + 1)].width = 60


def xlsx_bytes(board: Board) -> bytes:
    """One announcement sheet per ranking group, then one domain-breakdown sheet per group."""
    wb = Workbook()
    wb.remove(wb.active)
    headers = announcement_headers()
    for gb in board.groups:
        ws = wb.create_sheet(_sheet_title(wb, gb.group.name))
        title = _("%(round)s – results of %(group)s") % {"round": board.round, "group": gb.group.name}
        _write_table(
            ws,
            title,
            headers,
            [announcement_row(i, row) for i, row in enumerate(gb.rows, 1)],
            number_cols={3, 4, 5, 6, 7},
        )
    for gb in board.groups:
        ws = wb.create_sheet(_sheet_title(wb, _("Domains – %(group)s") % {"group": gb.group.name}))
        d_headers = [_("No."), _("Unit name")]
        for code, name in gb.domains:
            d_headers += [
                _("%(code)s. %(name)s (points)") % {"code": code, "name": name},
                _("%(code)s. %(name)s (max)") % {"code": code, "name": name},
                _("%(code)s. %(name)s (%%)") % {"code": code, "name": name},
            ]
        rows = []
        for i, row in enumerate(gb.rows, 1):
            values: list = [i, safe_text(row.unit.name)]
            by_code = {d["code"]: d for d in row.domains}
            for code, _name in gb.domains:
                d = by_code.get(code)
                values += [d["points"], d["max"], d["pct"]] if d else [None, None, None]
            rows.append(values)
        _write_table(
            ws,
            _("%(round)s – domain scores of %(group)s") % {"round": board.round, "group": gb.group.name},
            d_headers,
            rows,
            number_cols=set(range(3, len(d_headers) + 1)),
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv_number(value: Decimal) -> str:
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=False)


def csv_text(board: Board) -> str:
    """The announcement of every group in one table; UTF-8 with BOM and ';' so Excel reads Vietnamese."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_text(h) for h in [_("Ranking group"), *announcement_headers()]])
    for gb in board.groups:
        for i, row in enumerate(gb.rows, 1):
            r = row.result
            writer.writerow(
                [
                    safe_text(gb.group.name),
                    i,
                    safe_text(r.unit.name),
                    _csv_number(r.self_total),
                    _csv_number(r.appraised_total),
                    _csv_number(row.survey_points),
                    _csv_number(r.total),
                    _csv_number(r.index_pct),
                    r.rank,
                    safe_text(r.band),
                    safe_text(row.notes),
                    *[_csv_number(v) if isinstance(v, Decimal) else v for v in margin_values(r)],
                ]
            )
    return out.getvalue()


def official_heading(board: Board) -> dict:
    """The parts of an administrative document's layout (Decree 30/2020/NĐ-CP): issuing body, number field,
    place and date (the day of publication), signature block. The body and signer come from the settings."""
    when = timezone.localtime(board.run.published_at) if board.run.published_at else timezone.localtime()
    return {
        "parent": settings.REPORT_ISSUING_PARENT,
        "body": settings.REPORT_ISSUING_BODY,
        "symbol": settings.REPORT_DOCUMENT_SYMBOL,
        "place_date": f"{settings.REPORT_PLACE}, ngày {when:%d} tháng {when:%m} năm {when:%Y}",
        "on_behalf": settings.REPORT_SIGNER_ON_BEHALF,
        "signer": settings.REPORT_SIGNER_TITLE,
    }


def pdf_bytes(board: Board, *, base_url: str) -> bytes:
    """The round's report: per group the announcement table, the domain scores and the charts."""
    from weasyprint import HTML

    figures = [
        {k: (charts.as_image(v) if k != "board" and v else v) for k, v in group.items()}
        for group in charts.board_charts(board, for_print=True)
    ]
    html = render_to_string(
        "rankings/dashboard/report_pdf.html",
        {
            "board": board,
            "charts": figures,
            "generated_at": timezone.localtime(),
            "official": official_heading(board),
        },
    )
    return HTML(string=html, base_url=base_url).write_pdf()
