"""Reading a respondent file into staged forms: header mapping, per-row validation, bulk writing.

Every problem is recorded with its row, column, value and a Vietnamese reason. Nothing here
decides whether an import is confirmed; see surveys.services.imports.
"""

import json
import operator
import re
import unicodedata
from dataclasses import dataclass
from json.encoder import encode_basestring as encode_json_text  # C-accelerated JSON string

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from assessments.models import Assessment
from surveys import reader
from surveys.models import SurveyImport, SurveyQuestion, SurveyResponse
from surveys.services.staging import ResponseWriter

UNIT_COLUMN = "ma_don_vi"
FORM_COLUMN = "ma_phieu"
ATTRIBUTE_COLUMNS = ["gioi_tinh", "nhom_tuoi", "trinh_do", "nghe_nghiep", "hinh_thuc"]
MAX_PROBLEMS_STORED = 1000
# A totals row: "Tổng cộng", "Cộng", "Total" alone in the unit-code or form-id cell, with the other one empty
# (a real form always has both). Compared after ``normalise``.
TOTALS_ROW = re.compile(r"^(tổng cộng|tổng số|tổng|cộng|tong cong|tong|cong|total|sum)\b[\s:.]*", re.IGNORECASE)


def normalise(text: str) -> str:
    """How headers, codes and text answers are compared: Unicode NFC, trimmed, without case."""
    return unicodedata.normalize("NFC", text).strip().casefold()


def decimal_text(text: str) -> str | None:
    """ "5", "5.0", "5,0", "5,00" → "5": a whole number written as text with a dot or a comma; else None."""
    head, sep, tail = text.replace(",", ".").partition(".")
    if head.lstrip("-").isdigit() and (not sep or (tail and set(tail) == {"0"})):
        return str(int(head))
    return None


def is_header_row(cells: list[str]) -> bool:
    """A row holding both required column codes is the header row."""
    names = {normalise(c) for c in cells}
    return UNIT_COLUMN in names and FORM_COLUMN in names


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    required: bool
    values: frozenset[str]
    labels: str
    # Raw cell value → option value, so that the common case (4.0 or "4") costs one dict lookup.
    lookup: dict
    json_key: str  # the code already JSON-encoded, for building the answers document quickly
    # Raw cell value → '"code":"value"' fragment of the answers document (the common case).
    fragments: dict


def _questions(round_id: int, survey: str) -> list[QuestionSpec]:
    specs = []
    for q in SurveyQuestion.objects.filter(round_id=round_id, survey=survey).order_by("order", "code"):
        values = [str(o["value"]) for o in q.options]
        lookup: dict = {}
        for v in values:
            lookup[normalise(v)] = v
            lookup[v] = v
            if v.isdigit():
                lookup[int(v)] = v  # also matches 4.0 (equal hash); a bool cell (True == 1) is excluded by its class
        json_key = json.dumps(q.code, ensure_ascii=False)
        fragments = {raw: f"{json_key}:{json.dumps(v, ensure_ascii=False)}" for raw, v in lookup.items()}
        specs.append(
            QuestionSpec(
                code=q.code,
                required=q.required,
                values=frozenset(values),
                labels=", ".join(values),
                lookup=lookup,
                json_key=json_key,
                fragments=fragments,
            )
        )
    return specs


def set_progress(import_id: int, **fields) -> None:
    SurveyImport.objects.filter(pk=import_id).update(**fields)


