"""Survey arithmetic of DESIGN §2, on answer counts; exact until the stated rounding points.

Inputs are histograms read from the database: ``counts[question_code][option_value] = n`` for
one unit's valid forms. All intermediate values are ``fractions.Fraction`` (exact); a value is
rounded half up to 2 places only where it is shown or stored.

Choice for SIPAS: each element % is stored rounded to 2 places for display, but the SIPAS % is the
mean of the *exact* element %s, rounded once; SIPAS points are computed from the *exact* SIPAS %,
rounded once. Rounding the element %s first and averaging those would let display rounding leak
into the points (see tests/surveys/test_scoring.py for a case where the two differ).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

SATISFIED_VALUES = frozenset({"4", "5"})
TWO_PLACES = Decimal("0.01")


def round_half_up(value: Fraction) -> Decimal:
    """Round an exact non-negative or negative value half up (away from zero at .5) to 2 places."""
    scaled = value * 100
    sign = -1 if scaled < 0 else 1
    scaled = abs(scaled)
    whole = scaled.numerator // scaled.denominator
    if (scaled - whole) * 2 >= 1:
        whole += 1
    return (Decimal(sign * whole) / 100).quantize(TWO_PLACES)


def to_fraction(value: Decimal | str | int) -> Fraction:
    return Fraction(Decimal(str(value)))


@dataclass(frozen=True)
class SipasOutcome:
    element_pct: dict[int, Decimal]  # rounded for display, only elements with ≥1 valid answer
    exact_pct: Fraction | None  # None: no element has a valid answer (not measured)
    pct: Decimal | None
    valid_answers: int

    def points(self, leaf_max: Decimal) -> Decimal | None:
        if self.exact_pct is None:
            return None
        return round_half_up(self.exact_pct / 100 * to_fraction(leaf_max))


def sipas_outcome(*, counts: Mapping[str, Mapping[str, int]], element_of: Mapping[str, int]) -> SipasOutcome:
    """Element % = answers 4 or 5 / valid answers × 100; SIPAS % = mean over measured elements."""
    valid: dict[int, int] = {}
    satisfied: dict[int, int] = {}
    for code, histogram in counts.items():
        element = element_of.get(code)
        if element is None:
            continue
        for value, n in histogram.items():
            valid[element] = valid.get(element, 0) + n
            if value in SATISFIED_VALUES:
                satisfied[element] = satisfied.get(element, 0) + n
    exact = {e: Fraction(satisfied.get(e, 0) * 100, n) for e, n in sorted(valid.items()) if n > 0}
    if not exact:
        return SipasOutcome(element_pct={}, exact_pct=None, pct=None, valid_answers=0)
    mean = sum(exact.values(), Fraction(0)) / len(exact)
    return SipasOutcome(
        element_pct={e: round_half_up(p) for e, p in exact.items()},
        exact_pct=mean,
        pct=round_half_up(mean),
        valid_answers=sum(valid.values()),
    )


def cs_leaf_points(
    *,
    counts: Mapping[str, Mapping[str, int]],
    questions: Iterable[str],
    fractions: Mapping[str, Mapping[str, Fraction]],
    leaf_max: Decimal,
) -> tuple[Decimal | None, int]:
    """round(mean fraction over the unit's valid answers to the leaf's questions × leaf max).

    Returns (points, valid answers); points None when there is no valid answer (not measured).
    """
    total = Fraction(0)
    answered = 0
    for code in questions:
        option_fraction = fractions[code]
        for value, n in counts.get(code, {}).items():
            if value in option_fraction:
                total += option_fraction[value] * n
                answered += n
    if answered == 0:
        return None, 0
    return round_half_up(total / answered * to_fraction(leaf_max)), answered
