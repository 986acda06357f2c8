"""The scoring rules of the index (DESIGN §2), in one place. Pure functions: no database, Decimal only.

Everything that turns stored inputs into points, maxima, percentages, ranks and bands is here:
the index run (rankings/computation.py), the assessment page's running totals (assessments/selectors.py)
and any preview call these functions. To change a rule, change it here.

Points are ``Decimal`` with 2 places; a percentage is rounded half up to 2 places once, from the exact
quotient (``percent``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

SELF = "self"
CS_SURVEY = "cs_survey"
SIPAS = "sipas"

# Why a leaf did not count as scored: the codes of the warnings a result carries.
NOT_APPLICABLE = "not_applicable"
UNSCORED = "unscored"
NOT_MEASURED = "survey_not_measured"


# --- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameworkNode:
    """One node of a framework, in display order. A node without children is a scored leaf."""

    id: int
    parent_id: int | None
    code: str
    max_points: Decimal
    source: str = SELF  # leaves only: self, cs_survey or sipas


@dataclass(frozen=True)
class ScoreInput:
    """What is stored for one self leaf of one unit (assessments.LeafScore)."""

    self_points: Decimal | None = None
    app_points: Decimal | None = None
    self_na: bool = False
    na_confirmed: bool = False


# --- one leaf ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeafOutcome:
    """A leaf's effective points and whether its maximum counts in the applicable maximum.

    ``reason``: "" when scored, else NOT_APPLICABLE, UNSCORED or NOT_MEASURED (shown as warnings).
    """

    points: Decimal
    applicable: bool
    reason: str = ""


def self_leaf(score: ScoreInput | None, *, finalised: bool) -> LeafOutcome:
    """A self leaf in the index.

    - N/A confirmed by the appraiser: no points, and the leaf leaves the applicable maximum.
    - Finalised assessment: the appraised points only.
    - Not finalised (a provisional result): the appraised points when there are any, else the unit's own.
    - No points at all: unscored, 0 against the leaf's maximum.
    """
    if score is not None and score.na_confirmed:
        return LeafOutcome(ZERO, applicable=False, reason=NOT_APPLICABLE)
    points = None
    if score is not None:
        points = score.app_points if (finalised or score.app_points is not None) else score.self_points
    if points is None:
        return LeafOutcome(ZERO, applicable=True, reason=UNSCORED)
    return LeafOutcome(points, applicable=True)


def survey_leaf(points: Decimal | None, *, missing_scores_zero: bool) -> LeafOutcome:
    """A survey leaf in the index: its imported points (surveys/scoring.py computes them).

    A leaf with no valid answers for the unit (``None``) is not measured: by default it leaves the
    applicable maximum; the round setting "scores 0" keeps its maximum and counts 0.
    """
    if points is None:
        return LeafOutcome(ZERO, applicable=missing_scores_zero, reason=NOT_MEASURED)
    return LeafOutcome(points, applicable=True)


def claimed_by_unit(score: ScoreInput | None, leaf_max: Decimal) -> tuple[Decimal, Decimal]:
    """(points, maximum) of a self leaf as the unit claims it: a leaf it marks N/A leaves its maximum.

    The assessment page's running "self" totals.
    """
    if score is not None and score.self_na:
        return ZERO, ZERO
    points = score.self_points if score is not None and score.self_points is not None else ZERO
    return points, leaf_max


def as_appraised(score: ScoreInput | None, leaf_max: Decimal) -> tuple[Decimal, Decimal]:
    """(points, maximum) of a self leaf as appraised so far: a confirmed N/A leaf leaves its maximum.

    The assessment page's running "appraised" totals and the appraisal queue.
    """
    if score is not None and score.na_confirmed:
        return ZERO, ZERO
    points = score.app_points if score is not None and score.app_points is not None else ZERO
    return points, leaf_max


# --- totals --------------------------------------------------------------------------------------


def percent(points: Decimal, maximum: Decimal) -> Decimal | None:
    """round(points / maximum × 100) half up to 2 places; None without an applicable maximum."""
    if not maximum:
        return None
    return (points * HUNDRED / maximum).quantize(CENT, rounding=ROUND_HALF_UP)


class NodeTotal(NamedTuple):
    """Points and applicable maximum of one framework node over the leaves below it (itself if a leaf)."""

    points: Decimal
    max_points: Decimal

    @property
    def applicable(self) -> bool:
        return self.max_points > 0

    @property
    def pct(self) -> Decimal | None:
        return percent(self.points, self.max_points)


@dataclass
class UnitIndex:
    """The index of one unit: totals, percentage, every node's total and the leaves not scored."""

    total: Decimal = ZERO
    applicable_max: Decimal = ZERO
    self_total: Decimal = ZERO  # unit's own points over leaves not confirmed N/A
    appraised_total: Decimal = ZERO  # appraised points over leaves not confirmed N/A
    cs_points: Decimal = ZERO
    sipas_points: Decimal = ZERO
    nodes: dict[int, NodeTotal] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)  # reason → leaf codes, in display order

    @property
    def index_pct(self) -> Decimal:
        return percent(self.total, self.applicable_max) or ZERO


