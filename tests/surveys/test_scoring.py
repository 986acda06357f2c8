"""Worked examples of DESIGN §2 survey arithmetic, computed by hand in the comments."""

from decimal import Decimal
from fractions import Fraction

from surveys.models import SurveyLeafResult, SurveyUnitResult
from surveys.scoring import cs_leaf_points, round_half_up, sipas_outcome
from surveys.services.imports import survey_import_confirm
from tests.surveys.factories import cs_question, form_row, header_for, sipas_question, xlsx_bytes


def test_round_half_up_rounds_a_final_five_up():
    assert round_half_up(Fraction(1, 8)) == Decimal("0.13")  # 0.125 → 0.13 (banker's rounding would give 0.12)
    assert round_half_up(Fraction(1, 3)) == Decimal("0.33")
    assert round_half_up(Fraction(2, 3)) == Decimal("0.67")


def test_sipas_points_worked_example_through_an_import(round_2021, assessment_a, upload, admin_user, framework):
    # Questions: S1, S2 in element 1; S3 in element 2; S4 in element 3; S5 in element 4 (nobody answers it).
    for i, (code, element) in enumerate([("S1", 1), ("S2", 1), ("S3", 2), ("S4", 3), ("S5", 4)]):
        sipas_question(round=round_2021, code=code, element=element, order=i)
    codes = ["S1", "S2", "S3", "S4", "S5"]
    rows = [
        form_row("SNV", "F1", [5, 4, 3, None, None]),
        form_row("SNV", "F2", [4, None, 5, 2, None]),
        form_row("SNV", "F3", [2, 1, 4, 4, None]),
    ]
    # Element 1 (S1, S2): answers 5,4,4,2,1 (one blank skipped) → satisfied 5,4,4 = 3 of 5 → 60 %
    # Element 2 (S3): answers 3,5,4 → 2 of 3 → 66.666…% (shown 66.67)
    # Element 3 (S4): answers 2,4 (one blank) → 1 of 2 → 50 %
    # Element 4 (S5): no valid answer → left out of the mean; element 5 has no question.
    # SIPAS % = (60 + 66.666… + 50) / 3 = 176.666…/3 = 58.888… → 58.89
    # Points on the 2-point SIPAS leaf "3" = 58.888…/100 × 2 = 1.17777… → 1.18
    imp = upload(round=round_2021, survey="sipas", content=xlsx_bytes(header_for(codes), rows))
    assert imp.status == "preview" and imp.rows_invalid == 0
    survey_import_confirm(import_id=imp.id, user=admin_user)
    unit = SurveyUnitResult.objects.get(survey_import=imp, unit=assessment_a.unit)
    assert unit.element_pct == {"1": "60.00", "2": "66.67", "3": "50.00"}
    assert unit.sipas_pct == Decimal("58.89")
    assert (unit.respondents, unit.valid_forms, unit.invalid_forms) == (3, 3, 0)
    leaf = SurveyLeafResult.objects.get(survey_import=imp, unit=assessment_a.unit, leaf__code="3")
    assert leaf.points == Decimal("1.18")


def test_sipas_percent_is_the_mean_of_exact_element_percents_not_of_rounded_ones():
    # Element 1: 1 of 3 satisfied → 33.333…; element 2: 1 of 3 → 33.333…; element 3: 1 of 8 → 12.5
    # Exact mean = (33.333… + 33.333… + 12.5) / 3 = 79.1666…/3 = 26.3888… → 26.39
    # Mean of rounded = (33.33 + 33.33 + 12.50) / 3 = 79.16/3 = 26.3866… → 26.39 as well, so look at
    # the points on a 24-point leaf: exact 26.3888…% × 24 = 6.33333… → 6.33;
    # from the rounded 26.39 % × 24 = 6.3336 → 6.33. Both agree here; the next case differs:
    counts = {"A": {"5": 1, "1": 2}, "B": {"4": 1, "2": 2}, "C": {"5": 1, "3": 7}}
    outcome = sipas_outcome(counts=counts, element_of={"A": 1, "B": 2, "C": 3})
    assert outcome.pct == Decimal("26.39")
    assert outcome.points(Decimal("24")) == Decimal("6.33")
    # Element 1: 2 of 3 → 66.666…; element 2: 1 of 8 → 12.5. Exact mean = 79.1666…/2 = 39.58333… → 39.58
    # Averaging the rounded element %s instead: (66.67 + 12.50) / 2 = 39.585 → 39.59 (differs).
    # Points on 24: exact 39.58333…% × 24 = 9.5 → 9.50; from 39.59 % it would be 9.5016 → 9.50;
    # on a 12-point leaf exact gives 4.75 while 39.59 % gives 4.7508 → 4.75.
    counts = {"A": {"5": 2, "2": 1}, "B": {"4": 1, "3": 7}}
    outcome = sipas_outcome(counts=counts, element_of={"A": 1, "B": 2})
    assert outcome.element_pct == {1: Decimal("66.67"), 2: Decimal("12.50")}
    assert outcome.pct == Decimal("39.58")
    assert round_half_up((Fraction("66.67") + Fraction("12.50")) / 2) == Decimal("39.59")  # the rejected way


