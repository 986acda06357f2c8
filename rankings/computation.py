"""The index of one round, computed from its stored inputs (DESIGN §2).

Reading is done with a fixed number of queries whatever the number of units: the framework nodes,
the assessments, every leaf score of the round (streamed, points converted to integer hundredths in
SQL) and the survey points. Arithmetic is exact: points are carried as integer hundredths and every
percentage is rounded half up to 2 places with integer division, which equals
``Decimal(total / max * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)`` without a float anywhere.
"""

from __future__ import annotations

import gc
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, IntegerField
from django.db.models.functions import Cast, Round
from django.utils import translation
from django.utils.translation import gettext as _

from assessments.models import (
    Assessment,
    AssessmentState,
    LeafScore,
    MissingSurveyPolicy,
    NaDecision,
)
from assessments.models import Round as IndexRound
from rankings.breakdown import cents_str, pct_hundredths  # noqa: F401 - cents_str re-exported
from rankings.pg_sums import AboveBound, begin_reads, self_sums_pg, survey_sums_pg
from rankings.shape import FrameworkShape, above_bound, cents, frameworks
from surveys.selectors import current_imports_for_round, survey_cents_for_round

SCORE_CHUNK = 20000


def dec(c: int) -> Decimal:
    return Decimal(c).scaleb(-2)


@dataclass(slots=True)
class UnitOutcome:
    assessment_id: int
    unit_id: int
    group_id: int
    display_order: int
    code: str
    self_c: int = 0
    app_c: int = 0
    cs_c: int = 0
    sipas_c: int = 0
    total_c: int = 0
    max_c: int = 0
    pct_h: int = 0
    rank: int = 0
    band: str = ""
    provisional: bool = False
    warnings_json: str = "[]"  # JSON text of UnitResult.warnings
    breakdown: str = "{}"  # JSON text of the stored form, see rankings/breakdown.py

    @property
    def warnings(self) -> list[dict]:
        return json.loads(self.warnings_json)


@dataclass
class Computation:
    digest: str
    outcomes: list[UnitOutcome]
    catalogue: dict = field(default_factory=dict)  # IndexRun.catalogue


