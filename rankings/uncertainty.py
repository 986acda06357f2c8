"""The margin of error of every unit's index in a run (method and worked examples: docs/margin-of-error.md).

- Survey points: each measured civil-servant survey leaf contributes se(mean fraction) × leaf max, summed over
  the leaves (answered on the same forms: summing standard errors is the cautious bound); SIPAS contributes
  se(SIPAS %) / 100 × SIPAS max. The two surveys ask different people, so they add in quadrature:
  se = √(se_cs² + se_sipas²); margin = 1,96 × se (a 95 % interval), rounded half up to 0,01 point.
- Index: self-assessed points are not sampled; the index interval is (total ± margin) / applicable max × 100,
  kept within 0–100 and rounded half up.
- Rank range, within the ranking group: best = 1 + units whose interval lies wholly above the unit's;
  worst = 1 + other units whose interval reaches above the unit's lower end. Units whose intervals
  overlap are statistically tied.
- Small sample: a unit with fewer valid forms than the round's minimum in any current survey import.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from assessments.index_rules import CS_SURVEY, SIPAS
from assessments.models import Round
from surveys.intervals import Z95, ratio_sums, sipas_uncertainty
from surveys.models import SurveyKind, SurveyUnitResult
from surveys.selectors import current_imports_for_round

TWO = Decimal("0.01")
HUNDRED = Decimal(100)


def q2(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


@dataclass
class Uncertainty:
    margin: Decimal | None = None  # ± points of the survey part (None: nothing measured with ≥ 2 forms)
    index_low: Decimal | None = None
    index_high: Decimal | None = None
    rank_best: int | None = None
    rank_worst: int | None = None
    small_sample: bool = False


def survey_margin(*, cs_ses: list[Decimal], sipas_se_pct: Decimal | None, sipas_max: Decimal) -> Decimal | None:
    """1,96 × √((Σ cs leaf se in points)² + (SIPAS se in points)²), rounded half up; None when nothing is known."""
    if not cs_ses and sipas_se_pct is None:
        return None
    cs = sum(cs_ses, Decimal(0))
    sipas = (sipas_se_pct or Decimal(0)) / HUNDRED * sipas_max
    return q2(Z95 * (cs * cs + sipas * sipas).sqrt())


def index_interval(
    *, total: Decimal, applicable_max: Decimal, margin: Decimal | None
) -> tuple[Decimal, Decimal] | None:
    if margin is None or applicable_max <= 0:
        return None
    low = max(Decimal(0), (total - margin) / applicable_max * HUNDRED)
    high = min(HUNDRED, (total + margin) / applicable_max * HUNDRED)
    return q2(low), q2(high)


def rank_ranges(rows: list[tuple[int, Decimal, Decimal]]) -> dict[int, tuple[int, int]]:
    """rows: (unit id, low, high) of one ranking group → {unit id: (best rank, worst rank)}."""
    out = {}
    for uid, low, high in rows:
        best = 1 + sum(1 for other, lo, _hi in rows if other != uid and lo > high)
        worst = 1 + sum(1 for other, _lo, hi in rows if other != uid and hi > low)
        out[uid] = (best, worst)
    return out


def uncertainty_for(*, round: Round, outcomes, frameworks) -> dict[int, Uncertainty]:
    """Each outcome's (rankings.computation.UnitOutcome) margin, index interval, rank range and sample flag.

    Two aggregate queries per current survey import and one for the sample sizes, whatever the number of units.
    """
    imports = {survey: import_id for survey, import_id, _sha in current_imports_for_round(round=round)}
    sums = {
        survey: ratio_sums(import_id=import_id, round_id=round.pk, survey=survey)
        for survey, import_id in imports.items()
    }
    small: set[int] = set()
    if round.survey_min_forms:
        small = set(
            SurveyUnitResult.objects.filter(
                survey_import_id__in=imports.values(), valid_forms__lt=round.survey_min_forms
            ).values_list("unit_id", flat=True)
        )
    leaves = {}
    for group_id, nodes in frameworks.items():
        parents = {n.parent_id for n in nodes}
        leaves[group_id] = [n for n in nodes if n.id not in parents and n.source in (CS_SURVEY, SIPAS)]
    out: dict[int, Uncertainty] = {}
    for o in outcomes:
        cs_sums = sums.get(SurveyKind.CS, {}).get(o.unit_id, {})
        sipas_sums = sums.get(SurveyKind.SIPAS, {}).get(o.unit_id, {})
        cs_ses, sipas_max = [], Decimal(0)
        for leaf in leaves.get(o.group_id, ()):
            total = o.index.nodes.get(leaf.id)
            if total is None or not total.applicable:
                continue
            if leaf.source == SIPAS:
                sipas_max += leaf.max_points
            elif (s := cs_sums.get(f"L{leaf.code}")) is not None and s.se is not None:
                cs_ses.append(s.se * leaf.max_points)
        sipas_se = sipas_uncertainty(sipas_sums).se_pct if sipas_sums and sipas_max else None
        margin = survey_margin(cs_ses=cs_ses, sipas_se_pct=sipas_se, sipas_max=sipas_max)
        u = Uncertainty(margin=margin, small_sample=o.unit_id in small)
        interval = index_interval(total=o.index.total, applicable_max=o.index.applicable_max, margin=margin)
        if interval:
            u.index_low, u.index_high = interval
        out[o.unit_id] = u
    by_group: dict[int, list] = {}
    for o in outcomes:
        u = out[o.unit_id]
        low = u.index_low if u.index_low is not None else o.index.index_pct
        high = u.index_high if u.index_high is not None else o.index.index_pct
        by_group.setdefault(o.group_id, []).append((o.unit_id, low, high))
    for rows in by_group.values():
        for uid, (best, worst) in rank_ranges(rows).items():
            out[uid].rank_best, out[uid].rank_worst = best, worst
    return out
