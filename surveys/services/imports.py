"""Survey import: upload → preview (parse, validate, stage rows) → confirm (DESIGN §4).

Preview streams the file once: every form is validated and written to ``SurveyResponse`` in
chunks (COPY on PostgreSQL) under the import, which is not current, so nothing is scored yet.
Structural problems reject the whole file and remove whatever was staged. Confirm is one
transaction: the previous current import of the same round and survey becomes superseded and
the per-unit aggregates are computed in the database from the staged rows.

Unknown unit codes are treated per row (the form is invalid and listed with its row) rather than
rejecting the file: the admin sees every bad code at once and may accept those forms as invalid.
"""

import hashlib
import json
import operator
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Assessment, Framework, Round, Source
from parindex.models import User
from surveys import reader
from surveys.models import (
    ImportStatus,
    SurveyImport,
    SurveyKind,
    SurveyLeafResult,
    SurveyQuestion,
    SurveyResponse,
    SurveyUnitResult,
)
from surveys.scoring import cs_leaf_points, sipas_outcome, to_fraction
from surveys.services.staging import ResponseWriter
from surveys.signals import survey_import_confirmed

UNIT_COLUMN = "ma_don_vi"
FORM_COLUMN = "ma_phieu"
ATTRIBUTE_COLUMNS = ["gioi_tinh", "nhom_tuoi", "trinh_do", "nghe_nghiep", "hinh_thuc"]
MAX_PROBLEMS_STORED = 1000


