"""95 % intervals of survey points from the forms (method and worked examples: docs/margin-of-error.md).

Every survey figure is a ratio over a unit's valid forms: Σ a_f / Σ b_f, where for form f
- a SIPAS element: a_f = answers 4 or 5 to the element's questions, b_f = valid answers to them;
- a civil-servant survey leaf: a_f = Σ option fractions of the answers to the leaf's questions, b_f = answers.
Forms are the sampled units (answers within a form are not independent), so the variance is the
ratio estimator's, linearised over forms (n forms, R = Σa / Σb):

    Var(R) = n / (n − 1) · Σ_f (a_f − R·b_f)² / (Σ b)²,   Σ(a − Rb)² = Σa² − 2R·Σab + R²·Σb².

The database returns, per unit and figure, n, Σa, Σb, Σa², Σab and Σb² in one GROUP BY (no form leaves it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from surveys.models import SurveyKind, SurveyQuestion, SurveyResponse
from surveys.scoring import SATISFIED_VALUES

Z95 = Decimal("1.96")


@dataclass(frozen=True)
class RatioSums:
    n: int  # forms with at least one answer to the figure's questions
    a: Decimal
    b: Decimal
    aa: Decimal
    ab: Decimal
    bb: Decimal

    @property
    def ratio(self) -> Decimal | None:
        return self.a / self.b if self.b else None

    @property
    def se(self) -> Decimal | None:
        """Standard error of the ratio; None with fewer than two forms (no spread can be measured)."""
        r = self.ratio
        if r is None or self.n < 2:
            return None
        spread = self.aa - 2 * r * self.ab + r * r * self.bb
        var = Decimal(self.n) / Decimal(self.n - 1) * max(spread, Decimal(0)) / (self.b * self.b)
        return var.sqrt()


def _mapping(round_id: int, survey: str) -> list[tuple[str, str, str, Decimal]]:
    """(question code, option value, figure key, weight a of one such answer) for every option of the survey."""
    rows = []
    for q in SurveyQuestion.objects.filter(round_id=round_id, survey=survey):
        if survey == SurveyKind.SIPAS:
            if not q.element:
                continue
            key = f"E{q.element}"
            for o in q.options:
                value = str(o["value"])
                rows.append((q.code, value, key, Decimal(1 if value in SATISFIED_VALUES else 0)))
        elif q.leaf_code:
            for o in q.options:
                rows.append((q.code, str(o["value"]), f"L{q.leaf_code}", Decimal(str(o.get("fraction", "0")))))
    return rows


def ratio_sums(*, import_id: int, round_id: int, survey: str) -> dict[int, dict[str, RatioSums]]:
    """{unit id: {figure key ("E1".."E5" or "L<leaf code>"): RatioSums}} over the import's valid forms."""
    mapping = _mapping(round_id, survey)
    if not mapping:
        return {}
    table = SurveyResponse._meta.db_table
    values = ", ".join(["(%s, %s, %s, CAST(%s AS NUMERIC))"] * len(mapping))
    answers = (
        "CROSS JOIN LATERAL jsonb_each_text(r.answers) e"
        if connection.vendor == "postgresql"
        else "CROSS JOIN json_each(r.answers) e"
    )
    sql = (
        f"WITH m(code, val, k, w) AS (VALUES {values}), "  # noqa: S608 - fixed names; values are parameters
        "f AS (SELECT r.unit_id AS u, m.k AS k, SUM(m.w) AS a, COUNT(*) AS b "
        f"FROM {table} r {answers} JOIN m ON m.code = e.key AND m.val = e.value "
        "WHERE r.survey_import_id = %s AND r.valid AND r.unit_id IS NOT NULL GROUP BY r.unit_id, r.id, m.k) "
        "SELECT u, k, COUNT(*), SUM(a), SUM(b), SUM(a * a), SUM(a * b), SUM(b * b) FROM f GROUP BY u, k"
    )
    params = [p for row in mapping for p in row] + [import_id]
    out: dict[int, dict[str, RatioSums]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for unit_id, key, n, *sums in cursor.fetchall():
            out[unit_id][key] = RatioSums(int(n), *(Decimal(str(s)) for s in sums))
    return out


@dataclass(frozen=True)
class SipasUncertainty:
    elements: dict[str, tuple[Decimal, Decimal]]  # element → (%, standard error in percentage points)
    se_pct: Decimal | None  # of the SIPAS % (mean of the element %s)


def sipas_uncertainty(sums: dict[str, RatioSums]) -> SipasUncertainty:
    """SIPAS % is the mean of the measured elements' %; its standard error is bounded by the mean of theirs.

    The elements are answered on the same forms, so they are correlated; the mean of the standard errors is
    the standard error when they are perfectly correlated, the largest it can be (a cautious interval).
    """
    elements = {}
    for key, s in sorted(sums.items()):
        if key.startswith("E") and s.ratio is not None:
            elements[key[1:]] = (s.ratio * 100, (s.se * 100) if s.se is not None else None)
    if not elements or any(se is None for _p, se in elements.values()):
        return SipasUncertainty(elements=elements, se_pct=None)
    return SipasUncertainty(elements=elements, se_pct=sum(se for _p, se in elements.values()) / len(elements))
