"""The 2025 demo round: merged departments, a commune-level group, lineage and crosswalk from 2021."""

from assessments.demo import load_demo_base
from assessments.models import Assessment, CrosswalkKind, Framework, NodeCrosswalk, Unit, UnitLineage
from rankings.demo_2025 import _structure, load_demo_2025
from rankings.lineage import lineage_read


def test_2025_structure_follows_the_reorganisation_and_a_second_load_changes_nothing(db):
    load_demo_base()
    created, rnd, units = _structure()
    assert created > 0 and rnd.year == 2025
    assert set(Framework.objects.filter(round=rnd).values_list("group__code", flat=True)) == {"department", "commune"}
    finance = Unit.objects.get(code="STC25")
    assert set(UnitLineage.objects.filter(successor=finance).values_list("predecessor__code", flat=True)) == {
        "STC",
        "SKHDT",
    }
    assert lineage_read().note(finance.pk) == "hợp nhất từ Sở Tài chính, Sở Kế hoạch và Đầu tư từ ngày 01/03/2025"
    # Districts are gone in 2025; the merged departments' predecessors are no longer active.
    assert not Unit.objects.filter(code__in=("883", "SKHDT"), active=True).exists()
    assert not Assessment.objects.filter(round=rnd, unit__code__in=("883", "SKHDT")).exists()
    assert Assessment.objects.filter(round=rnd, group__code="commune").count() == 14
    assert NodeCrosswalk.objects.filter(
        new_node__framework__round=rnd, kind=CrosswalkKind.RENAMED, new_node__code="7.4"
    ).exists()
    again, _rnd, _units = _structure()
    assert again == 0


def test_load_demo_2025_needs_the_base_first(db):
    assert load_demo_2025()["created"] == 0
