"""The PostgreSQL path of the computation (scores summed in the database) gives exactly the reference results.

The reference path reads every score row and applies the leaf rules in Python; the fast path sums
them per unit and per criterion in one aggregate. Both run here on the same inputs, covering every
leaf rule: appraised and self values, finalised or not, confirmed and rejected N/A, unscored leaves
(no row, or no value), survey leaves measured, not measured and absent, a stray score row on a survey
leaf, and two ranking groups.
"""

import json
from decimal import Decimal

import pytest

from assessments.models import AssessmentState, LeafScore, MissingSurveyPolicy
from rankings.breakdown import expand
from rankings.computation import compute_round
from tests.factories import build_framework
from tests.rankings.factories import HUNDRED_FRAMEWORK, score, survey, unit_in_round

pytestmark = pytest.mark.django_db


def _outcomes(computation):
    return [
        (o.assessment_id, o.unit_id, o.group_id, o.self_c, o.app_c, o.cs_c, o.sipas_c, o.total_c, o.max_c, o.pct_h,
         o.rank, o.band, o.provisional, o.warnings, o.breakdown)
        for o in computation.outcomes
    ]


@pytest.fixture
def varied_round(round_2021, framework, department_group, district_group):
    build_framework(round=round_2021, group=district_group, rows=HUNDRED_FRAMEWORK)
    dep = [unit_in_round(round=round_2021, group=department_group, code=f"D{i}", order=i,
                         state=AssessmentState.FINALISED if i % 2 else AssessmentState.APPRAISED)
           for i in range(6)]
    dist = [unit_in_round(round=round_2021, group=district_group, code=f"H{i}", order=i) for i in range(3)]
    # D0 (not finalised): appraised values where present, its own value where not.
    score(dep[0], "1.1.1", "1.25", "2")
    score(dep[0], "1.1.2", None, "1.5")
    score(dep[0], "1.2", "0.5")
    # D1 (finalised): a leaf with only its own value is unscored; 2.1 has no row at all.
    score(dep[1], "1.1.1", None, "2")
    score(dep[1], "1.1.2", "2")
    score(dep[1], "1.2", "1.75")
    # D2: 1.2 confirmed N/A; D3: 1.2 N/A rejected (counted as scored).
    for a, decision in ((dep[2], "confirmed"), (dep[3], "rejected")):
        score(a, "1.1.1", "2")
        score(a, "1.1.2", "0.01")
        score(a, "1.2", "0" if decision == "rejected" else None, None, na=True, decision=decision)
        score(a, "2.1", "1")
    # D4 and D5: every leaf scored, equal results (a shared rank).
    for a in dep[4:]:
        for code, p in (("1.1.1", "2"), ("1.1.2", "1.99"), ("1.2", "2"), ("2.1", "0.5")):
            score(a, code, p)
    # A score row on a survey leaf is no input of the rules (the survey import is): both paths ignore it.
    score(dep[5], "2.2", "1")
    for i, a in enumerate(dist):
        score(a, "1.1", f"{40 + 7 * i}.33")
    survey(round_2021, {(dep[0], "2.2"): "1", (dep[1], "2.2"): None, (dep[2], "2.2"): "0.5", (dep[4], "2.2"): "0.75",
                        (dep[5], "2.2"): "0.75", (dist[0], "1.2"): "12.5", (dist[1], "1.2"): None}, kind="cs")
    survey(round_2021, {(dep[0], "3"): "2", (dep[2], "3"): None, (dep[4], "3"): "1", (dep[5], "3"): "1",
                        (dist[0], "2"): "20.25", (dist[2], "2"): "18"}, kind="sipas")
    return round_2021


@pytest.mark.parametrize("policy", [MissingSurveyPolicy.EXCLUDE, MissingSurveyPolicy.ZERO])
def test_fast_path_gives_the_reference_results(require_postgres, varied_round, policy):
    varied_round.missing_survey_policy = policy
    varied_round.save()
    fast = compute_round(round=varied_round, fast=True)
    reference = compute_round(round=varied_round, fast=False)
    assert _outcomes(fast) == _outcomes(reference)
    assert fast.catalogue == reference.catalogue
    # The cases above are all there: an N/A leaf, unscored leaves, surveys not measured, a shared rank.
    codes = {w["code"] for o in reference.outcomes for w in o.warnings}
    assert {"provisional", "not_applicable", "unscored", "survey_not_measured"} <= codes
    ranks = [o.rank for o in reference.outcomes]
    assert len(ranks) != len(set(ranks))


