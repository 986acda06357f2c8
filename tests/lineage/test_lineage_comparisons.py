"""Worked examples of comparisons across the 2025 reorganisation (rankings/lineage.py states the rule)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.models import LineageKind, Node, UnitLineage
from rankings import services
from rankings.dashboard.selectors import trends_for, unit_profile
from rankings.lineage import Lineage, Link
from tests.factories import RoundFactory, build_framework
from tests.rankings.factories import scores, survey, unit_in_round

D = Decimal
MERGER_DAY = date(2025, 3, 1)


def _link(pred: int, weight=None, kind=LineageKind.MERGER) -> Link:
    return Link(pred, f"Đơn vị {pred}", kind, MERGER_DAY, None if weight is None else D(weight))


def test_merger_without_weights_compares_with_the_plain_mean_of_its_predecessors():
    # 1 and 2 merge into 3: (80 + 70) / 2 = 75,00
    lineage = Lineage(links={3: [_link(1), _link(2)]})
    assert lineage.comparable(3, {1: D("80.00"), 2: D("70.00")}) == D("75.00")


def test_merger_with_weights_compares_with_the_weighted_mean():
    # 0,6 × 80 + 0,4 × 70 = 48 + 28 = 76,00
    lineage = Lineage(links={3: [_link(1, "0.6"), _link(2, "0.4")]})
    assert lineage.comparable(3, {1: D("80.00"), 2: D("70.00")}) == D("76.00")


def test_a_missing_predecessor_is_left_out_and_the_weights_renormalised():
    # only 1 has a value: 0,6 × 80 / 0,6 = 80,00
    lineage = Lineage(links={3: [_link(1, "0.6"), _link(2, "0.4")]})
    assert lineage.comparable(3, {1: D("80.00")}) == D("80.00")


def test_split_successors_each_take_the_predecessors_value_and_chains_are_followed():
    # 1 splits into 2 and 3; later 3 is renamed 4: 2, 3 and 4 all compare with 1's 66,67
    lineage = Lineage(
        links={
            2: [_link(1, kind=LineageKind.SPLIT)],
            3: [_link(1, kind=LineageKind.SPLIT)],
            4: [_link(3, kind="rename")],
        }
    )
    values = {1: D("66.67")}
    assert [lineage.comparable(u, values) for u in (2, 3, 4)] == [D("66.67")] * 3
    assert lineage.via(4, values) == ["Đơn vị 3"]


def test_a_unit_with_its_own_value_ignores_its_lineage():
    lineage = Lineage(links={3: [_link(1), _link(2)]})
    assert lineage.comparable(3, {1: D("80"), 2: D("70"), 3: D("91.5")}) == D("91.5")


def test_cycles_end_with_no_value():
    lineage = Lineage(links={1: [_link(2)], 2: [_link(1)]})
    assert lineage.comparable(1, {}) is None


def test_note_says_what_happened_and_when():
    lineage = Lineage(links={3: [_link(1), _link(2)]})
    with translation.override("vi"):
        assert lineage.note(3) == "hợp nhất từ Đơn vị 1, Đơn vị 2 từ ngày 01/03/2025"


@pytest.fixture
def merged(db, department_group, admin_user):
    """2021: A 100 % and B 80 %; 2025: C (merged from A and B on 01/03/2025) 100 %. Both runs published."""
    r21 = RoundFactory(year=2021)
    r25 = RoundFactory(year=2025)
    build_framework(round=r21, group=department_group)
    build_framework(round=r25, group=department_group)
    a = unit_in_round(round=r21, group=department_group, code="A", order=1)
    b = unit_in_round(round=r21, group=department_group, code="B", order=2)
    c = unit_in_round(round=r25, group=department_group, code="C", order=1)
    full = {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"}
    scores(a, full)  # 7 + 1 + 2 = 10 / 10 → 100,00 %
    scores(b, {"1.1.1": "2", "1.1.2": "1", "1.2": "2", "2.1": "1"})  # 6 + 1 + 1 = 8 / 10 → 80,00 %
    survey(r21, {(a, "2.2"): "1", (b, "2.2"): "1"}, kind="cs")
    survey(r21, {(a, "3"): "2", (b, "3"): "1"}, kind="sipas")
    scores(c, full)
    survey(r25, {(c, "2.2"): "1"}, kind="cs")
    survey(r25, {(c, "3"): "2"}, kind="sipas")
    for rnd in (r21, r25):
        run, _ = services.index_run_create(round=rnd, user=admin_user, enqueue=False)
        services.index_run_execute(run_id=run.pk)
        run.refresh_from_db()
        services.index_run_publish(run=run, user=admin_user, confirmed=True, reason="kiểm thử")
    for pred in (a, b):
        UnitLineage.objects.create(
            successor=c.unit, predecessor=pred.unit, kind=LineageKind.MERGER, effective_date=MERGER_DAY
        )
    return {"r21": r21, "r25": r25, "a": a.unit, "b": b.unit, "c": c.unit}


def test_profile_history_of_a_merged_unit_reads_its_predecessors_before_the_merger(merged, leader):
    profile = unit_profile(user=leader, unit_id=merged["c"].pk, round=merged["r25"])
    # 2021: (100 + 80) / 2 = 90,00 through A and B; 2025: its own 100,00.
    assert [(h.round.year, h.index_pct, h.via) for h in profile.history] == [
        (2021, D("90.00"), ["Đơn vị A", "Đơn vị B"]),
        (2025, D("100.00"), []),
    ]


def test_unit_page_says_the_unit_was_merged(merged, leader, client):
    client.force_login(leader)
    page = client.get(reverse("dashboard:unit", args=[2025, merged["c"].pk])).content.decode()
    assert "hợp nhất từ Đơn vị A, Đơn vị B từ ngày 01/03/2025" in page
    assert "90,00" in page


def test_trends_fill_a_successors_earlier_years_from_its_predecessors(merged, leader):
    (trend,) = trends_for(user=leader)
    series = {u.code: values for u, values in trend.units}
    assert trend.years == [2021, 2025]
    assert series["C"] == [D("90.00"), D("100.00")]
    assert series["A"] == [D("100.00"), None]
    assert [u.code for u, _note in trend.notes] == ["C"]


def test_last_year_of_a_domain_follows_the_crosswalk_and_the_lineage(merged, leader):
    from assessments.models import CrosswalkKind, NodeCrosswalk

    def node(rnd, code):
        return Node.objects.get(framework__round=rnd, code=code)

    NodeCrosswalk.objects.create(
        old_node=node(merged["r21"], "1"), new_node=node(merged["r25"], "1"), kind=CrosswalkKind.SAME
    )
    NodeCrosswalk.objects.create(
        old_node=node(merged["r21"], "2"), new_node=node(merged["r25"], "2"), kind=CrosswalkKind.RENAMED
    )
    NodeCrosswalk.objects.create(new_node=node(merged["r25"], "3"), kind=CrosswalkKind.NEW)
    profile = unit_profile(user=leader, unit_id=merged["c"].pk, round=merged["r25"])
    last = {d["code"]: d["last_year"] for d in profile.domains}
    # Domain 1 (max 6): A 6 + B 5 = 11 of 12 → 91,67 %; domain 2 (max 2): A 2 + B 2 = 4 of 4 → 100,00 %.
    assert last["1"].pct == D("91.67") and last["1"].old_codes == ["1"]
    assert last["2"].pct == D("100.00") and last["2"].kind == CrosswalkKind.RENAMED
    # Domain 3 is new in the crosswalk: it has no value last year.
    assert last["3"].pct is None and last["3"].kind == CrosswalkKind.NEW


def test_crosswalk_suggested_by_code_and_shown_as_a_diff(db, department_group, leader, client):
    from assessments.models import CrosswalkKind, Framework, NodeCrosswalk
    from assessments.services.crosswalk import crosswalk_diff, crosswalk_suggest

    old = build_framework(round=RoundFactory(year=2024), group=department_group)
    new = build_framework(round=RoundFactory(year=2025), group=department_group)
    Node.objects.filter(framework=new, code="2.1").update(name="Tên mới của 2.1")
    Node.objects.filter(framework=new, code="1.2").update(code="1.9")
    made = crosswalk_suggest(old=old, new=new)
    kinds = {
        (x.old_node.code if x.old_node else None, x.new_node.code if x.new_node else None): x.kind
        for x in NodeCrosswalk.objects.all()
    }
    assert kinds[("2.1", "2.1")] == CrosswalkKind.RENAMED
    assert kinds[("1.1", "1.1")] == CrosswalkKind.SAME
    assert kinds[(None, "1.9")] == CrosswalkKind.NEW
    assert kinds[("1.2", None)] == CrosswalkKind.RETIRED
    assert made == len(kinds)
    # Suggesting again adds nothing: every node of the new framework is linked already.
    assert crosswalk_suggest(old=old, new=Framework.objects.get(pk=new.pk)) == 0
    rows = crosswalk_diff(old=old, new=new)
    assert sum(len(r.old) for r in rows) == old.nodes.count() and sum(len(r.new) for r in rows) == new.nodes.count()
    client.force_login(leader)
    page = client.get(reverse("assessments:framework_diff", args=[2024, 2025])).content.decode()
    assert "Tên mới của 2.1" in page and "đổi tên" in page


def test_split_and_merge_are_one_row_each_in_the_diff(db, department_group):
    from assessments.models import CrosswalkKind, NodeCrosswalk
    from assessments.services.crosswalk import crosswalk_diff

    old = build_framework(round=RoundFactory(year=2024), group=department_group)
    new = build_framework(round=RoundFactory(year=2025), group=department_group)

    def o(code):
        return Node.objects.get(framework=old, code=code)

    def n(code):
        return Node.objects.get(framework=new, code=code)

    for target in ("1.1.1", "1.1.2"):  # 1.1 split into two
        NodeCrosswalk.objects.create(old_node=o("1.1"), new_node=n(target), kind=CrosswalkKind.SPLIT)
    for source in ("2.1", "2.2"):  # merged into 2
        NodeCrosswalk.objects.create(old_node=o(source), new_node=n("2"), kind=CrosswalkKind.MERGED)
    rows = {r.kind: r for r in crosswalk_diff(old=old, new=new) if r.kind}
    assert [x.code for x in rows["split"].new] == ["1.1.1", "1.1.2"]
    assert [x.code for x in rows["merged"].old] == ["2.1", "2.2"]
    # Merged maxima 1 + 1 = 2 against 2: no change in points.
    assert rows["merged"].max_change == D("0")


def test_last_year_of_merged_criteria_pools_their_points():
    from rankings.lineage import node_last_year

    class _Old:
        def __init__(self, code):
            self.code = code

    class _Link:
        def __init__(self, old_id, code):
            self.kind, self.old_node_id, self.old_node = "merged", old_id, _Old(code)

    # Old 2.1: 1 of 1; old 2.2: 0,5 of 1 → merged into one node: 1,5 / 2 = 75,00 %.
    links = {9: [_Link(1, "2.1"), _Link(2, "2.2")]}
    old = {1: (D("1"), D("1"), D("100.00")), 2: (D("0.5"), D("1"), D("50.00"))}
    value = node_last_year(links=links, old=old, node_id=9)
    assert value.pct == D("75.00") and value.old_codes == ["2.1", "2.2"]


def test_round_dashboard_compares_a_merged_unit_with_its_predecessors(merged, leader, client):
    from rankings.dashboard.selectors import dashboard_for

    board = dashboard_for(user=leader, round=merged["r25"])
    (mover,) = board.groups[0].movers
    # 2025: 100,00 against 2021's (100 + 80) / 2 = 90,00 → +10,00
    assert (mover["unit"].code, mover["was"], mover["now"], mover["change"]) == (
        "C",
        D("90.00"),
        D("100.00"),
        D("10.00"),
    )
    assert mover["via"] == ["Đơn vị A", "Đơn vị B"]
    client.force_login(leader)
    page = client.get(reverse("dashboard:round", args=[2025])).content.decode()
    assert "So với năm 2021" in page and "so với Đơn vị A, Đơn vị B" in page
