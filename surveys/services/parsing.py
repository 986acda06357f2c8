"""Reading a respondent file into staged forms: header mapping, per-row validation, bulk writing.

Every problem is recorded with its row, column, value and a Vietnamese reason. Nothing here
decides whether an import is confirmed; see surveys.services.imports.
"""

import json
import operator
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
            lookup[v] = v
            if v.isdigit():
                lookup[int(v)] = v  # also matches 4.0 (equal hash); a bool cell (True == 1) is excluded by its class
        json_key = json.dumps(q.code, ensure_ascii=False)
        fragments = {raw: f"{json_key}:{json.dumps(v, ensure_ascii=False)}" for raw, v in lookup.items()}
        specs.append(
            QuestionSpec(
                code=q.code, required=q.required, values=frozenset(values), labels=", ".join(values), lookup=lookup,
                json_key=json_key, fragments=fragments,
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
    scope_ci = {code.casefold(): uid for code, uid in scope.items()}
    checked = imp.summary.get("checked_formula_cells") if isinstance(imp.summary, dict) else None
    with reader.open_sheet(imp.file.path, imp.original_name, checked) as sheet:
        positions = _map_header(sheet.header, questions)
        return _stage_rows(imp, sheet, positions, questions, scope_ci)


def _map_header(header: list[str], questions: list[QuestionSpec]) -> dict[str, int]:
    known = {UNIT_COLUMN: UNIT_COLUMN, FORM_COLUMN: FORM_COLUMN}
    known.update({a: a for a in ATTRIBUTE_COLUMNS})
    known.update({q.code.casefold(): q.code for q in questions})
    positions: dict[str, int] = {}
    unknown, duplicated = [], []
    for i, title in enumerate(header):
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
    if unknown:
        problems.append(_("Unknown columns (not a question of this survey): %(cols)s.") % {"cols": ", ".join(unknown[:30])})
    if duplicated:
        problems.append(_("Columns given twice: %(cols)s.") % {"cols": ", ".join(duplicated[:30])})
    if problems:
        raise reader.FileRejected(" ".join(problems) + " " + _("Is this the right sheet and the template of this survey and round?"))
    return positions


def _stage_rows(imp: SurveyImport, sheet: reader.Sheet, positions: dict[str, int], questions: list[QuestionSpec], scope: dict[str, int]) -> dict:
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
    seen_forms: dict[str, int] = {}
    problems: list[dict] = []
    problems_total = rows_total = rows_invalid = 0
    msg_formula = _("The cell holds a formula; formulas are never calculated, so the answer is invalid.")
    msg_required = _("Required field is empty.")

    def problem(row: int, col: int, value: str, reason: str) -> None:
        nonlocal problems_total
        problems_total += 1
        if len(problems) < MAX_PROBLEMS_STORED:
            problems.append({"row": row, "column": reader.column_letter(col + first_col), "value": value[:100], "reason": reason})

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
        rows_total += 1
        reasons: list[str] = []
        unit_code = cell_text(cells[unit_pos])
        unit_id = None
        if (number, unit_pos + first_col) in formulas or unit_code.startswith("="):
            reasons.append(msg_formula)
            problem(number, unit_pos, unit_code, msg_formula)
        elif not unit_code:
            reasons.append(msg_required)
            problem(number, unit_pos, unit_code, msg_required)
        else:
            unit_id = scope.get(unit_code.casefold())
            if unit_id is None:
                msg = _("Unit code is not a unit of this round.")
                reasons.append(msg)
                problem(number, unit_pos, unit_code, msg)
        form_id = cell_text(cells[form_pos])
        if not form_id:
            reasons.append(msg_required)
            problem(number, form_pos, form_id, msg_required)
        elif len(form_id) > 64:
            msg = _("Form id is longer than 64 characters.")
            reasons.append(msg)
            problem(number, form_pos, form_id, msg)
            form_id = form_id[:64]
        elif form_id in seen_forms:
            msg = _("Form id already used on row %(row)d.") % {"row": seen_forms[form_id]}
            reasons.append(msg)
            problem(number, form_pos, form_id, msg)
        else:
            seen_forms[form_id] = number
        # Fast path: every answer is a plain option value (no blank, no formula, no bool) — one pass
        # of dictionary lookups builds the answers document.
        answer_parts = None
        if not formulas:
            answer_parts = [frag(raw) if raw.__class__ is not bool else None for frag, raw in zip(fragment_gets, answer_cells(cells))]
            if None in answer_parts:
                answer_parts = None
        if answer_parts is None:
            answer_parts = _answers_slow(number, cells, q_pos, formulas, first_col, reasons, problem, json_values, msg_formula, msg_required)
        attribute_parts = []
        for key, pos in attr_pos:
            text = cell_text(cells[pos])
            if text:
                attribute_parts.append(f"{key}:{encode_json_text(text[:200])}")
        if reasons:
            rows_invalid += 1
        answers_json = "{" + ",".join(answer_parts) + "}"
        if writer.add(unit_id=unit_id, row_number=number, form_id=form_id, attributes_json="{" + ",".join(attribute_parts) + "}", answers_json=answers_json, reasons=reasons):
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
        "summary": {"problems_total": problems_total, "formula_cells": len(formulas)},
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
        {"unit_id": r["unit_id"], "code": r["unit__code"] or "", "name": r["unit__name"] or "", "respondents": r["total"], "valid": r["valid"], "invalid": r["total"] - r["valid"]}
        for r in rows
    ]

def _answers_slow(number, cells, q_pos, formulas, first_col, reasons, problem, json_values, msg_formula, msg_required) -> list[str]:
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
            if text in q.values:
                value = text
            elif text == "":
                if q.required:
                    reasons.append(f"{q.code}: {msg_required}")
                    problem(number, pos, text, msg_required)
                continue
            else:
                msg = msg_formula if text.startswith("=") else _("Answer is not one of the options (%(options)s).") % {"options": q.labels}
                reasons.append(f"{q.code}: {msg}")
                problem(number, pos, text, msg)
                continue
        encoded = json_values.get(value)
        if encoded is None:
            encoded = json_values[value] = json.dumps(value, ensure_ascii=False)
        answer_parts.append(f"{q.json_key}:{encoded}")
    return answer_parts
