"""Comparisons across years that follow unit lineage and the criteria crosswalk (DESIGN §5, "Across years").

The rule, in one place:

- A unit's **comparable value** in a round is its own value there; when it has none (it did not exist yet),
  it is the value of its predecessors (assessments.UnitLineage), each followed the same way in turn:
  the weighted mean where every link to the unit carries a weight, the plain mean otherwise, over the
  predecessors that have a value, rounded half up to 0,01. A split's successors each take their
  predecessor's value; a rename carries the value over.

  Worked example: Sở Tài chính (2021: 80,00 %) and Sở Kế hoạch và Đầu tư (2021: 70,00 %) merge into
  Sở Tài chính (new) from 01/03/2025. Without weights its 2021 comparable value is (80 + 70) / 2 = 75,00;
  with weights 0,6 and 0,4 it is 0,6 × 80 + 0,4 × 70 = 76,00.

- A node's **last-year value** follows the crosswalk (assessments.NodeCrosswalk): ``same``/``renamed`` and
  ``split`` take the earlier node's %; ``merged`` takes Σ points / Σ maximum × 100 of the earlier nodes (as
  one node would have scored); ``new`` has none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assessments.models import CrosswalkKind, LineageKind, Node, NodeCrosswalk, Round, Unit, UnitLineage
from rankings.models import IndexRun, NodeResult, UnitResult

TWO = Decimal("0.01")


def q2(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Link:
    predecessor_id: int
    predecessor_name: str
    kind: str
    effective_date: object
    weight: Decimal | None


@dataclass
class Lineage:
    """Every link of every unit, read in one query: successor id → its predecessor links."""

    links: dict[int, list[Link]] = field(default_factory=dict)

    def ancestors(self, unit_id: int) -> set[int]:
        out: set[int] = set()
        todo = [unit_id]
        while todo:
            for link in self.links.get(todo.pop(), ()):
                if link.predecessor_id not in out:
                    out.add(link.predecessor_id)
                    todo.append(link.predecessor_id)
        out.discard(unit_id)
        return out

    def comparable(self, unit_id: int, values: dict[int, Decimal], _seen: frozenset = frozenset()) -> Decimal | None:
        """The unit's value, or its predecessors' (module docstring); None when no ancestor has one."""
        if unit_id in values:
            return values[unit_id]
        if unit_id in _seen:
            return None
        parts = []
        for link in self.links.get(unit_id, ()):
            v = self.comparable(link.predecessor_id, values, _seen | {unit_id})
            if v is not None:
                parts.append((link.weight, v))
        if not parts:
            return None
        if all(w is not None for w, _v in parts):
            total_weight = sum(w for w, _v in parts)
            return q2(sum(w * v for w, v in parts) / total_weight)
        return q2(sum(v for _w, v in parts) / len(parts))

    def via(self, unit_id: int, values: dict[int, Decimal]) -> list[str]:
        """Names of the nearest predecessors whose values make the unit's comparable value (empty: its own)."""
        if unit_id in values:
            return []
        names = []
        for link in self.links.get(unit_id, ()):
            if self.comparable(link.predecessor_id, values, frozenset({unit_id})) is not None:
                names.append(link.predecessor_name)
        return names

    def note(self, unit_id: int) -> str | None:
        """The page's sentence, e.g. "hợp nhất từ Sở Tài chính, Sở Kế hoạch và Đầu tư từ ngày 01/03/2025"."""
        links = self.links.get(unit_id)
        if not links:
            return None
        sentences = []
        by_kind_date: dict[tuple, list[str]] = defaultdict(list)
        for link in links:
            by_kind_date[(link.kind, link.effective_date)].append(link.predecessor_name)
        for (kind, when), names in by_kind_date.items():
            template = {
                LineageKind.MERGER: _("merged from %(units)s from %(date)s"),
                LineageKind.SPLIT: _("split from %(units)s from %(date)s"),
                LineageKind.RENAME: _("renamed from %(units)s from %(date)s"),
            }[kind]
            sentences.append(template % {"units": ", ".join(names), "date": date_format(when, "d/m/Y")})
        return "; ".join(sentences)


def lineage_read() -> Lineage:
    graph: dict[int, list[Link]] = defaultdict(list)
    for link in UnitLineage.objects.select_related("predecessor").order_by(
        "successor_id", "predecessor__display_order", "predecessor__code"
    ):
        graph[link.successor_id].append(
            Link(link.predecessor_id, link.predecessor.name, link.kind, link.effective_date, link.weight)
        )
    return Lineage(links=dict(graph))