class ProgressReporter:
    """Progress updates while the main connection is busy with a COPY: on PostgreSQL through a
    second connection (autocommit, so the polling page sees them at once); elsewhere through
    the main one, between batches."""

    def __init__(self, import_id: int):
        self.import_id = import_id
        self.side = connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None

    def report(self, rows: int, percent: int) -> None:
        if self.side is None:
            set_progress(self.import_id, progress_rows=rows, progress_percent=percent)
            return
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {SurveyImport._meta.db_table} SET progress_rows = %s, progress_percent = %s WHERE id = %s",  # noqa: S608
                [rows, percent, self.import_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def parse_and_stage(imp: SurveyImport) -> dict:
    questions = _questions(imp.round_id, imp.survey)
    if not questions:
        raise reader.FileRejected(_("The round has no questions for this survey yet; define them first."))
    scope = dict(Assessment.objects.filter(round_id=imp.round_id).values_list("unit__code", "unit_id"))
    scope_ci = {normalise(code): uid for code, uid in scope.items()}
    summary = imp.summary if isinstance(imp.summary, dict) else {}
    checked = summary.get("checked_formula_cells")
    with reader.open_sheet(
        imp.file.path, imp.original_name, checked, is_header=is_header_row, sheet_name=summary.get("sheet_name") or None
    ) as sheet:
        positions, ignored = _map_header(sheet.header, questions)
        counts = _stage_rows(imp, sheet, positions, questions, UnitCodes(scope_ci))
    counts["summary"].update(
        sheet=sheet.sheet_name,
        sheets=sheet.sheet_names,
        header_row=sheet.header_row,
        ignored_columns=ignored,
        checked_formula_cells=checked,
        sheet_name=summary.get("sheet_name") or "",
    )
    return counts


class UnitCodes:
    """Unit codes of the round as matched in a file: normalised, and numeric codes whose leading zeros a
    spreadsheet dropped ("00123" typed, 123 stored) matched when exactly one unit fits."""

    def __init__(self, scope: dict[str, int]):
        self.scope = scope
        self.unpadded: dict[str, int | None] = {}
        for code, uid in scope.items():
            if code.isdigit() and code.startswith("0"):
                key = code.lstrip("0") or "0"
                self.unpadded[key] = None if key in self.unpadded else uid  # None: two units fit
        self.unpadded_rows: list[int] = []

    def match(self, text: str, row: int) -> tuple[int | None, str | None]:
        """(unit id, None) or (None, the reason in Vietnamese)."""
        unit_id = self.scope.get(text)
        if unit_id is not None:
            return unit_id, None
        if text.isdigit() and text in self.unpadded:
            unit_id = self.unpadded[text]
            if unit_id is not None:
                self.unpadded_rows.append(row)
                return unit_id, None
            return None, _(
                "Unit code is a number that matches several unit codes once their leading zeros are restored; "
                "format the column as text and type the code in full."
            )
        if text.isdigit():
            return None, _(
                "Unit code is not a unit of this round. It is a number: if the file was opened in a spreadsheet "
                "program, leading zeros may have been dropped; format the column as text."
            )
        return None, _("Unit code is not a unit of this round.")


def _is_totals_row(unit: str, form: str) -> bool:
    return bool((TOTALS_ROW.match(unit) and not form) or (TOTALS_ROW.match(form) and not unit))


def _map_header(header: list[str], questions: list[QuestionSpec]) -> tuple[dict[str, int], list[str]]:
    """Column positions by canonical code, and the descriptive columns ignored (named by letter and title).

    Columns that are not questions (the unit's name, notes) are ignored when every required column is there;
    when some are missing they are named with them, since the file is then probably the wrong one.
    """
    known = {UNIT_COLUMN: UNIT_COLUMN, FORM_COLUMN: FORM_COLUMN}
    known.update({a: a for a in ATTRIBUTE_COLUMNS})
    known.update({normalise(q.code): q.code for q in questions})
    positions: dict[str, int] = {}
    unknown, duplicated = [], []
    for i, title in enumerate(header):
        title = unicodedata.normalize("NFC", title).strip()
        if title == "":
            continue
        canonical = known.get(title.casefold())
        if canonical is None:
            unknown.append(f"{reader.column_letter(i)} “{title[:40]}”")
        elif canonical in positions:
            duplicated.append(f"{reader.column_letter(i)} “{title[:40]}”")
        else:
            positions[canonical] = i
    problems = []
    missing = [c for c in [UNIT_COLUMN, FORM_COLUMN, *(q.code for q in questions)] if c not in positions]
    if missing:
        problems.append(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing[:30])})
    if unknown and missing:
        problems.append(
            _("Unknown columns (not a question of this survey): %(cols)s.") % {"cols": ", ".join(unknown[:30])}
        )
    if duplicated:
        problems.append(_("Columns given twice: %(cols)s.") % {"cols": ", ".join(duplicated[:30])})
    if problems:
        raise reader.FileRejected(
            " ".join(problems) + " " + _("Is this the right sheet and the template of this survey and round?")
        )
    return positions, unknown