def test_fast_path_digest_is_stable_and_follows_the_scores(require_postgres, varied_round):
    first = compute_round(round=varied_round, fast=True).digest
    assert compute_round(round=varied_round, fast=True).digest == first
    # A change that leaves every sum as it was (one leaf +0.01, its neighbour in the criterion -0.01)
    # still changes the digest: it hashes every row, not the sums.
    a = LeafScore.objects.get(assessment__unit__code="D4", node__code="1.1.1")
    b = LeafScore.objects.get(assessment__unit__code="D4", node__code="1.1.2")
    LeafScore.objects.filter(pk=a.pk).update(app_points=a.app_points - Decimal("0.01"))  # 2 → 1,99
    LeafScore.objects.filter(pk=b.pk).update(app_points=b.app_points + Decimal("0.01"))  # 1,99 → 2
    assert compute_round(round=varied_round, fast=True).digest != first


def test_stored_breakdown_expands_to_the_documented_shape(require_postgres, varied_round):
    computation = compute_round(round=varied_round)
    na_unit = next(o for o in computation.outcomes if any(w["code"] == "not_applicable" for w in o.warnings))
    data = json.loads(na_unit.breakdown)
    full = expand(data, lambda: computation.catalogue)
    crit = {c["code"]: c for c in full["criteria"]}
    # MINI framework, D2: 1.2 (max 2) confirmed N/A → points 0, max 0, no percentage, nothing lost.
    assert crit["1.2"] == {"node_id": crit["1.2"]["node_id"], "parent_id": crit["1.2"]["parent_id"], "code": "1.2",
                           "name": crit["1.2"]["name"], "points": "0.00", "max": "0.00", "pct": None, "lost": "0.00"}
    # 1.1: 2 + 0,01 = 2,01 of 4 → 50,25 %, 1,99 lost.
    assert (crit["1.1"]["points"], crit["1.1"]["max"], crit["1.1"]["pct"], crit["1.1"]["lost"]) == (
        "2.01", "4.00", "50.25", "1.99")
    assert list(full["domains"][0]) == ["node_id", "code", "name", "points", "max", "pct", "lost"]


def _wide_framework(domains: int, criteria: int, leaves: int) -> list[dict]:
    """A framework of domains × criteria × leaves self leaves (max 0,5 each) and one SIPAS domain."""
    rows: list[dict] = []
    for d in range(1, domains + 1):
        rows.append({"code": f"{d}", "parent": None, "level": "domain", "name": f"Lĩnh vực {d}",
                     "max": str(Decimal("0.5") * criteria * leaves)})
        for c in range(1, criteria + 1):
            rows.append({"code": f"{d}.{c}", "parent": f"{d}", "level": "criterion", "name": f"Tiêu chí {d}.{c}",
                         "max": str(Decimal("0.5") * leaves)})
            for k in range(1, leaves + 1):
                rows.append({"code": f"{d}.{c}.{k}", "parent": f"{d}.{c}", "level": "sub_criterion",
                             "name": f"Tiêu chí thành phần {d}.{c}.{k}", "max": "0.50", "source": "self",
                             "rule": "manual", "params": {"step": "0.01"}})
    rows.append({"code": "S", "parent": None, "level": "domain", "name": "SIPAS", "max": "10.00", "source": "sipas"})
    return rows


