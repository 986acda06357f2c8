"""Copying a framework into another round, and putting units in scope of a round."""

import pytest

from assessments.models import Assessment, Framework
from assessments.services.frameworks import FrameworkError, framework_copy
from assessments.services.rounds import round_add_units
from assessments.validation import validate_framework
from tests.factories import RoundFactory, UnitFactory


def _tree(fw):
    return sorted(
        (
            n.code,
            n.parent.code if n.parent else None,
            n.level,
            n.name,
            n.max_points,
            n.source,
            n.rule,
            n.params,
            n.na_allowed,
            n.evidence_required,
            n.guidance,
            n.order,
        )
        for n in fw.nodes.select_related("parent")
    )


def test_copy_gives_the_same_tree_and_targets_in_the_new_round(framework):
    new_round = RoundFactory(year=2022)
    copy = framework_copy(source=framework, round=new_round)
    assert copy.round == new_round and copy.group == framework.group
    assert _tree(copy) == _tree(framework)
    assert (copy.target_total, copy.target_self, copy.target_cs_survey, copy.target_sipas) == (
        framework.target_total,
        framework.target_self,
        framework.target_cs_survey,
        framework.target_sipas,
    )
    assert validate_framework(copy).errors == []
    # The copy is independent: editing it leaves the source alone.
    copy.nodes.filter(code="1.2").update(name="Đổi tên")
    assert framework.nodes.get(code="1.2").name != "Đổi tên"


def test_copy_refused_when_the_round_already_has_a_framework_for_the_group(framework):
    with pytest.raises(FrameworkError):
        framework_copy(source=framework, round=framework.round)
    assert Framework.objects.count() == 1


def test_round_add_units_creates_one_draft_assessment_per_unit_with_its_group(round_2021, unit_a, district_group):
    district = UnitFactory(code="883", name="Thành phố Long Xuyên", group=district_group)
    created = round_add_units(round=round_2021, units=[unit_a, district])
    assert len(created) == 2
    assert set(Assessment.objects.values_list("unit__code", "group__code", "state")) == {
        ("SNV", "department", "draft"),
        ("883", "district", "draft"),
    }
    # Adding again changes nothing.
    assert round_add_units(round=round_2021, units=[unit_a, district]) == []
    assert Assessment.objects.count() == 2