class ImportRefused(Exception):
    """The action is not allowed now; ``message`` says why (Vietnamese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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


def sha256_of(fileobj) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def survey_import_create(
    *, round: Round, survey: str, fileobj, name: str, user: User | None, allow_reimport: bool = False, enqueue: bool = True
) -> SurveyImport:
    """Check the upload and store it as a pending import; the preview runs after commit (Celery).

    Size, type and archive checks happen here so that a hostile file stores nothing at all.
    """
    if survey not in SurveyKind.values:
        raise ImportRefused(_("Unknown survey."))
    size = fileobj.seek(0, os.SEEK_END)
    fileobj.seek(0)
    if size > settings.SURVEY_UPLOAD_MAX_BYTES:
        raise ImportRefused(
            _("The file is %(size)d MB; at most %(max)d MB may be uploaded.")
            % {"size": size // 2**20, "max": settings.SURVEY_UPLOAD_MAX_BYTES // 2**20}
        )
    if size == 0:
        raise ImportRefused(_("The file is empty."))
    try:
        reader.file_kind(name)
    except reader.FileRejected as exc:
        raise ImportRefused(exc.message) from exc
    sha = sha256_of(fileobj)
    earlier = (
        SurveyImport.objects.filter(round=round, survey=survey, sha256=sha)
        .exclude(status__in=[ImportStatus.REJECTED, ImportStatus.CANCELLED, ImportStatus.FAILED])
        .first()
    )
    if earlier and not allow_reimport:
        raise ImportRefused(
            _(
                "This file was already imported as import #%(id)d (%(name)s, %(date)s, %(status)s). "
                "Tick “import again” to import it once more."
            )
            % {
                "id": earlier.id,
                "name": earlier.original_name,
                "date": timezone.localtime(earlier.created_at).strftime("%d/%m/%Y %H:%M"),
                "status": earlier.get_status_display(),
            }
        )
    with tempfile.NamedTemporaryFile(suffix=os.path.splitext(name)[1].lower()) as tmp:
        for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
            tmp.write(chunk)
        tmp.flush()
        try:
            reader.check_container(tmp.name, name)
        except reader.FileRejected as exc:
            raise ImportRefused(exc.message) from exc
        fileobj.seek(0)
    with transaction.atomic():
        imp = SurveyImport(round=round, survey=survey, original_name=name[:255], sha256=sha, uploaded_by=user)
        imp.file.save(os.path.basename(name) or "survey", File(fileobj), save=False)
        imp.save()
        if enqueue:
            transaction.on_commit(lambda: _enqueue_preview(imp.id))
    return imp


def _enqueue_preview(import_id: int) -> None:
    from surveys.tasks import survey_import_preview_task

    survey_import_preview_task.delay(import_id)


def _set_progress(import_id: int, **fields) -> None:
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
            _set_progress(self.import_id, progress_rows=rows, progress_percent=percent)
            return
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {SurveyImport._meta.db_table} SET progress_rows = %s, progress_percent = %s WHERE id = %s",  # noqa: S608
                [rows, percent, self.import_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _discard_rows(import_id: int) -> None:
    SurveyResponse.objects.filter(survey_import_id=import_id).delete()


def survey_import_preview(*, import_id: int) -> SurveyImport:
    """Parse and validate the file, stage its forms, and leave the import ready for review.

    Runs outside one big transaction on purpose: progress updates must be visible to the page
    polling them. A failure removes every staged row, so a rejected file leaves nothing behind.
    """
    with transaction.atomic():
        # Lock: a redelivered task (worker lost) and the original must not parse the same import twice.
        imp = SurveyImport.objects.select_for_update().get(pk=import_id)
        if imp.status not in (ImportStatus.PENDING, ImportStatus.PARSING):
            return imp
        imp.status = ImportStatus.PARSING
        imp.save(update_fields=["status"])
    _discard_rows(import_id)  # a previous attempt that died half-way
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        try:
            result = _parse_and_stage(imp)
        except reader.FileRejected as exc:
            _discard_rows(import_id)
            _set_progress(import_id, status=ImportStatus.REJECTED, error=exc.message, progress_percent=100)
            _delete_stored_file(imp)
        except Exception as exc:
            _discard_rows(import_id)
            _set_progress(import_id, status=ImportStatus.FAILED, error=_("Unexpected error while reading the file: %(error)s") % {"error": str(exc)[:300]})
            _delete_stored_file(imp)
            raise
        else:
            _set_progress(import_id, status=ImportStatus.PREVIEW, progress_percent=100, **result)
    imp.refresh_from_db()
    return imp


def _delete_stored_file(imp: SurveyImport) -> None:
    if imp.file:
        imp.file.delete(save=False)
        SurveyImport.objects.filter(pk=imp.pk).update(file="")


def _parse_and_stage(imp: SurveyImport) -> dict:
    questions = _questions(imp.round_id, imp.survey)
    if not questions:
        raise reader.FileRejected(_("The round has no questions for this survey yet; define them first."))
    scope = dict(Assessment.objects.filter(round_id=imp.round_id).values_list("unit__code", "unit_id"))
    scope_ci = {code.casefold(): uid for code, uid in scope.items()}
    with reader.open_sheet(imp.file.path, imp.original_name) as sheet:
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
    attr_pos = [(a, positions[a]) for a in ATTRIBUTE_COLUMNS if a in positions]
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
        attributes = {}
        for a, pos in attr_pos:
            text = cell_text(cells[pos])
            if text:
                attributes[a] = text[:200]
        if reasons:
            rows_invalid += 1
        answers_json = "{" + ",".join(answer_parts) + "}"
        if writer.add(unit_id=unit_id, row_number=number, form_id=form_id, attributes=attributes, answers_json=answers_json, reasons=reasons):
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
        .order_by("unit__code")
    )
    return [
        {"unit_id": r["unit_id"], "code": r["unit__code"] or "", "name": r["unit__name"] or "", "respondents": r["total"], "valid": r["valid"], "invalid": r["total"] - r["valid"]}
        for r in rows
    ]


def survey_import_cancel(*, import_id: int, user: User | None) -> SurveyImport:
    with transaction.atomic():
        # Lock: cancelling while another admin confirms the same import must not half-apply either.
        imp = SurveyImport.objects.select_for_update().get(pk=import_id)
        if imp.status != ImportStatus.PREVIEW:
            raise ImportRefused(_("Only an import waiting for review can be cancelled."))
        _discard_rows(import_id)
        imp.status = ImportStatus.CANCELLED
        imp.save(update_fields=["status"])
    return imp


def survey_import_confirm(*, import_id: int, user: User | None, accept_invalid: bool = False) -> SurveyImport:
    """Make the import current for its round and survey, replacing the previous one, in one transaction."""
    with transaction.atomic():
        imp = SurveyImport.objects.get(pk=import_id)
        # Lock every import of this round and survey in id order: two admins confirming two files of
        # the same survey at once would otherwise both become current (or one confirm twice).
        locked = list(
            SurveyImport.objects.select_for_update().filter(round_id=imp.round_id, survey=imp.survey).order_by("id")
        )
        imp = next(i for i in locked if i.id == import_id)
        if imp.status != ImportStatus.PREVIEW:
            raise ImportRefused(_("This import is not waiting for review (status: %(status)s).") % {"status": imp.get_status_display()})
        if imp.rows_invalid and not accept_invalid:
            raise ImportRefused(
                _("The file has %(n)d invalid forms. Tick “accept the invalid forms” to import them as invalid (they are not scored).")
                % {"n": imp.rows_invalid}
            )
        for previous in locked:
            if previous.is_current:
                previous.is_current = False
                previous.status = ImportStatus.SUPERSEDED
                previous.save(update_fields=["is_current", "status"])
        _compute_results(imp)
        imp.status = ImportStatus.CONFIRMED
        imp.is_current = True
        imp.accepted_invalid = bool(imp.rows_invalid)
        imp.confirmed_by = user
        imp.confirmed_at = timezone.now()
        imp.save(update_fields=["status", "is_current", "accepted_invalid", "confirmed_by", "confirmed_at"])
        round_id, survey = imp.round_id, imp.survey
        transaction.on_commit(
            lambda: survey_import_confirmed.send(sender=SurveyImport, round_id=round_id, survey=survey, import_id=import_id)
        )
    return imp


def _histograms(import_id: int) -> dict[int, dict[str, dict[str, int]]]:
    """counts[unit_id][question code][option value] over valid forms, by one GROUP BY in the database."""
    table = SurveyResponse._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT r.unit_id, e.key, e.value, COUNT(*) FROM {table} r "  # noqa: S608 - names are ours
            "CROSS JOIN LATERAL jsonb_each_text(r.answers) e "
            "WHERE r.survey_import_id = %s AND r.valid AND r.unit_id IS NOT NULL GROUP BY 1, 2, 3"
        )
    else:
        sql = (
            f"SELECT r.unit_id, j.key, j.value, COUNT(*) FROM {table} r, json_each(r.answers) j "  # noqa: S608
            "WHERE r.survey_import_id = %s AND r.valid AND r.unit_id IS NOT NULL GROUP BY 1, 2, 3"
        )
    counts: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    with connection.cursor() as cursor:
        cursor.execute(sql, [import_id])
        for unit_id, code, value, n in cursor.fetchall():
            counts[unit_id][code][str(value)] = n
    return counts


def _compute_results(imp: SurveyImport) -> None:
    SurveyUnitResult.objects.filter(survey_import=imp).delete()
    SurveyLeafResult.objects.filter(survey_import=imp).delete()
    questions = list(SurveyQuestion.objects.filter(round_id=imp.round_id, survey=imp.survey))
    counts = _histograms(imp.id)
    forms = {
        r["unit_id"]: r
        for r in SurveyResponse.objects.filter(survey_import=imp, unit__isnull=False)
        .values("unit_id")
        .annotate(total=Count("id"), valid=Count("id", filter=Q(valid=True)))
    }
    in_scope = list(Assessment.objects.filter(round_id=imp.round_id).values_list("unit_id", "group_id"))
    source = Source.SIPAS if imp.survey == SurveyKind.SIPAS else Source.CS_SURVEY
    leaves_by_group: dict[int, list] = {}
    for fw in Framework.objects.filter(round_id=imp.round_id):
        leaves_by_group[fw.group_id] = list(fw.nodes.leaves().filter(source=source))
    element_of = {q.code: q.element for q in questions if q.element}
    by_leaf_code: dict[str, list[str]] = defaultdict(list)
    fractions = {}
    for q in questions:
        if q.leaf_code:
            by_leaf_code[q.leaf_code].append(q.code)
        fractions[q.code] = {str(o["value"]): to_fraction(o.get("fraction", "0")) for o in q.options}
    unit_rows, leaf_rows = [], []
    for unit_id, group_id in in_scope:
        unit_counts = counts.get(unit_id, {})
        f = forms.get(unit_id, {"total": 0, "valid": 0})
        unit_result = SurveyUnitResult(
            survey_import=imp, unit_id=unit_id, respondents=f["total"], valid_forms=f["valid"], invalid_forms=f["total"] - f["valid"]
        )
        leaves = leaves_by_group.get(group_id, [])
        if imp.survey == SurveyKind.SIPAS:
            outcome = sipas_outcome(counts=unit_counts, element_of=element_of)
            unit_result.element_pct = {str(e): str(p) for e, p in outcome.element_pct.items()}
            unit_result.sipas_pct = outcome.pct
            for leaf in leaves:
                leaf_rows.append(
                    SurveyLeafResult(
                        survey_import=imp, unit_id=unit_id, leaf=leaf, valid_answers=outcome.valid_answers, points=outcome.points(leaf.max_points)
                    )
                )
        else:
            for leaf in leaves:
                points, answered = cs_leaf_points(
                    counts=unit_counts, questions=by_leaf_code.get(leaf.code, []), fractions=fractions, leaf_max=leaf.max_points
                )
                leaf_rows.append(SurveyLeafResult(survey_import=imp, unit_id=unit_id, leaf=leaf, valid_answers=answered, points=points))
        unit_rows.append(unit_result)
    SurveyUnitResult.objects.bulk_create(unit_rows, batch_size=1000)
    SurveyLeafResult.objects.bulk_create(leaf_rows, batch_size=1000)


def survey_import_file(
    *, round: Round, survey: str, path: str, user: User | None, accept_invalid: bool = False, dry_run: bool = False, allow_reimport: bool = False
) -> SurveyImport:
    """Whole import from a path, synchronously (management command, demo, benchmark)."""
    with open(path, "rb") as fh:
        imp = survey_import_create(
            round=round, survey=survey, fileobj=fh, name=os.path.basename(path), user=user, allow_reimport=allow_reimport, enqueue=False
        )
    return survey_import_run(import_id=imp.id, user=user, accept_invalid=accept_invalid, dry_run=dry_run)


def survey_import_run(*, import_id: int, user: User | None, accept_invalid: bool, dry_run: bool) -> SurveyImport:
    imp = survey_import_preview(import_id=import_id)
    if imp.status != ImportStatus.PREVIEW:
        return imp
    if dry_run:
        survey_import_discard(import_id=imp.id)
        return imp
    try:
        return survey_import_confirm(import_id=imp.id, user=user, accept_invalid=accept_invalid)
    except ImportRefused:
        survey_import_discard(import_id=imp.id)  # not confirmed: keep nothing of it
        raise


def survey_import_discard(*, import_id: int) -> None:
    """Forget a previewed import entirely (dry runs): rows, file and record."""
    with transaction.atomic():
        # Lock: a confirmation racing the discard must see the import either whole or gone.
        imp = SurveyImport.objects.select_for_update().get(pk=import_id)
        if imp.status not in (ImportStatus.PREVIEW, ImportStatus.REJECTED, ImportStatus.CANCELLED):
            raise ImportRefused(_("Only an import that was not confirmed can be discarded."))
        _discard_rows(import_id)
        if imp.file:
            imp.file.delete(save=False)
        imp.delete()


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