# --- criteria crosswalk ---------------------------------------------------------------------------


@dataclass
class LastYear:
    """A node's value a year earlier through the crosswalk."""

    kind: str
    old_codes: list[str]
    pct: Decimal | None

    @property
    def kind_label(self) -> str:
        return str(CrosswalkKind(self.kind).label)


def crosswalk_into(*, framework_id: int, from_round: Round) -> dict[int, list[NodeCrosswalk]]:
    """Links arriving at each node of a framework from ``from_round``'s frameworks (new node id → links)."""
    out: dict[int, list[NodeCrosswalk]] = defaultdict(list)
    links = NodeCrosswalk.objects.filter(new_node__framework_id=framework_id).filter(
        Q(old_node__framework__round=from_round) | Q(old_node__isnull=True)
    )
    for link in links.select_related("old_node"):
        out[link.new_node_id].append(link)
    return dict(out)


def node_last_year(
    *, links: dict[int, list[NodeCrosswalk]], old: dict[int, tuple[Decimal, Decimal, Decimal | None]], node_id: int
) -> LastYear | None:
    """``old``: earlier node id → (points, max, pct) of the unit (or its predecessors) a year earlier."""
    arriving = links.get(node_id)
    if not arriving:
        return None
    kind = arriving[0].kind
    if kind == CrosswalkKind.NEW:
        return LastYear(kind=kind, old_codes=[], pct=None)
    codes = [link.old_node.code for link in arriving]
    rows = [old[link.old_node_id] for link in arriving if link.old_node_id in old]
    if not rows:
        return LastYear(kind=kind, old_codes=codes, pct=None)
    if kind == CrosswalkKind.MERGED or len(rows) > 1:
        points = sum(r[0] for r in rows)
        maximum = sum(r[1] for r in rows)
        pct = q2(points / maximum * 100) if maximum > 0 else None
    else:
        pct = rows[0][2]
    return LastYear(kind=kind, old_codes=codes, pct=pct)


def previous_round(round: Round, run_of) -> tuple[Round | None, IndexRun | None]:
    """The latest earlier round that has a run to read (``run_of``: the caller's visibility rule), and that run."""
    for earlier in Round.objects.filter(year__lt=round.year).order_by("-year"):
        if (run := run_of(earlier)) is not None:
            return earlier, run
    return None, None


def node_values_last_year(*, unit: Unit, round: Round, run_of) -> dict[int, LastYear]:
    """For each node of the unit's framework this round that the crosswalk links back: its value in the latest
    earlier round with a run to read (through that round's crosswalk links).

    The one selector for "last year" beside a criterion (the unit page; the officer's form can call it too).
    ``run_of(round)`` gives the run to read in a round (the caller's visibility rule). The earlier values are
    the unit's own or, through lineage, its predecessors' (merged predecessors' points and maxima are summed).
    """
    prev, prev_run = previous_round(round, run_of)
    current_framework = (
        Node.objects.filter(framework__round=round, framework__group_id=unit.group_id)
        .values_list("framework_id", flat=True)
        .first()
    )
    if prev_run is None or current_framework is None:
        return {}
    lineage = lineage_read()
    prev_units = set(UnitResult.objects.filter(run=prev_run).values_list("unit_id", flat=True))
    sources = [unit.pk] if unit.pk in prev_units else _nearest_with_result(lineage, unit.pk, prev_units)
    old: dict[int, list[Decimal]] = {}
    for node_id, points, maximum in NodeResult.objects.filter(
        result__run=prev_run, result__unit_id__in=sources
    ).values_list("node_id", "points", "max_points"):
        acc = old.setdefault(node_id, [Decimal(0), Decimal(0)])
        acc[0] += points
        acc[1] += maximum
    old_rows = {k: (p, m, q2(p / m * 100) if m > 0 else None) for k, (p, m) in old.items()}
    links = crosswalk_into(framework_id=current_framework, from_round=prev)
    return {node_id: v for node_id in links if (v := node_last_year(links=links, old=old_rows, node_id=node_id))}


def _nearest_with_result(lineage: Lineage, unit_id: int, have: set[int]) -> list[int]:
    found, todo, seen = [], [unit_id], {unit_id}
    while todo:
        for link in lineage.links.get(todo.pop(), ()):
            if link.predecessor_id in seen:
                continue
            seen.add(link.predecessor_id)
            if link.predecessor_id in have:
                found.append(link.predecessor_id)
            else:
                todo.append(link.predecessor_id)
    return found
