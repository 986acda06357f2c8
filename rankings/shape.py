"""The frameworks of a round as the index computation walks them: leaves, breakdown slots, catalogue.

Built once per run from the framework nodes (``frameworks``); rankings.computation and rankings.pg_sums
read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from assessments.models import Level, Node, Source
from assessments.models import Round as IndexRound
from rankings.breakdown import catalogue_key


def cents(value: Decimal) -> int:
    """Points (2 places) as integer hundredths."""
    return int((value * 100).to_integral_value())


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
    bound: int = 0  # the largest points of a self leaf (hundredths) that the slots' width holds; see set_width
    slots: int = 0
    full_mask: int = 0  # one bit per self leaf
    sipas_positions: list[int] = field(default_factory=list)  # indexes of the SIPAS leaves in survey_leaves
    no_survey: tuple = ()  # a None (not measured) for every survey leaf
    survey_offset: int = 0  # where pg_sums.survey_sums_pg puts this framework's survey leaves
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
        self.full_mask = (1 << len(self.self_leaves)) - 1
        self.sipas_positions = [k for k, leaf in enumerate(self.survey_leaves) if leaf[2] == 2]
        self.no_survey = (None,) * len(self.survey_leaves)
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
            "width": 0, "criterion_slots": crit_slot, "domain_ranges": domain_ranges,
            "survey": [[-1 if crit is None else crit, dom] for _n, _m, _k, crit, dom, _c in self.survey_leaves],
            "leaves": [[-1 if crit is None else crit, dom, m] for _n, m, crit, dom, _c in ordered],
        }
        self.set_width(wide=False)

    def set_width(self, *, wide: bool) -> None:
        """Choose the digits of a slot, so that no slot's points can carry into the next one.

        Narrow, the usual: every self leaf's points are at most the largest self leaf maximum (which
        the rules allow), so a slot of n leaves holds at most n times that. Wide, when some score is
        above it (``bound``): any points a score can hold (below 10^7 hundredths: numeric(7,2) and
        LeafScore's constraints). Both paths of the computation choose the same way from the same rows.
        """
        per_slot = max([self.leaf_slots.count(slot) for slot in set(self.leaf_slots)], default=1)
        self.bound = 9_999_999 if wide else max([m for _n, m, _crit, _dom, _c in self.self_leaves], default=0)
        self.width = len(str(max(per_slot * self.bound, 1)))
        self.zero_digits = "0" * (self.width * self.slots)
        self.catalogue_entry["width"] = self.width
        self.key = catalogue_key(self.catalogue_entry)

    def stored_breakdown(self, digits: str, survey_text: str, deducted: list[int]) -> str:
        """JSON text of one unit's stored breakdown (rankings/breakdown.py).

        ``survey_text``: the points of the survey leaves, comma-separated. ``deducted``: the leaves left
        out of the applicable maximum, as indexes into the catalogue's "leaves". Written as text
        directly: keys and values are digits, commas and fixed names.
        """
        text = f'{{"k":"{self.key}","s":"{digits}","v":"{survey_text}"'
        if deducted:
            text += f',"x":"{",".join(map(str, deducted))}"'
        return text + "}"

    def survey_part(self, values: list[int | None], exclude_missing: bool, missing: list, deducted: list):
        """The survey leaves of one unit: (points text, civil-servant points, SIPAS points).

        A leaf not measured counts 0 and is listed in ``missing``; it is also left out of the applicable
        maximum (``deducted``) when the round says so.
        """
        cs_c = sipas_c = 0
        points = []
        for i, (value, (_node, _max, kind, _crit, _dom, code)) in enumerate(
                zip(values, self.survey_leaves, strict=True), start=len(self.self_leaves)):
            if value is None:
                missing.append(code)
                value = 0
                if exclude_missing:
                    deducted.append(i)
            points.append(value)
            if kind == 2:
                sipas_c += value
            else:
                cs_c += value
        return ",".join(map(str, points)), cs_c, sipas_c

    def digits(self, slot_points: list[int]) -> str:
        width = self.width
        return "".join([f"{v:0{width}d}" for v in reversed(slot_points)])

    def unpack(self, sums: tuple | None, na_codes: list, unscored: list, deducted: list):
        """The self part of one unit from its PostgreSQL sums (rankings/pg_sums.py); same result as _self_part."""
        packed, points, self_c, app_c, na_mask, ok_mask = sums or (None, 0, 0, 0, 0, 0)
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


def frameworks(round: IndexRound, h, *, wide: bool = False) -> dict[int, FrameworkShape]:
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
        if wide:
            shape.set_width(wide=True)
    return shapes


def above_bound(shapes: dict[int, FrameworkShape], assessments: list[tuple], scores: dict) -> bool:
    """Whether some score of a self leaf is above its framework's ``bound`` (see FrameworkShape.set_width)."""
    for a_id, _unit, group_id, *_rest in assessments:
        shape, rows = shapes.get(group_id), scores.get(a_id)
        if shape is None or not rows:
            continue
        for node_id, *_leaf in shape.self_leaves:
            row = rows.get(node_id)
            if row is not None and max(row[0] or 0, row[1] or 0) > shape.bound:
                return True
    return False
