"""Worked examples of the margin of error (docs/margin-of-error.md; rankings/uncertainty.py)."""

from decimal import Decimal

from rankings.uncertainty import index_interval, rank_ranges, survey_margin
from surveys.intervals import RatioSums, sipas_uncertainty
from surveys.models import SurveyResponse
from tests.rankings.factories import scores, survey, unit_in_round
from tests.surveys.factories import sipas_question

D = Decimal


def sums(pairs) -> RatioSums:
    """RatioSums of forms given as (a, b)."""
    return RatioSums(
        n=len(pairs),
        a=sum(D(a) for a, _b in pairs),
        b=sum(D(b) for _a, b in pairs),
        aa=sum(D(a) * D(a) for a, _b in pairs),
        ab=sum(D(a) * D(b) for a, b in pairs),
        bb=sum(D(b) * D(b) for _a, b in pairs),
    )


def test_one_question_per_form_gives_the_binomial_standard_error_with_n_over_n_minus_1():
    # Forms answer 5, 5, 4, 1: a = 1, 1, 1, 0; b = 1 each. R = 3/4.
    # Σ(a − Rb)² = 3 − 2 × 0,75 × 3 + 0,5625 × 4 = 0,75; Var = 4/3 × 0,75 / 4² = 1/16; se = 0,25.
    s = sums([(1, 1), (1, 1), (1, 1), (0, 1)])
    assert s.ratio == D("0.75") and s.se == D("0.25")


def test_forms_with_several_answers_are_clusters():
    # Two forms, two answers each: (2 satisfied of 2) and (0 of 2): R = 2/4 = 0,5.
    # Σ(a − Rb)² = (2 − 1)² + (0 − 1)² = 2; Var = 2/1 × 2 / 4² = 0,25; se = 0,5 (not √(0,25/4) = 0,25).
    assert sums([(2, 2), (0, 2)]).se == D("0.5")


def test_one_form_has_no_measurable_spread():
    assert sums([(1, 1)]).se is None


def test_sipas_standard_error_is_the_mean_of_the_elements():
    # Element 1: 0,25 → 25 points of %; element 2: no spread (0). Mean: 12,5.
    u = sipas_uncertainty({"E1": sums([(1, 1), (1, 1), (1, 1), (0, 1)]), "E2": sums([(1, 1), (1, 1)])})
    assert u.elements["1"] == (D("75"), D("25.00")) and u.se_pct == D("12.50")


def test_survey_margin_adds_the_two_surveys_in_quadrature():
    # CS leaves 0,3 + 0,1 = 0,4 point; SIPAS 10 points of % of 24 = 2,4 points.
    # 1,96 × √(0,4² + 2,4²) = 1,96 × √5,92 = 1,96 × 2,43311... = 4,7689 → 4,77
    assert survey_margin(cs_ses=[D("0.3"), D("0.1")], sipas_se_pct=D("10"), sipas_max=D("24")) == D("4.77")
    assert survey_margin(cs_ses=[], sipas_se_pct=None, sipas_max=D("24")) is None


def test_index_interval_stays_within_0_and_100():
    # (8,5 ± 0,98) / 9 × 100 = 83,56 … 105,33 → 100
    assert index_interval(total=D("8.5"), applicable_max=D("9"), margin=D("0.98")) == (D("83.56"), D("100.00"))


def test_rank_ranges_and_ties():
    # A [83,56; 100], B [88,89; 88,89], C [50; 60]: A and B overlap (both 1–2); C is 3 whatever the error.
    ranges = rank_ranges([(1, D("83.56"), D("100")), (2, D("88.89"), D("88.89")), (3, D("50"), D("60"))])
    assert ranges == {1: (1, 2), 2: (1, 2), 3: (3, 3)}


def test_a_run_stores_the_margin_the_interval_and_the_rank_range(round_2021, framework, department_group, compute):
    a = unit_in_round(round=round_2021, group=department_group, code="A", order=1)
    b = unit_in_round(round=round_2021, group=department_group, code="B", order=2)
    full = {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"}
    scores(a, full)
    scores(b, {"1.1.1": "1", "1.1.2": "2", "1.2": "2", "2.1": "1"})
    imp = survey(round_2021, {(a, "3"): "1.5", (b, "3"): "2"}, kind="sipas")
    sipas_question(round=round_2021, code="S1", element=1)
    forms = {a: ["5", "5", "4", "1"], b: ["5", "5", "5", "5"]}
    SurveyResponse.objects.bulk_create(
        SurveyResponse(survey_import=imp, unit=x.unit, row_number=i, form_id=f"{x.unit.code}{i}", answers={"S1": v})
        for x, values in forms.items()
        for i, v in enumerate(values, start=2)
    )
    run = compute(round_2021)
    r = {res.unit.code: res for res in run.results.select_related("unit")}
    # A: SIPAS 75 % ± se 25 points of % → se 0,25 × 2 = 0,5 point → margin 1,96 × 0,5 = 0,98.
    # Total 7 + 1,5 = 8,5 of 9 (2.2 not measured) = 94,44 %; interval 83,56 … 100.
    assert (r["A"].index_pct, r["A"].survey_margin) == (D("94.44"), D("0.98"))
    assert (r["A"].index_low, r["A"].index_high) == (D("83.56"), D("100.00"))
    # B: every form satisfied, no spread: margin 0; 6 + 2 = 8 of 9 = 88,89 %, inside A's interval: tied.
    assert (r["B"].survey_margin, r["B"].index_low, r["B"].index_high) == (D("0.00"), D("88.89"), D("88.89"))
    assert (r["A"].rank_range, r["B"].rank_range) == ("1–2", "1–2")
