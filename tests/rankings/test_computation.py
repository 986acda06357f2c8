"""rankings.computation: what it reads, how it applies the rules, the digest, the node rows, the snapshot.

The MINI framework (tests/factories.py): 1.1.1 self 2; 1.1.2 self 2; 1.2 self 2 (N/A allowed); 2.1 self 1;
2.2 civil-servant survey 1; 3 SIPAS 2. Total 10.
"""

from decimal import Decimal

import pytest

from assessments.models import AssessmentState, LeafScore, Node
from rankings.computation import compute_round
from rankings.models import NodeResult
from tests.rankings.conftest import results_by_code
from tests.rankings.factories import score, survey, unit_in_round

D = Decimal


@pytest.fixture
def varied_round(round_2021, framework, department_group):
    units = {
        code: unit_in_round(round=round_2021, group=department_group, code=code, order=i, state=state)
        for i, (code, state) in enumerate(
            [
                ("P", AssessmentState.APPRAISED),
                ("F", AssessmentState.FINALISED),
                ("T1", AssessmentState.FINALISED),
                ("T2", AssessmentState.FINALISED),
            ]
        )
    }
    # P (not finalised): appraised value where present (1.1.1: 1,25), its own where not (1.1.2: 1,5).
    score(units["P"], "1.1.1", "1.25", "2")
    score(units["P"], "1.1.2", None, "1.5")
    # F (finalised): 1.1.1 has only its own value, so it is unscored; 2.1 has no row at all.
    score(units["F"], "1.1.1", None, "2")
    score(units["F"], "1.1.2", "2")
    score(units["F"], "1.2", "1.75")
    # T1 and T2: the same points, so the same index and rank.
    for a in (units["T1"], units["T2"]):
        for code, p in (("1.1.1", "2"), ("1.1.2", "1"), ("1.2", "2"), ("2.1", "0.5")):
            score(a, code, p)
    # A score row on a survey leaf is no input of the rules (the survey import is).
    score(units["T2"], "2.2", "1")
    survey(
        round_2021,
        {
            (units["P"], "2.2"): "1",
            (units["F"], "2.2"): None,
            (units["T1"], "2.2"): "0.75",
            (units["T2"], "2.2"): "0.75",
        },
        kind="cs",
    )
    survey(round_2021, {(units["P"], "3"): "2", (units["T1"], "3"): "1", (units["T2"], "3"): "1"}, kind="sipas")
    return round_2021


def _by_code(computation):
    return {o.code: o for o in computation.outcomes}


def test_each_leaf_rule_as_read_from_the_database(varied_round):
    out = _by_code(compute_round(round=varied_round))
    # P: 1,25 + 1,5 + 0 (1.2 unscored) + 0 (2.1 unscored) + 1 + 2 = 5,75 of 10 → 57,50 %, provisional.
    p = out["P"].index
    assert (p.total, p.applicable_max, p.index_pct, out["P"].provisional) == (D("5.75"), D("10"), D("57.50"), True)
    assert p.reasons["unscored"] == ["1.2", "2.1"]
    # F: 0 + 2 + 1,75 + 0 = 3,75; 2.2 not measured and 3 without a row: both leave the maximum → 3,75 / 7.
    f = out["F"].index
    assert (f.total, f.applicable_max, f.index_pct) == (D("3.75"), D("7.00"), D("53.57"))
    assert f.reasons == {"unscored": ["1.1.1", "2.1"], "survey_not_measured": ["2.2", "3"]}
    # T1, T2: 2 + 1 + 2 + 0,5 + 0,75 + 1 = 7,25 → 72,50 %; the stray score on 2.2 counts for nothing.
    assert out["T1"].index.total == out["T2"].index.total == D("7.25")
    assert (out["T1"].rank, out["T2"].rank, out["P"].rank, out["F"].rank) == (1, 1, 3, 4)


def test_node_rows_one_per_unit_and_node_adding_up(varied_round, compute):
    run = compute(varied_round)
    nodes = list(Node.objects.filter(framework__round=varied_round))
    results = results_by_code(run)
    assert NodeResult.objects.filter(result__run=run).count() == len(nodes) * len(results)
    f = {n.node.code: n for n in NodeResult.objects.filter(result=results["F"]).select_related("node")}
    # Criterion 1.1 = 1.1.1 (unscored, 0) + 1.1.2 (2) of 4; domain 2: 2.1 (0 of 1), 2.2 not measured.
    assert (f["1.1"].points, f["1.1"].max_points, f["1.1"].pct) == (D("2.00"), D("4.00"), D("50.00"))
    assert (f["2"].points, f["2"].max_points, f["2"].pct, f["2"].applicable) == (D("0.00"), D("1.00"), D("0.00"), True)
    assert (f["3"].max_points, f["3"].pct, f["3"].applicable) == (D("0.00"), None, False)
    domains = [n for n in f.values() if n.node.parent_id is None]
    assert sum(n.points for n in domains) == results["F"].total
    assert sum(n.max_points for n in domains) == results["F"].applicable_max


def test_digest_same_for_unchanged_inputs_and_changed_by_any_input(varied_round):
    first = compute_round(round=varied_round).digest
    assert compute_round(round=varied_round).digest == first
    row = LeafScore.objects.get(assessment__unit__code="T1", node__code="2.1")
    LeafScore.objects.filter(pk=row.pk).update(app_points=D("0.75"))
    changed_score = compute_round(round=varied_round).digest
    assert changed_score != first
    varied_round.bands = [{"label": "Một", "min": 0}]
    varied_round.save()
    assert compute_round(round=varied_round).digest not in (first, changed_score)


@pytest.mark.django_db(transaction=True)
def test_a_run_reads_every_input_from_one_snapshot(require_postgres, varied_round, monkeypatch):
    """A score saved by someone else while the run reads (after the assessments, before the scores) is not
    half seen: the run computes the round as it was when it started reading."""
    from rankings import computation
    from tests.security.faults import run_concurrently

    before = {o.code: o.index.total for o in compute_round(round=varied_round).outcomes}
    row = LeafScore.objects.get(assessment__unit__code="T1", node__code="1.1.1")  # appraised 2,00
    read_scores = computation._scores

    def save_meanwhile(round, digest):
        run_concurrently(lambda: LeafScore.objects.filter(pk=row.pk).update(app_points=D("0.50")))
        return read_scores(round, digest)

    monkeypatch.setattr(computation, "_scores", save_meanwhile)
    during = compute_round(round=varied_round)
    monkeypatch.setattr(computation, "_scores", read_scores)
    after = {o.code: o.index.total for o in compute_round(round=varied_round).outcomes}
    assert {o.code: o.index.total for o in during.outcomes} == before
    assert after["T1"] == before["T1"] - D("1.50")
