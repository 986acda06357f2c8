"""The index of one round, computed from its stored inputs (DESIGN §2).

Reading is done with a fixed number of queries whatever the number of units: the framework nodes,
the assessments, every leaf score of the round (streamed, points converted to integer hundredths in
SQL) and the survey points. Arithmetic is exact: points are carried as integer hundredths and every
percentage is rounded half up to 2 places with integer division, which equals
``Decimal(total / max * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)`` without a float anywhere.
"""

from __future__ import annotations

import hashlib
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
from rankings.breakdown import catalogue_key, cents_str, pct_hundredths  # noqa: F401 - cents_str re-exported
from rankings.pg_sums import self_sums_pg, survey_hash_pg
from surveys.selectors import survey_cents_for_round

SCORE_CHUNK = 20000


def cents(value: Decimal) -> int:
    """Points (2 places) as integer hundredths."""
    return int((value * 100).to_integral_value())


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
    """One ranking group's framework as the computation walks it; ``prepare`` derives the rest once.

    Breakdown slots: every criterion has one slot, and every domain one more for its leaves scored
    directly; a domain's criteria and its own slot are side by side, so its points are the sum of a
    slice of slots. The stored breakdown of a unit (rankings/breakdown.py) holds the self-assessed
    points of every slot as fixed-width digits (``width`` digits per slot, the last slot first) and the
    points of every survey leaf; the catalogue entry says how they add up to criteria and domains.
    """

    group_id: int
    leaves: list[LeafInfo] = field(default_factory=list)
    domains: list[dict] = field(default_factory=list)  # node_id, code, name
    criteria: list[dict] = field(default_factory=list)  # node_id, parent_id, code, name
    self_leaves: list[tuple] = field(default_factory=list)  # (node_id, max, criterion, domain, code)
    survey_leaves: list[tuple] = field(default_factory=list)  # (node_id, max, kind 1 cs / 2 SIPAS, criterion, domain, code)
    leaf_slots: list[int] = field(default_factory=list)  # slot of each self leaf
    width: int = 0
    slots: int = 0
    full_mask: int = 0  # one bit per self leaf
    full_max: int = 0
    leaf_maxima: list[int] = field(default_factory=list)  # self leaves, then survey leaves
    zero_digits: str = ""
    catalogue_entry: dict = field(default_factory=dict)
    key: str = ""

    def prepare(self) -> None:
        kinds = {Source.SELF: 0, Source.CS_SURVEY: 1, Source.SIPAS: 2}
        for lf in self.leaves:
            kind = kinds.get(lf.source, 0)
            if kind == 0:
                self.self_leaves.append((lf.node_id, lf.max_c, lf.criterion, lf.domain, lf.code))
            else:
                self.survey_leaves.append((lf.node_id, lf.max_c, kind, lf.criterion, lf.domain, lf.code))
        nc, nd = len(self.criteria), len(self.domains)
        crit_domain = {lf.criterion: lf.domain for lf in self.leaves if lf.criterion is not None}
        crit_slot, dom_slot, domain_ranges = [0] * nc, [0] * nd, []
        slots = 0
        for d in range(nd):
            first = slots
            for c in range(nc):
                if crit_domain.get(c) == d:
                    crit_slot[c], slots = slots, slots + 1
            dom_slot[d], slots = slots, slots + 1
            domain_ranges.append([first, slots])
        for c in range(nc):
            if c not in crit_domain:  # no leaf: its slot stays 0
                crit_slot[c], slots = slots, slots + 1
        self.slots = slots
        self.leaf_slots = [crit_slot[crit] if crit is not None else dom_slot[dom] for _n, _m, crit, dom, _c in self.self_leaves]
        # Points are non-negative and below 10^7 hundredths (numeric(7,2), LeafScore's constraints), so a
        # slot of 7 + (digits of the leaf count) digits always holds the sum of its leaves.
        self.width = 7 + len(str(max(len(self.self_leaves), 1)))
        self.zero_digits = "0" * (self.width * slots)
        self.full_mask = (1 << len(self.self_leaves)) - 1
        domain_max, criterion_max = [0] * nd, [0] * nc
        for lf in self.leaves:
            domain_max[lf.domain] += lf.max_c
            if lf.criterion is not None:
                criterion_max[lf.criterion] += lf.max_c
        self.full_max = sum(domain_max)
        ordered = self.self_leaves + [(n, m, crit, dom, c) for n, m, _k, crit, dom, c in self.survey_leaves]
        self.leaf_maxima = [m for _n, m, _crit, _dom, _c in ordered]
        self.catalogue_entry = {
            "domains": self.domains, "criteria": self.criteria, "domain_max": domain_max, "criterion_max": criterion_max,
            "width": self.width, "criterion_slots": crit_slot, "domain_ranges": domain_ranges,
            "survey": [[-1 if crit is None else crit, dom] for _n, _m, _k, crit, dom, _c in self.survey_leaves],
            "leaves": [[-1 if crit is None else crit, dom, m] for _n, m, crit, dom, _c in ordered],
        }
        self.key = catalogue_key(self.catalogue_entry)

    def stored_breakdown(self, digits: str, survey_points: list[int], deducted: list[int]) -> str:
        """JSON text of one unit's stored breakdown (rankings/breakdown.py).

        ``deducted``: the leaves left out of the applicable maximum, as indexes into the catalogue's
        "leaves". Written as text directly: keys and values are digits, commas and fixed names.
        """
        text = f'{{"k":"{self.key}","s":"{digits}","v":"{",".join(map(str, survey_points))}"'
        if deducted:
            text += f',"x":"{",".join(map(str, deducted))}"'
        return text + "}"

    def digits(self, slot_points: list[int]) -> str:
        width = self.width
        return "".join([f"{v:0{width}d}" for v in reversed(slot_points)])

    def unpack(self, sums: tuple | None, na_codes: list, unscored: list, deducted: list):
        """The self part of one unit from its PostgreSQL sums (rankings/pg_sums.py); same result as _self_part."""
        if sums is None:
            return self.zero_digits, 0, 0, 0
        packed, points, self_c, app_c, na_mask, ok_mask = sums
        if packed is None:
            digits = self.zero_digits
        else:
            digits = packed.partition(".")[0]
            if len(digits) > len(self.zero_digits):
                raise ValueError("packed breakdown sums overflow their slots")
            digits = digits.rjust(len(self.zero_digits), "0")
        # Leaves confirmed N/A (no points, no maximum) or unscored (0 against their maximum), in leaf order.
        odd = (na_mask | (self.full_mask & ~ok_mask)) & self.full_mask
        leaves = self.self_leaves
        while odd:
            low = odd & -odd
            odd ^= low
            j = low.bit_length() - 1
            if na_mask & low:
                na_codes.append(leaves[j][4])
                deducted.append(j)
            else:
                unscored.append(leaves[j][4])
        return digits, points, self_c, app_c


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
    warnings: list[dict] = field(default_factory=list)
    breakdown: str = "{}"  # JSON text of the stored form, see rankings/breakdown.py