def test_fast_path_on_a_wide_framework(require_postgres, round_2021, department_group, district_group):
    """More self leaves than one 62-bit mask word holds (130, in three words) and more slots than one
    64-bit number holds (41 criteria and domains, packed two a word): every word and slot is read back."""
    build_framework(round=round_2021, group=department_group, rows=_wide_framework(domains=5, criteria=8, leaves=3)
                    + [{"code": "6", "parent": None, "level": "domain", "name": "Lĩnh vực 6", "max": "5.00"},
                       *({"code": f"6.{k}", "parent": "6", "level": "criterion", "name": f"Tiêu chí 6.{k}", "max": "0.50",
                          "source": "self", "rule": "manual"} for k in range(1, 11))])
    build_framework(round=round_2021, group=district_group, rows=_wide_framework(domains=2, criteria=3, leaves=2))
    codes = [f"{d}.{c}.{k}" for d in range(1, 6) for c in range(1, 9) for k in range(1, 4)] + [f"6.{k}" for k in range(1, 11)]
    assert len(codes) == 130
    dep = [unit_in_round(round=round_2021, group=department_group, code=f"W{i}", order=i,
                         state=AssessmentState.FINALISED if i < 3 else AssessmentState.APPRAISED) for i in range(4)]
    for i, a in enumerate(dep):
        for j, code in enumerate(codes):
            if (i + j) % 17 == 0 or (i, j) == (0, 128):
                continue  # no row: unscored (leaves in every mask word)
            if (i + 2 * j) % 23 == 0:
                score(a, code, None, "0.4", na=True, decision="confirmed")  # N/A
            elif (i + j) % 29 == 0:
                score(a, code, None, "0.3")  # only the unit's own value: unscored once finalised
            else:
                score(a, code, f"0.{(i * 7 + j) % 50:02d}", "0.5")
    dist = unit_in_round(round=round_2021, group=district_group, code="X", order=9)
    score(dist, "2.3.2", "0.25")
    unit_in_round(round=round_2021, group=district_group, code="Y", order=10)  # no score row at all
    survey(round_2021, {(dep[0], "S"): "7.5", (dep[1], "S"): None, (dist, "S"): "9"})
    fast = compute_round(round=round_2021, fast=True)
    reference = compute_round(round=round_2021, fast=False)
    assert _outcomes(fast) == _outcomes(reference)
    warned = {w["code"]: w["leaves"] for w in reference.outcomes[0].warnings if "leaves" in w}
    # Unscored and N/A leaves fall in the first and the last mask word (leaves 1-62 and 125-130).
    positions = {codes.index(c) for c in warned["unscored"] + warned["not_applicable"]}
    assert min(positions) < 62 and max(positions) >= 124
    assert fast.outcomes[0].total_c > 0
    nothing = next(o for o in fast.outcomes if o.code == "Y")
    assert [w["code"] for w in nothing.warnings] == ["unscored", "survey_not_measured"]


def test_node_ids_too_far_apart_use_the_reference_path(require_postgres, varied_round, monkeypatch):
    from rankings import computation, pg_sums

    expected = _outcomes(compute_round(round=varied_round, fast=False))
    monkeypatch.setattr(pg_sums, "MAX_ID_SPAN", 1)
    read_rows = []
    reference_scores = computation._scores
    monkeypatch.setattr(computation, "_scores", lambda *a: read_rows.append(1) or reference_scores(*a))
    assert _outcomes(compute_round(round=varied_round, fast=True)) == expected
    assert read_rows == [1]  # every score row was read: the lookup arrays would have spanned too many ids


def test_points_above_every_maximum_widen_the_slots(require_postgres, varied_round):
    """Slots are as wide as the framework's maxima allow; a score above them (which the services refuse,
    but a row can hold) makes both paths choose slots wide enough for any score, with the same results."""
    narrow = {key: entry["width"] for key, entry in compute_round(round=varied_round).catalogue.items()}
    # MINI framework: the largest self leaf maximum is 2 points; 1.1 holds two leaves: 4,00 → 3 digits.
    assert sorted(narrow.values())[0] == 3
    LeafScore.objects.filter(assessment__unit__code="D4", node__code="1.1.1").update(app_points=Decimal("99999.99"))
    fast = compute_round(round=varied_round, fast=True)
    reference = compute_round(round=varied_round, fast=False)
    assert _outcomes(fast) == _outcomes(reference)
    wide = {key: entry["width"] for key, entry in fast.catalogue.items()}
    assert min(wide.values()) > max(narrow.values())
    d4 = next(o for o in fast.outcomes if o.code == "D4")
    crit = {c["code"]: c for c in expand(json.loads(d4.breakdown), lambda: fast.catalogue)["criteria"]}
    assert crit["1.1"]["points"] == "100001.98"  # 99 999,99 + 1,99, carried into no other criterion
    assert crit["1.2"]["points"] == "2.00"


@pytest.mark.django_db(transaction=True)
def test_a_run_reads_every_input_from_one_snapshot(require_postgres, varied_round, monkeypatch):
    """A score saved by someone else while the run reads (after it has read the assessments, before it
    sums the scores) is not half seen: the run computes the round as it was when it started reading."""
    from rankings import computation
    from tests.security.faults import run_concurrently

    before = {o.code: o.total_c for o in compute_round(round=varied_round).outcomes}
    row = LeafScore.objects.get(assessment__unit__code="D4", node__code="1.1.1")  # appraised 2,00
    begin = computation.begin_reads

    def save_meanwhile():
        begin()
        run_concurrently(lambda: LeafScore.objects.filter(pk=row.pk).update(app_points=Decimal("0.50")))

    monkeypatch.setattr(computation, "begin_reads", save_meanwhile)
    during = compute_round(round=varied_round)
    monkeypatch.setattr(computation, "begin_reads", begin)
    after = {o.code: o.total_c for o in compute_round(round=varied_round).outcomes}
    assert {o.code: o.total_c for o in during.outcomes} == before
    assert after["D4"] == before["D4"] - 150  # 2,00 → 0,50