def test_sipas_unit_without_valid_answers_is_not_measured():
    outcome = sipas_outcome(counts={}, element_of={"A": 1})
    assert outcome.pct is None and outcome.points(Decimal("24")) is None


def test_cs_leaf_points_worked_example_with_custom_fractions_and_half_up(
    round_2021, assessment_a, assessment_b, upload, admin_user, framework
):
    # Leaf 2.2 (max 1.00) has two questions:
    #   C1 on the default scale: fraction (v−1)/4;
    #   C2 yes/partly/no with custom fractions 1, 0.5, 0.
    custom = [
        {"value": "1", "label": "Có", "fraction": "1"},
        {"value": "2", "label": "Một phần", "fraction": "0.5"},
        {"value": "3", "label": "Không", "fraction": "0"},
    ]
    cs_question(round=round_2021, code="C1", leaf_code="2.2", order=1)
    cs_question(round=round_2021, code="C2", leaf_code="2.2", options=custom, order=2)
    rows = [
        # SNV: C1 answers 5, 4, 2 → fractions 1, 0.75, 0.25; C2 answers 1, 2, blank → 1, 0.5
        # mean = (1 + 0.75 + 0.25 + 1 + 0.5) / 5 = 3.5 / 5 = 0.7 → 0.7 × 1.00 = 0.70
        form_row("SNV", "F1", [5, 1]),
        form_row("SNV", "F2", [4, 2]),
        form_row("SNV", "F3", [2, None]),
        # STP: C1 answers 4, 3, 3, 3 → 0.75, 0.5, 0.5, 0.5; C2 answers 1, 3, 3, 3 → 1, 0, 0, 0
        # mean = (0.75 + 1.5 + 1) / 8 = 3.25 / 8 = 0.40625 → × 1.00 = 0.40625 → 0.41 (half up at the 5)
        form_row("STP", "G1", [4, 1]),
        form_row("STP", "G2", [3, 3]),
        form_row("STP", "G3", [3, 3]),
        form_row("STP", "G4", [3, 3]),
    ]
    imp = upload(round=round_2021, survey="cs", content=xlsx_bytes(header_for(["C1", "C2"]), rows))
    assert imp.status == "preview", imp.error
    survey_import_confirm(import_id=imp.id, user=admin_user)
    points = dict(SurveyLeafResult.objects.filter(survey_import=imp).values_list("unit__code", "points"))
    assert points == {"SNV": Decimal("0.70"), "STP": Decimal("0.41")}


def test_cs_leaf_points_scale_with_the_leaf_maximum():
    fractions = {"C1": {str(v): Fraction(v - 1, 4) for v in range(1, 6)}}
    # Answers 5, 4 → (1 + 0.75) / 2 = 0.875; × 3.00 = 2.625 → 2.63 (half up)
    points, answered = cs_leaf_points(
        counts={"C1": {"5": 1, "4": 1}}, questions=["C1"], fractions=fractions, leaf_max=Decimal("3.00")
    )
    assert (points, answered) == (Decimal("2.63"), 2)
    assert cs_leaf_points(counts={}, questions=["C1"], fractions=fractions, leaf_max=Decimal("3")) == (None, 0)