def _scores(round: IndexRound, h) -> dict[int, dict[int, tuple]]:
    """Every leaf score of the round as integer hundredths, in one query, in a stable order.

    The rows are read from a plain cursor: they are already ints, bools and strings, so the
    per-row converters of the ORM would only cost time.
    """
    qs = (
        LeafScore.objects.filter(assessment__round=round)
        .order_by("assessment_id", "node_id")
        .annotate(
            s_c=Cast(Round(F("self_points") * 100), IntegerField()),
            a_c=Cast(Round(F("app_points") * 100), IntegerField()),
        )
        .values_list("assessment_id", "node_id", "s_c", "a_c", "self_na", "na_decision")
    )
    sql, params = qs.query.sql_with_params()
    by_assessment: dict[int, dict[int, tuple]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(SCORE_CHUNK):
            _absorb(chunk, by_assessment, h)
    return by_assessment


def _absorb(chunk: list[tuple], by_assessment: dict, h) -> None:
    if connection.vendor == "sqlite":
        # SQLite returns its booleans as 0/1: normalise so the digest reads the same as elsewhere.
        chunk = [(a, n, s, c, bool(na), d) for a, n, s, c, na, d in chunk]
    h.update(repr(chunk).encode())
    confirmed = str(NaDecision.CONFIRMED)
    current_id, current = None, None
    for a_id, n_id, s_c, a_c, na, decision in chunk:
        if a_id != current_id:
            current_id = a_id
            current = by_assessment.setdefault(a_id, {})
        current[n_id] = (s_c, a_c, na and decision == confirmed)


def _assessments(round: IndexRound) -> list[tuple]:
    """(id, unit, group, state, unit display order, unit code) of the round's assessments, by id.

    Read from a plain cursor: the values need no conversion, and the ORM's per-row work would cost
    more than the query at ten thousand units.
    """
    qs = (
        Assessment.objects.filter(round=round)
        .order_by("id")
        .values_list("id", "unit_id", "group_id", "state", "unit__display_order", "unit__code")
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(r) for r in cursor.fetchall()]


_json = json.JSONEncoder(ensure_ascii=False).encode


def _json_str(text: str) -> str:
    """A JSON string: as it is between quotes when nothing in it needs escaping (the usual codes and
    messages), else as the encoder writes it."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return _json(text)


def _warning(code: str, message: str, leaves: list[str] | None = None, extra: str = "") -> str:
    """JSON text of one warning: {"code", "message"[, "leaves"]} and the ``extra`` members' text."""
    text = f'{{"code": "{code}", "message": {_json_str(message)}'
    if leaves is not None:
        text += f', "leaves": [{", ".join(map(_json_str, leaves))}]'
    return text + extra + "}"


def compute_round(*, round: IndexRound, fast: bool | None = None) -> Computation:
    """Compute every unit of the round. Reads only; the caller writes the outcomes.

    ``fast`` (default: on PostgreSQL) sums the self-assessment scores per unit and per breakdown node in
    the database (rankings/pg_sums.py) instead of reading every score row; ``fast=False`` is the reference
    path, which reads every row and applies the leaf rules below. Both give the same outcomes. The digest
    of the fast path is made from 64-bit hashes of the score rows and of the survey rows (combined per
    unit), computed by PostgreSQL, so it differs from the reference path's, but it is likewise the same
    for the same inputs and changes when any score or survey value changes.

    On PostgreSQL every input is read in one REPEATABLE READ transaction (unless the caller has one
    open): the run sees the round as it was at one moment, whatever is saved while it reads.
    """
    if fast is None:
        fast = connection.vendor == "postgresql"
    outermost = not connection.in_atomic_block
    # The run allocates a few objects per unit and keeps them all: the cyclic garbage collector would
    # only walk them again and again (a tenth of the run's time at 10 000 units); it runs at the end.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                # Every input read from one snapshot, as if nothing changed while the run reads.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return _compute(round, fast)
    finally:
        if collecting:
            gc.enable()


def _compute(round: IndexRound, fast: bool, wide: bool = False) -> Computation:
    h = hashlib.sha256()
    h.update(repr((round.pk, round.year, round.missing_survey_policy, round.bands)).encode())
    shapes = frameworks(round, h, wide=wide)
    assessments = _assessments(round)
    h.update(repr(assessments).encode())
    if fast:
        imports = current_imports_for_round(round=round)
        begin_reads()  # settings for the aggregates only: the reads above are planned as usual
    try:
        sums = self_sums_pg(round, shapes, {a[0]: a[2] for a in assessments}, h) if fast else None
    except AboveBound:
        return _compute(round, fast, wide=True)
    read_rows = sums is None  # the reference path, or node ids too far apart for the PostgreSQL one
    scores = _scores(round, h) if read_rows else {}
    if read_rows and not wide and above_bound(shapes, assessments, scores):
        return _compute(round, fast, wide=True)
    surveys_by_assessment = None
    if fast:
        h.update(repr(sorted(imports)).encode())
        surveys_by_assessment = survey_sums_pg(round, shapes, [i for _kind, i, _sha in imports], h)
    if surveys_by_assessment is None:
        survey = survey_cents_for_round(round=round)
        survey_c = survey.leaf_points
        h.update(repr(sorted(survey.imports)).encode())
        h.update(repr(sorted(survey_c.items())).encode())

    exclude_missing = round.missing_survey_policy != MissingSurveyPolicy.ZERO
    bands = [(b["label"], cents(Decimal(str(b["min"])))) for b in round.bands]
    # Warnings are stored with their Vietnamese text: results are published in Vietnamese.
    with translation.override("vi"):
        msg_provisional = _("Appraisal not completed: the result is provisional")
        msg_na = _("Not applicable (confirmed): ")
        msg_unscored = _("Not scored, counted as 0: ")
        msg_missing = _("Survey not measured, left out of the applicable maximum: ") if exclude_missing \
            else _("Survey not measured, counted as 0: ")
        msg_no_framework = _("No framework for the unit's ranking group in this round")
    provisional_warning = _warning("provisional", msg_provisional)
    counted_as_zero = ', "counted_as_zero": false' if exclude_missing else ', "counted_as_zero": true'

    outcomes: list[UnitOutcome] = []
    empty: dict = {}
    finalised_state = AssessmentState.FINALISED
    for a_id, unit_id, group_id, state, display_order, code in assessments:
        out = UnitOutcome(assessment_id=a_id, unit_id=unit_id, group_id=group_id, display_order=display_order, code=code)
        outcomes.append(out)
        shape = shapes.get(group_id)
        if shape is None:
            out.warnings_json = f"[{_warning('no_framework', msg_no_framework)}]"
            continue
        finalised = state == finalised_state
        out.provisional = not finalised
        na_codes: list[str] = []
        unscored: list[str] = []
        missing: list[str] = []
        deducted: list[int] = []  # leaves (catalogue "leaves" order) left out of the applicable maximum
        if read_rows:
            digits, total_c, self_c, app_c = _self_part(shape, scores.get(a_id, empty), finalised, na_codes, unscored,
                                                        deducted)
        else:
            digits, total_c, self_c, app_c = shape.unpack(sums.get(a_id), na_codes, unscored, deducted)
        if surveys_by_assessment is None:
            values = [survey_c.get((unit_id, leaf[0])) for leaf in shape.survey_leaves]
            survey_text, cs_c, sipas_c = shape.survey_part(values, exclude_missing, missing, deducted)
        else:
            row = surveys_by_assessment.get(a_id)
            values = row[shape.survey_offset:shape.survey_offset + len(shape.survey_leaves)] if row else shape.no_survey
            if None in values:
                survey_text, cs_c, sipas_c = shape.survey_part(values, exclude_missing, missing, deducted)
            else:  # every survey leaf measured
                survey_text = ",".join(map(str, values))
                sipas_c = sum([values[k] for k in shape.sipas_positions])
                cs_c = sum(values) - sipas_c
        out.total_c = total_c + cs_c + sipas_c
        out.max_c = shape.full_max - sum([shape.leaf_maxima[i] for i in deducted]) if deducted else shape.full_max
        out.self_c, out.app_c, out.cs_c, out.sipas_c = self_c, app_c, cs_c, sipas_c
        out.pct_h = pct_hundredths(out.total_c, out.max_c) if out.max_c else 0
        if out.provisional or na_codes or unscored or missing:
            warnings = [provisional_warning] if out.provisional else []
            if na_codes:
                warnings.append(_warning("not_applicable", msg_na + ", ".join(na_codes), na_codes))
            if unscored:
                warnings.append(_warning("unscored", msg_unscored + ", ".join(unscored), unscored))
            if missing:
                warnings.append(_warning("survey_not_measured", msg_missing + ", ".join(missing), missing,
                                         counted_as_zero))
            out.warnings_json = f"[{', '.join(warnings)}]"
        out.breakdown = shape.stored_breakdown(digits, survey_text, deducted)

    _rank(outcomes, bands)
    catalogue = {s.key: s.catalogue_entry for s in shapes.values()}
    return Computation(digest=h.hexdigest(), outcomes=outcomes, catalogue=catalogue)


def _self_part(shape: FrameworkShape, unit_scores: dict, finalised: bool, na_codes: list, unscored: list,
               deducted: list):
    """The reference rules for the self-assessed leaves of one unit, one leaf at a time.

    A confirmed N/A leaf counts neither points nor maximum; an appraised value counts (the self value
    while appraisal is not finalised and the leaf has no appraised value); a leaf with neither counts 0
    against its maximum. Returns the slots' points as digits, the points, the self and appraised totals.
    """
    slot_points = [0] * shape.slots
    total = self_c = app_c = 0
    for j, (node_id, _max, _crit, _dom, code) in enumerate(shape.self_leaves):
        row = unit_scores.get(node_id)
        if row is None:
            p = None
        else:
            s, a, na_confirmed = row
            if na_confirmed:
                na_codes.append(code)
                deducted.append(j)
                continue
            p = a if (finalised or a is not None) else s
            if s is not None:
                self_c += s
            if a is not None:
                app_c += a
        if p is None:
            unscored.append(code)
            p = 0
        slot_points[shape.leaf_slots[j]] += p
        total += p
    return shape.digits(slot_points), total, self_c, app_c


def _rank(outcomes: list[UnitOutcome], bands: list[tuple[str, int]]) -> None:
    """Rank within each group by the rounded index, ties sharing a rank and the next rank skipped."""
    by_group: dict[int, list[UnitOutcome]] = {}
    for out in outcomes:
        by_group.setdefault(out.group_id, []).append(out)
    # The first band whose minimum the index reaches (bands as the round lists them).
    band_of: dict[int, str] = {}
    for members in by_group.values():
        members.sort(key=lambda o: (-o.pct_h, o.display_order, o.code))
        previous_pct, previous_rank, band = None, 0, ""
        for position, out in enumerate(members, start=1):
            if out.pct_h != previous_pct:
                previous_pct, previous_rank = out.pct_h, position
                band = band_of.get(previous_pct)
                if band is None:
                    band = band_of[previous_pct] = next((label for label, minimum in bands if minimum <= previous_pct), "")
            out.rank = previous_rank
            out.band = band