def unit_index(
    nodes: Sequence[FrameworkNode],
    *,
    scores: Mapping[int, ScoreInput],
    survey_points: Mapping[int, Decimal | None],
    finalised: bool,
    missing_scores_zero: bool,
) -> UnitIndex:
    """The index of one unit from its framework's nodes (display order) and its inputs by leaf id.

    ``survey_points``: the points of the unit's measured survey leaves; a leaf absent or None is not
    measured. Every node's total is the sum over the applicable leaves below it.
    """
    has_children = {n.parent_id for n in nodes if n.parent_id is not None}
    parent_of = {n.id: n.parent_id for n in nodes}
    points = {n.id: ZERO for n in nodes}
    maxima = {n.id: ZERO for n in nodes}
    result = UnitIndex()
    for node in nodes:
        if node.id in has_children:
            continue
        if node.source == SELF:
            score = scores.get(node.id)
            leaf = self_leaf(score, finalised=finalised)
            if score is not None and not score.na_confirmed:
                result.self_total += score.self_points or ZERO
                result.appraised_total += score.app_points or ZERO
        else:
            leaf = survey_leaf(survey_points.get(node.id), missing_scores_zero=missing_scores_zero)
            if node.source == SIPAS:
                result.sipas_points += leaf.points
            else:
                result.cs_points += leaf.points
        if leaf.reason:
            result.reasons.setdefault(leaf.reason, []).append(node.code)
        if not leaf.applicable:
            continue
        result.total += leaf.points
        result.applicable_max += node.max_points
        ancestor: int | None = node.id
        while ancestor is not None:
            points[ancestor] += leaf.points
            maxima[ancestor] += node.max_points
            ancestor = parent_of[ancestor]
    result.nodes = {n.id: NodeTotal(points[n.id], maxima[n.id]) for n in nodes}
    return result


# --- ranking and bands ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RankEntry:
    key: object  # the caller's identifier of the unit
    group: object  # ranking group: units are ranked within their group only
    index_pct: Decimal
    display_order: int
    code: str = ""


def rank(entries: Iterable[RankEntry]) -> dict[object, int]:
    """Rank within each group by index % (as rounded), descending.

    Equal % share a rank and the next rank is skipped (1, 2, 2, 4). The order within a tie (the unit's
    display order, then its code) decides only the listing, not the rank.
    """
    ranks: dict[object, int] = {}
    by_group: dict[object, list[RankEntry]] = {}
    for entry in entries:
        by_group.setdefault(entry.group, []).append(entry)
    for members in by_group.values():
        members.sort(key=lambda e: (-e.index_pct, e.display_order, e.code))
        previous = None
        for position, entry in enumerate(members, start=1):
            if previous is None or entry.index_pct != previous.index_pct:
                current_rank = position
            ranks[entry.key] = current_rank
            previous = entry
    return ranks


def band(index_pct: Decimal, bands: Sequence[Mapping]) -> str:
    """The label of the first band (in the round's order, highest first) whose minimum the index reaches."""
    for b in bands:
        if index_pct >= Decimal(str(b["min"])):
            return str(b["label"])
    return ""
