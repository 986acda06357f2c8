"""Hand-computed examples of DESIGN §2 on the 10-point MINI framework of tests/factories.py.

Leaves and maxima: 1.1.1 self 2; 1.1.2 self 2; 1.2 self 2 (N/A allowed); 2.1 self 1;
2.2 civil-servant survey 1; 3 SIPAS 2. Total 10.
"""

from decimal import Decimal

from assessments.models import AssessmentState
from tests.factories import build_framework
from tests.rankings.conftest import results_by_code
from tests.rankings.factories import HUNDRED_FRAMEWORK, score, scores, survey, unit_in_round

FULL = {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"}


def _surveys(round, cs: dict, sipas: dict):
    survey(round, {(a, "2.2"): p for a, p in cs.items()}, kind="cs")
    survey(round, {(a, "3"): p for a, p in sipas.items()}, kind="sipas")


def test_equal_indexes_share_a_rank_and_the_next_rank_is_skipped(round_2021, framework, department_group, compute):
    a = unit_in_round(round=round_2021, group=department_group, code="A", order=1)
    b = unit_in_round(round=round_2021, group=department_group, code="B", order=2)
    c = unit_in_round(round=round_2021, group=department_group, code="C", order=3)
    d = unit_in_round(round=round_2021, group=department_group, code="D", order=4)
    scores(a, FULL)  # 2 + 2 + 2 + 1 = 7
    scores(b, {"1.1.1": "2", "1.1.2": "1", "1.2": "2", "2.1": "1"})  # 2 + 1 + 2 + 1 = 6
    scores(c, {"1.1.1": "2", "1.1.2": "2", "1.2": "1", "2.1": "1"})  # 2 + 2 + 1 + 1 = 6
    scores(d, {"1.1.1": "1", "1.1.2": "1", "1.2": "1", "2.1": "1"})  # 1 + 1 + 1 + 1 = 4
    _surveys(round_2021, cs={a: "1", b: "1", c: "1", d: "0.5"}, sipas={a: "2", b: "2", c: "2", d: "1.5"})

    r = results_by_code(compute(round_2021))

    # A: 7 + 1 + 2 = 10 / 10 → 100,00 %; B and C: 6 + 1 + 2 = 9 / 10 → 90,00 %; D: 4 + 0,5 + 1,5 = 6 → 60,00 %
    assert [r[x].index_pct for x in "ABCD"] == [Decimal("100.00"), Decimal("90.00"), Decimal("90.00"), Decimal("60.00")]
    # B and C tie at 90,00 and share rank 2; D is 4th, not 3rd.
    assert [r[x].rank for x in "ABCD"] == [1, 2, 2, 4]
    assert [r[x].band for x in "ABCD"] == ["Xuất sắc", "Xuất sắc", "Xuất sắc", "Trung bình"]
    assert (r["D"].self_total, r["D"].appraised_total, r["D"].cs_points, r["D"].sipas_points) == (
        Decimal("4.00"),
        Decimal("4.00"),
        Decimal("0.50"),
        Decimal("1.50"),
    )


def test_tie_is_listed_by_display_order(round_2021, framework, department_group, compute):
    late = unit_in_round(round=round_2021, group=department_group, code="Z", order=1)
    early = unit_in_round(round=round_2021, group=department_group, code="Y", order=2)
    for x in (late, early):
        scores(x, FULL)
    _surveys(round_2021, cs={late: "1", early: "1"}, sipas={late: "2", early: "2"})
    run = compute(round_2021)
    assert [(res.unit.code, res.rank) for res in run.results.order_by("rank", "display_order")] == [("Z", 1), ("Y", 1)]


def test_confirmed_not_applicable_leaf_leaves_the_applicable_maximum(round_2021, framework, department_group, compute):
    confirmed = unit_in_round(round=round_2021, group=department_group, code="NA", order=1)
    rejected = unit_in_round(round=round_2021, group=department_group, code="RJ", order=2)
    for x in (confirmed, rejected):
        scores(x, {"1.1.1": "2", "1.1.2": "1", "2.1": "1"})
    score(confirmed, "1.2", None, None, na=True, decision="confirmed")
    score(rejected, "1.2", "0", "0", na=True, decision="rejected")
    _surveys(round_2021, cs={confirmed: "0.5", rejected: "0.5"}, sipas={confirmed: "1.5", rejected: "1.5"})

    r = results_by_code(compute(round_2021))

    # Confirmed N/A: 2 + 1 + 1 + 0,5 + 1,5 = 6 over 10 − 2 = 8 → 6 / 8 × 100 = 75,00 %
    assert (r["NA"].total, r["NA"].applicable_max, r["NA"].index_pct) == (
        Decimal("6.00"),
        Decimal("8.00"),
        Decimal("75.00"),
    )
    assert r["NA"].band == "Khá"
    na_warning = next(w for w in r["NA"].warnings if w["code"] == "not_applicable")
    assert na_warning["leaves"] == ["1.2"]
    # Rejected N/A is scored (0 here): 6 over 10 → 60,00 %
    assert (r["RJ"].total, r["RJ"].applicable_max, r["RJ"].index_pct) == (
        Decimal("6.00"),
        Decimal("10.00"),
        Decimal("60.00"),
    )
    # Criterion 1.2 of the N/A unit has no applicable maximum: no % and nothing lost.
    crit = {c["code"]: c for c in r["NA"].breakdown["criteria"]}
    assert crit["1.2"] == {**crit["1.2"], "points": "0.00", "max": "0.00", "pct": None, "lost": "0.00"}
    # Criterion 1.1 = 1.1.1 + 1.1.2 = 2 + 1 = 3 of 4 → 75,00 %, 1 point lost.
    assert (crit["1.1"]["points"], crit["1.1"]["max"], crit["1.1"]["pct"], crit["1.1"]["lost"]) == (
        "3.00",
        "4.00",
        "75.00",
        "1.00",
    )


def test_unit_without_sipas_data_under_both_round_settings(round_2021, framework, department_group, compute):
    no_sipas = unit_in_round(round=round_2021, group=department_group, code="NS", order=1)
    scores(no_sipas, {"1.1.1": "2", "1.1.2": "1", "1.2": "2", "2.1": "0.5"})  # 5,5
    _surveys(round_2021, cs={no_sipas: "0.5"}, sipas={})  # no SIPAS row for the unit at all

    # Default "exclude": 5,5 + 0,5 = 6 over 10 − 2 (SIPAS leaf) = 8 → 75,00 % (Khá)
    excluded = results_by_code(compute(round_2021))["NS"]
    assert (excluded.total, excluded.applicable_max, excluded.index_pct, excluded.band) == (
        Decimal("6.00"),
        Decimal("8.00"),
        Decimal("75.00"),
        "Khá",
    )
    assert excluded.sipas_points == Decimal("0.00")
    warning = next(w for w in excluded.warnings if w["code"] == "survey_not_measured")
    assert warning["leaves"] == ["3"]

    # "zero": the SIPAS leaf scores 0 and stays applicable: 6 over 10 → 60,00 % (Trung bình)
    round_2021.missing_survey_policy = "zero"
    round_2021.save()
    zero = results_by_code(compute(round_2021))["NS"]
    assert (zero.total, zero.applicable_max, zero.index_pct, zero.band) == (
        Decimal("6.00"),
        Decimal("10.00"),
        Decimal("60.00"),
        "Trung bình",
    )
    assert any(w["code"] == "survey_not_measured" for w in zero.warnings)


def test_survey_leaf_measured_as_none_is_not_measured(round_2021, framework, department_group, compute):
    unit = unit_in_round(round=round_2021, group=department_group, code="N0", order=1)
    scores(unit, FULL)  # 7
    _surveys(round_2021, cs={unit: None}, sipas={unit: "2"})  # cs row present but no valid answers
    r = results_by_code(compute(round_2021))["N0"]
    # 7 + 2 = 9 over 10 − 1 = 9 → 100,00 %
    assert (r.total, r.applicable_max, r.index_pct) == (Decimal("9.00"), Decimal("9.00"), Decimal("100.00"))


def test_band_edges_exactly_90_is_excellent_and_89_99_is_good(round_2021, department_group, compute):
    build_framework(round=round_2021, group=department_group, rows=HUNDRED_FRAMEWORK)
    edge = unit_in_round(round=round_2021, group=department_group, code="E90", order=1)
    below = unit_in_round(round=round_2021, group=department_group, code="E89", order=2)
    score(edge, "1.1", "50.00")  # 50 + 16 + 24 = 90,00 / 100 → 90,00 %
    score(below, "1.1", "49.99")  # 49,99 + 16 + 24 = 89,99 / 100 → 89,99 %
    survey(round_2021, {(edge, "1.2"): "16", (below, "1.2"): "16"}, kind="cs")
    survey(round_2021, {(edge, "2"): "24", (below, "2"): "24"}, kind="sipas")

    r = results_by_code(compute(round_2021))

    assert (r["E90"].index_pct, r["E90"].band, r["E90"].rank) == (Decimal("90.00"), "Xuất sắc", 1)
    assert (r["E89"].index_pct, r["E89"].band, r["E89"].rank) == (Decimal("89.99"), "Tốt", 2)


def test_index_rounds_half_up_at_two_places(round_2021, framework, department_group, compute):
    unit = unit_in_round(round=round_2021, group=department_group, code="H", order=1)
    scores(unit, {"1.1.1": "2", "1.1.2": "1.51", "2.1": "1"})
    score(unit, "1.2", None, na=True, decision="confirmed")
    _surveys(round_2021, cs={unit: "0.75"}, sipas={unit: "1.75"})

    r = results_by_code(compute(round_2021))["H"]

    # total 2 + 1,51 + 1 + 0,75 + 1,75 = 7,01 over 8 (1.2 N/A) → 7,01 / 8 × 100 = 87,625 exactly
    # → half up 87,63 (half-even would give 87,62).
    assert (r.total, r.applicable_max, r.index_pct) == (Decimal("7.01"), Decimal("8.00"), Decimal("87.63"))
    # Criterion 1.1: 2 + 1,51 = 3,51 / 4 × 100 = 87,75 %, 0,49 lost.
    crit = {c["code"]: c for c in r.breakdown["criteria"]}
    assert (crit["1.1"]["pct"], crit["1.1"]["lost"]) == ("87.75", "0.49")
    # Domain 2: 2.1 + 2.2 = 1 + 0,75 = 1,75 / 2 → 87,50 %
    dom = {d["code"]: d for d in r.breakdown["domains"]}
    assert (dom["2"]["points"], dom["2"]["max"], dom["2"]["pct"]) == ("1.75", "2.00", "87.50")


def test_departments_and_districts_are_ranked_separately(
    round_2021, framework, department_group, district_group, compute
):
    build_framework(round=round_2021, group=district_group)
    dep_high = unit_in_round(round=round_2021, group=department_group, code="D1", order=1)
    dep_low = unit_in_round(round=round_2021, group=department_group, code="D2", order=2)
    dist = unit_in_round(round=round_2021, group=district_group, code="H1", order=1)
    scores(dep_high, FULL)
    scores(dep_low, {"1.1.1": "1", "1.1.2": "1", "1.2": "1", "2.1": "1"})
    scores(dist, {"1.1.1": "1", "1.1.2": "1", "1.2": "1", "2.1": "0"})
    _surveys(round_2021, cs={dep_high: "1", dep_low: "1", dist: "1"}, sipas={dep_high: "2", dep_low: "2", dist: "1"})

    r = results_by_code(compute(round_2021))

    # Departments: D1 10/10 = 100 % rank 1; D2 4 + 1 + 2 = 7/10 = 70 % rank 2.
    # District H1: 3 + 1 + 1 = 5/10 = 50 % — lowest of all, yet first of its own group.
    assert (r["D1"].rank, r["D2"].rank, r["H1"].rank) == (1, 2, 1)
    assert r["H1"].index_pct == Decimal("50.00") and r["H1"].group == district_group


def test_not_finalised_assessment_is_included_provisionally(round_2021, framework, department_group, compute):
    draft = unit_in_round(
        round=round_2021, group=department_group, code="P", order=1, state=AssessmentState.IN_APPRAISAL
    )
    score(draft, "1.1.1", "1", "2")  # appraised 1 is used although not final
    score(draft, "1.1.2", None, "2")  # not yet appraised: the unit's 2 is used
    score(draft, "1.2", "2")  # 2
    # 2.1 has no score at all: counts 0 with a warning.
    _surveys(round_2021, cs={draft: "1"}, sipas={draft: "2"})

    r = results_by_code(compute(round_2021))["P"]

    # 1 + 2 + 2 + 0 + 1 + 2 = 8 / 10 → 80,00 %
    assert (r.total, r.index_pct, r.provisional, r.band) == (Decimal("8.00"), Decimal("80.00"), True, "Tốt")
    # self total 2 + 2 + 2 = 6; appraised total 1 + 2 = 3 (only what the appraiser has entered)
    assert (r.self_total, r.appraised_total) == (Decimal("6.00"), Decimal("3.00"))
    codes = {w["code"]: w for w in r.warnings}
    assert "provisional" in codes and "chưa hoàn thành thẩm định" in codes["provisional"]["message"].lower()
    assert codes["unscored"]["leaves"] == ["2.1"]


def test_finalised_assessment_uses_appraised_points_only(round_2021, framework, department_group, compute):
    unit = unit_in_round(round=round_2021, group=department_group, code="F", order=1)
    score(unit, "1.1.1", "1", "2")
    score(unit, "1.1.2", "1.5", "2")
    score(unit, "1.2", "0.5", "2")
    score(unit, "2.1", "0.25", "1")
    _surveys(round_2021, cs={unit: "0"}, sipas={unit: "0"})
    r = results_by_code(compute(round_2021))["F"]
    # appraised 1 + 1,5 + 0,5 + 0,25 = 3,25 (self 7); 3,25 / 10 → 32,50 % (Yếu)
    assert (r.total, r.self_total, r.appraised_total, r.index_pct, r.band, r.provisional) == (
        Decimal("3.25"),
        Decimal("7.00"),
        Decimal("3.25"),
        Decimal("32.50"),
        "Yếu",
        False,
    )