def _stage_rows(
    imp: SurveyImport, sheet: reader.Sheet, positions: dict[str, int], questions: list[QuestionSpec], scope: UnitCodes
) -> dict:
    writer = ResponseWriter(import_id=imp.id)
    progress = ProgressReporter(imp.id)
    try:
        with writer:
            counts = _read_rows(imp, sheet, positions, questions, scope, writer, progress)
    finally:
        progress.close()
    if counts["rows_total"] == 0:
        raise reader.FileRejected(_("The sheet has a header row but no forms."))
    counts["summary"]["units"] = _unit_counts(imp.id)
    return counts


def _read_rows(imp, sheet, positions, questions, scope, writer, progress) -> dict:
    unit_pos, form_pos = positions[UNIT_COLUMN], positions[FORM_COLUMN]
    attr_pos = [(encode_json_text(a), positions[a]) for a in ATTRIBUTE_COLUMNS if a in positions]
    q_pos = [(q, positions[q.code]) for q in questions]
    width = max(positions.values()) + 1
    first_col = sheet.first_column
    formulas = sheet.formula_cells
    seen_forms: dict[tuple, int] = {}
    totals_rows: list[int] = []
    problems: list[dict] = []
    problems_total = rows_total = rows_invalid = 0
    msg_formula = _("The cell holds a formula; formulas are never calculated, so the answer is invalid.")
    msg_required = _("Required field is empty.")
    msg_unit_formula = _("The unit-code cell holds a formula; formulas are never calculated, so the unit is unknown.")
    msg_form_formula = _("The form-id cell holds a formula; formulas are never calculated, so the form id is unknown.")

    def problem(row: int, col: int, value: str, reason: str) -> None:
        nonlocal problems_total
        problems_total += 1
        if len(problems) < MAX_PROBLEMS_STORED:
            problems.append(
                {"row": row, "column": reader.column_letter(col + first_col), "value": value[:100], "reason": reason}
            )

    cell_text = reader.cell_text
    json_values: dict[str, str] = {}
    fragment_gets = [q.fragments.get for q, _pos in q_pos]
    getter = operator.itemgetter(*(pos for _q, pos in q_pos))
    answer_cells = getter if len(q_pos) > 1 else (lambda row: (getter(row),))
    for number, cells in sheet.rows:
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        if not any(cells):
            continue
        reasons: list[str] = []
        unit_code = unicodedata.normalize("NFC", cell_text(cells[unit_pos]))
        form_id = unicodedata.normalize("NFC", cell_text(cells[form_pos]))
        unit_key = unit_code.casefold()
        unit_id = None
        unit_formula = (number, unit_pos + first_col) in formulas or unit_code.startswith("=")
        if not unit_formula and unit_key not in scope.scope and _is_totals_row(unit_key, form_id.casefold()):
            totals_rows.append(number)
            continue
        rows_total += 1
        if unit_formula:
            reasons.append(msg_unit_formula)
            problem(number, unit_pos, unit_code, msg_unit_formula)
        elif not unit_code:
            reasons.append(msg_required)
            problem(number, unit_pos, unit_code, msg_required)
        else:
            unit_id, msg = scope.match(unit_key, number)
            if msg is not None:
                reasons.append(msg)
                problem(number, unit_pos, unit_code, msg)
        form_key = (unit_id if unit_id is not None else unit_key, form_id.casefold())
        if (number, form_pos + first_col) in formulas or form_id.startswith("="):
            reasons.append(msg_form_formula)
            problem(number, form_pos, form_id, msg_form_formula)
        elif not form_id:
            reasons.append(msg_required)
            problem(number, form_pos, form_id, msg_required)
        elif len(form_id) > 64:
            msg = _("Form id is longer than 64 characters.")
            reasons.append(msg)
            problem(number, form_pos, form_id, msg)
            form_id = form_id[:64]
        elif form_key in seen_forms:
            # Form ids need only be unique within a unit: files often number the forms of each unit from 1.
            msg = _("Form id already used for this unit on row %(row)d.") % {"row": seen_forms[form_key]}
            reasons.append(msg)
            problem(number, form_pos, form_id, msg)
        else:
            seen_forms[form_key] = number
        # Fast path: every answer is a plain option value (no blank, no formula, no bool) — one pass
        # of dictionary lookups builds the answers document.
        answer_parts = None
        if not formulas:
            answer_parts = [
                frag(raw) if raw.__class__ is not bool else None
                for frag, raw in zip(fragment_gets, answer_cells(cells))
            ]
            if None in answer_parts:
                answer_parts = None
        if answer_parts is None:
            answer_parts = _answers_slow(
                number, cells, q_pos, formulas, first_col, reasons, problem, json_values, msg_formula, msg_required
            )
        attribute_parts = []
        for key, pos in attr_pos:
            text = unicodedata.normalize("NFC", cell_text(cells[pos]))
            if text:
                attribute_parts.append(f"{key}:{encode_json_text(text[:200])}")
        if reasons:
            rows_invalid += 1
        answers_json = "{" + ",".join(answer_parts) + "}"
        if writer.add(
            unit_id=unit_id,
            row_number=number,
            form_id=form_id,
            attributes_json="{" + ",".join(attribute_parts) + "}",
            answers_json=answers_json,
            reasons=reasons,
        ):
            if sheet.total_rows:
                percent = min(99, rows_total * 100 // max(sheet.total_rows, 1))
            else:
                percent = min(99, int(sheet.progress_fraction() * 100)) if sheet.progress_fraction else 0
            progress.report(rows_total, percent)
    return {
        "rows_total": rows_total,
        "rows_valid": rows_total - rows_invalid,
        "rows_invalid": rows_invalid,
        "progress_rows": rows_total,
        "problems": problems,
        "summary": {
            "problems_total": problems_total,
            "formula_cells": len(formulas),
            "totals_rows": totals_rows[:100],
            "unpadded_unit_rows": len(scope.unpadded_rows),
        },
    }


def _unit_counts(import_id: int) -> list[dict]:
    """Forms per unit, counted in the database."""
    rows = (
        SurveyResponse.objects.filter(survey_import_id=import_id)
        .values("unit_id", "unit__code", "unit__name")
        .annotate(total=Count("id"), valid=Count("id", filter=Q(valid=True)))
        # the order every other page lists units in: by ranking group, then the unit's display order
        .order_by("unit__group__display_order", "unit__display_order", "unit__code")
    )
    return [
        {
            "unit_id": r["unit_id"],
            "code": r["unit__code"] or "",
            "name": r["unit__name"] or "",
            "respondents": r["total"],
            "valid": r["valid"],
            "invalid": r["total"] - r["valid"],
        }
        for r in rows
    ]


def _answers_slow(
    number, cells, q_pos, formulas, first_col, reasons, problem, json_values, msg_formula, msg_required
) -> list[str]:
    """Answers of a row with blanks, formulas or values needing normalisation; records each problem."""
    cell_text = reader.cell_text
    answer_parts = []
    for q, pos in q_pos:
        raw = cells[pos]
        if formulas and (number, pos + first_col) in formulas:
            reasons.append(f"{q.code}: {msg_formula}")
            problem(number, pos, cell_text(raw), msg_formula)
            continue
        value = q.lookup.get(raw) if raw.__class__ is not bool else None
        if value is None:
            text = cell_text(raw)
            key = normalise(text)
            value = q.lookup.get(key) if raw.__class__ is not bool else None
            if value is None and (whole := decimal_text(key)) is not None:
                value = q.lookup.get(whole)
            if value is not None:
                pass
            elif text == "":
                if q.required:
                    reasons.append(f"{q.code}: {msg_required}")
                    problem(number, pos, text, msg_required)
                continue
            else:
                msg = (
                    msg_formula
                    if text.startswith("=")
                    else _("Answer is not one of the options (%(options)s).") % {"options": q.labels}
                )
                reasons.append(f"{q.code}: {msg}")
                problem(number, pos, text, msg)
                continue
        encoded = json_values.get(value)
        if encoded is None:
            encoded = json_values[value] = json.dumps(value, ensure_ascii=False)
        answer_parts.append(f"{q.json_key}:{encoded}")
    return answer_parts
