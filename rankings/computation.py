"""The index of one round, computed from its stored inputs (DESIGN §2).

Reading is done with a fixed number of queries whatever the number of units: the framework nodes,
the assessments, every leaf score of the round (streamed, points converted to integer hundredths in
SQL) and the survey points. Arithmetic is exact: points are carried as integer hundredths and every
percentage is rounded half up to 2 places with integer division, which equals
``Decimal(total / max * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)`` without a float anywhere.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import F, IntegerField
from django.db.models.functions import Cast, Round
from django.utils import translation
from django.utils.translation import gettext as _

from assessments.models import (
    Assessment,
    AssessmentState,
    LeafScore,
    Level,
    MissingSurveyPolicy,
    NaDecision,
    Node,
    Source,
)
from assessments.models import Round as IndexRound
from surveys.selectors import survey_points_for_round

SCORE_CHUNK = 20000


def cents(value: Decimal) -> int:
    """Points (2 places) as integer hundredths."""
    return int((value * 100).to_integral_value())


def cents_str(c: int) -> str:
    """Integer hundredths as the canonical decimal string ("12.50") used in the JSON breakdown."""
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


def pct_hundredths(total: int, maximum: int) -> int:
    """round(total / maximum × 100, 2) half up, in hundredths of a percent (total, maximum in hundredths)."""
    q, r = divmod(total * 10000, maximum)
    if 2 * r >= maximum:
        q += 1
    return q


def dec(c: int) -> Decimal:
    return Decimal(c).scaleb(-2)


@dataclass
class LeafInfo:
    node_id: int
    code: str
    max_c: int
    source: str
    criterion: int | None  # index into the framework's criteria, None for a domain scored directly
    domain: int


@dataclass
class FrameworkShape:
    group_id: int
    leaves: list[LeafInfo] = field(default_factory=list)
    domains: list[dict] = field(default_factory=list)  # node_id, code, name
    criteria: list[dict] = field(default_factory=list)  # node_id, parent_id, code, name
    prefixes: tuple[list[str], list[str]] | None = None  # their JSON text, made once per run
    _fast: list[tuple] | None = None
    entry_cache: dict = field(default_factory=dict)  # (prefix, points, max) → JSON text of the entry

    def fast_leaves(self) -> list[tuple]:
        if self._fast is None:
            kinds = {Source.SELF: 0, Source.CS_SURVEY: 1, Source.SIPAS: 2}
            self._fast = [(lf.node_id, lf.max_c, kinds.get(lf.source, 0), lf.criterion, lf.domain, lf.code)
                          for lf in self.leaves]
        return self._fast


@dataclass
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
    warnings: list[dict] = field(default_factory=list)
    breakdown_json: str = "{}"


@dataclass
class Computation:
    digest: str
    outcomes: list[UnitOutcome]


def _frameworks(round: IndexRound, h) -> dict[int, FrameworkShape]:
    rows = list(
        Node.objects.filter(framework__round=round)
        .order_by("framework__group_id", "order", "id")
        .values_list("id", "framework__group_id", "parent_id", "level", "code", "name", "max_points", "source")
    )
    h.update(repr([(r[0], r[1], r[2], r[3], r[4], str(r[6]), r[7]) for r in rows]).encode())
    by_id = {r[0]: r for r in rows}
    with_children = {r[2] for r in rows if r[2] is not None}
    shapes: dict[int, FrameworkShape] = {}
    domain_idx: dict[int, int] = {}
    criterion_idx: dict[int, int] = {}
    for node_id, group_id, parent_id, level, code, name, _max, _src in rows:
        shape = shapes.setdefault(group_id, FrameworkShape(group_id=group_id))
        if parent_id is None:
            domain_idx[node_id] = len(shape.domains)
            shape.domains.append({"node_id": node_id, "code": code, "name": name})
        elif level == Level.CRITERION:
            criterion_idx[node_id] = len(shape.criteria)
            shape.criteria.append({"node_id": node_id, "parent_id": parent_id, "code": code, "name": name})
    for node_id, group_id, _parent, _level, code, _name, max_points, source in rows:
        if node_id in with_children:
            continue
        # Walk up to the criterion (if any) and the domain of this leaf.
        crit, cur = None, by_id[node_id]
        while cur[2] is not None:
            if cur[3] == Level.CRITERION:
                crit = criterion_idx.get(cur[0])
            cur = by_id[cur[2]]
        if cur[3] == Level.CRITERION and crit is None:
            crit = criterion_idx.get(cur[0])
        shapes[group_id].leaves.append(
            LeafInfo(node_id=node_id, code=code, max_c=cents(max_points), source=source or Source.SELF,
                     criterion=crit, domain=domain_idx[cur[0]])
        )
    return shapes


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


def _warning(code: str, message: str, leaves: list[str] | None = None) -> dict:
    w = {"code": code, "message": message}
    if leaves is not None:
        w["leaves"] = leaves
    return w


def compute_round(*, round: IndexRound) -> Computation:
    """Compute every unit of the round. Reads only; the caller writes the outcomes."""
    h = hashlib.sha256()
    h.update(repr((round.pk, round.year, round.missing_survey_policy, round.bands)).encode())
    shapes = _frameworks(round, h)
    assessments = list(
        Assessment.objects.filter(round=round)
        .order_by("id")
        .values_list("id", "unit_id", "group_id", "state", "unit__display_order", "unit__code")
    )
    h.update(repr(assessments).encode())
    scores = _scores(round, h)
    survey = survey_points_for_round(round=round)
    survey_c = {k: (None if v is None else cents(v)) for k, v in survey.leaf_points.items()}
    h.update(repr(sorted(survey.imports)).encode())
    h.update(repr(sorted(survey_c.items())).encode())

    exclude_missing = round.missing_survey_policy != MissingSurveyPolicy.ZERO
    bands = [(b["label"], cents(Decimal(str(b["min"])))) for b in round.bands]
    # Warnings are stored with their Vietnamese text: results are published in Vietnamese.
    with translation.override("vi"):
        msg_provisional = _("Appraisal not completed: the result is provisional")
        msg_na = _("Not applicable (confirmed): ")
        msg_unscored = _("Not scored, counted as 0: ")
        msg_missing_excluded = _("Survey not measured, left out of the applicable maximum: ")
        msg_missing_zero = _("Survey not measured, counted as 0: ")
        msg_no_framework = _("No framework for the unit's ranking group in this round")

    outcomes: list[UnitOutcome] = []
    empty: dict = {}
    for a_id, unit_id, group_id, state, display_order, code in assessments:
        out = UnitOutcome(assessment_id=a_id, unit_id=unit_id, group_id=group_id, display_order=display_order, code=code)
        outcomes.append(out)
        shape = shapes.get(group_id)
        if shape is None:
            out.warnings.append(_warning("no_framework", msg_no_framework))
            continue
        finalised = state == AssessmentState.FINALISED
        out.provisional = not finalised
        unit_scores = scores.get(a_id, empty)
        crit_p = [0] * len(shape.criteria)
        crit_m = [0] * len(shape.criteria)
        dom_p = [0] * len(shape.domains)
        dom_m = [0] * len(shape.domains)
        na_codes: list[str] = []
        unscored: list[str] = []
        missing: list[str] = []
        self_c = app_c = cs_c = sipas_c = 0
        total_c = max_c = 0
        # Leaves as plain tuples (kind 0 self, 1 civil-servant survey, 2 SIPAS): this loop runs for
        # every leaf of every unit, so it avoids attribute and enum look-ups.
        for node_id, leaf_max, kind, crit, dom, code in shape.fast_leaves():
            if kind == 0:
                row = unit_scores.get(node_id)
                if row is None:
                    p = None
                else:
                    s, a, na_confirmed = row
                    if na_confirmed:
                        na_codes.append(code)
                        continue
                    p = a if (finalised or a is not None) else s
                    if s is not None:
                        self_c += s
                    if a is not None:
                        app_c += a
                if p is None:
                    unscored.append(code)
                    p = 0
            else:
                p = survey_c.get((unit_id, node_id))
                if p is None:
                    missing.append(code)
                    if exclude_missing:
                        continue
                    p = 0
                if kind == 2:
                    sipas_c += p
                else:
                    cs_c += p
            total_c += p
            max_c += leaf_max
            dom_p[dom] += p
            dom_m[dom] += leaf_max
            if crit is not None:
                crit_p[crit] += p
                crit_m[crit] += leaf_max
        out.total_c, out.max_c = total_c, max_c
        out.self_c, out.app_c, out.cs_c, out.sipas_c = self_c, app_c, cs_c, sipas_c
        out.pct_h = pct_hundredths(out.total_c, out.max_c) if out.max_c else 0
        if out.provisional:
            out.warnings.append(_warning("provisional", msg_provisional))
        if na_codes:
            out.warnings.append(_warning("not_applicable", msg_na + ", ".join(na_codes), na_codes))
        if unscored:
            out.warnings.append(_warning("unscored", msg_unscored + ", ".join(unscored), unscored))
        if missing:
            msg = msg_missing_excluded if exclude_missing else msg_missing_zero
            out.warnings.append(_warning("survey_not_measured", msg + ", ".join(missing), missing))
        out.breakdown_json = _breakdown_json(shape, dom_p, dom_m, crit_p, crit_m)

    _rank(outcomes, bands)
    return Computation(digest=h.hexdigest(), outcomes=outcomes)


# Text of small non-negative amounts in hundredths ("0.00" … "1000.00"), looked up rather than formatted:
# the breakdown has an entry per domain and criterion of every unit.
_CENTS_TEXT = [f"{c // 100}.{c % 100:02d}" for c in range(100001)]


def _text(c: int) -> str:
    return _CENTS_TEXT[c] if 0 <= c <= 100000 else cents_str(c)


def _entry(prefix: str, p: int, m: int, cache: dict) -> str:
    key = (prefix, p, m)
    text = cache.get(key)
    if text is None:
        pct = '"' + _text(pct_hundredths(p, m)) + '"' if m else "null"
        text = f'{prefix},"points":"{_text(p)}","max":"{_text(m)}","pct":{pct},"lost":"{_text(m - p)}"}}'
        cache[key] = text
    return text


def _breakdown_json(shape: FrameworkShape, dom_p, dom_m, crit_p, crit_m) -> str:
    """The breakdown JSON (shape in UnitResult's docstring), assembled from per-node prefixes made once."""
    if shape.prefixes is None:
        dump = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
        shape.prefixes = (
            [dump(d)[:-1] for d in shape.domains],
            [dump(c)[:-1] for c in shape.criteria],
        )
    dom_prefix, crit_prefix = shape.prefixes
    cache = shape.entry_cache
    domains = ",".join([_entry(dom_prefix[i], dom_p[i], dom_m[i], cache) for i in range(len(dom_prefix))])
    criteria = ",".join([_entry(crit_prefix[i], crit_p[i], crit_m[i], cache) for i in range(len(crit_prefix))])
    return '{"domains":[' + domains + '],"criteria":[' + criteria + "]}"


def _rank(outcomes: list[UnitOutcome], bands: list[tuple[str, int]]) -> None:
    """Rank within each group by the rounded index, ties sharing a rank and the next rank skipped."""
    by_group: dict[int, list[UnitOutcome]] = {}
    for out in outcomes:
        by_group.setdefault(out.group_id, []).append(out)
    for members in by_group.values():
        members.sort(key=lambda o: (-o.pct_h, o.display_order, o.code))
        previous_pct, previous_rank = None, 0
        for position, out in enumerate(members, start=1):
            if out.pct_h != previous_pct:
                previous_pct, previous_rank = out.pct_h, position
            out.rank = previous_rank
    for out in outcomes:
        out.band = next((label for label, minimum in bands if minimum <= out.pct_h), "")