@dataclass
class Computation:
    digest: str
    outcomes: list[UnitOutcome]
    catalogue: dict = field(default_factory=dict)  # IndexRun.catalogue


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
    for shape in shapes.values():
        shape.prepare()
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


def compute_round(*, round: IndexRound, fast: bool | None = None) -> Computation:
    """Compute every unit of the round. Reads only; the caller writes the outcomes.

    ``fast`` (default: on PostgreSQL) sums the self-assessment scores per unit and per breakdown node in
    the database (rankings/pg_sums.py) instead of reading every score row; ``fast=False`` is the reference
    path, which reads every row and applies the leaf rules below. Both give the same outcomes. The digest
    of the fast path is made from sums of 64-bit hashes of the score rows (per unit) and of the survey
    rows, computed by PostgreSQL, so it differs from the reference path's, but it is likewise the same
    for the same inputs and changes when any score or survey value changes.
    """
    if fast is None:
        fast = connection.vendor == "postgresql"
    h = hashlib.sha256()
    h.update(repr((round.pk, round.year, round.missing_survey_policy, round.bands)).encode())
    shapes = _frameworks(round, h)
    assessments = list(
        Assessment.objects.filter(round=round)
        .order_by("id")
        .values_list("id", "unit_id", "group_id", "state", "unit__display_order", "unit__code")
    )
    h.update(repr(assessments).encode())
    if fast:
        sums = self_sums_pg(round, shapes, h)
        scores: dict = {}
    else:
        sums = {}
        scores = _scores(round, h)
    survey = survey_cents_for_round(round=round)
    survey_c = survey.leaf_points
    h.update(repr(sorted(survey.imports)).encode())
    if fast:
        survey_hash_pg([i for _kind, i, _sha in survey.imports], h)
    else:
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
        na_codes: list[str] = []
        unscored: list[str] = []
        missing: list[str] = []
        deducted: list[int] = []  # leaves (catalogue "leaves" order) left out of the applicable maximum
        if fast:
            digits, total_c, self_c, app_c = shape.unpack(sums.get(a_id), na_codes, unscored, deducted)
        else:
            digits, total_c, self_c, app_c = _self_part(shape, scores.get(a_id, empty), finalised, na_codes, unscored,
                                                        deducted)
        cs_c = sipas_c = 0
        survey_points = []
        # Survey leaves as plain tuples: this loop runs for every survey leaf of every unit.
        for i, (node_id, _max, kind, _crit, _dom, code) in enumerate(shape.survey_leaves, start=len(shape.self_leaves)):
            p = survey_c.get((unit_id, node_id))
            if p is None:
                missing.append(code)
                p = 0
                if exclude_missing:
                    deducted.append(i)
            survey_points.append(p)
            if kind == 2:
                sipas_c += p
            else:
                cs_c += p
            total_c += p
        out.total_c = total_c
        out.max_c = shape.full_max - sum([shape.leaf_maxima[i] for i in deducted]) if deducted else shape.full_max
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
            out.warnings[-1]["counted_as_zero"] = not exclude_missing
        out.breakdown = shape.stored_breakdown(digits, survey_points, deducted)

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
    for members in by_group.values():
        members.sort(key=lambda o: (-o.pct_h, o.display_order, o.code))
        previous_pct, previous_rank = None, 0
        for position, out in enumerate(members, start=1):
            if out.pct_h != previous_pct:
                previous_pct, previous_rank = out.pct_h, position
            out.rank = previous_rank
    for out in outcomes:
        out.band = next((label for label, minimum in bands if minimum <= out.pct_h), "")
