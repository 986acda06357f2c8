"""The framework validator names every discrepancy with the node's code and the numbers (DESIGN §1)."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from assessments.models import Node
from assessments.validation import validate_framework


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


def _set(framework, code, **fields):
    Node.objects.filter(framework=framework, code=code).update(**fields)


def test_valid_framework_passes_with_its_counts(framework):
    report = validate_framework(framework)
    assert report.errors == []
    # MINI_FRAMEWORK: domains 1, 2, 3; criteria 1.1, 1.2, 2.1, 2.2; sub-criteria 1.1.1, 1.1.2;
    # leaves 1.1.1, 1.1.2, 1.2, 2.1, 2.2, 3 → self 2+2+2+1 = 7, cs 1, sipas 2, total 10.
    assert (report.domains, report.criteria, report.sub_criteria, report.leaves) == (3, 4, 2, 6)
    assert report.max_total == Decimal("10.00")
    assert report.by_source == {"self": Decimal("7"), "cs_survey": Decimal("1"), "sipas": Decimal("2")}


def test_criterion_not_equal_to_its_sub_criteria_is_named_with_both_numbers(framework):
    _set(framework, "1.1.2", max_points=Decimal("0.50"))  # 2.00 + 0.50 = 2.50 ≠ 4.00
    _set(framework, "1.1.2", params={})
    errors = validate_framework(framework).errors
    assert "Tiêu chí 1.1: tổng điểm các tiêu chí thành phần 2,50 khác điểm tối đa 4,00" in errors


def test_domain_not_equal_to_its_criteria_is_named(framework):
    _set(framework, "2", max_points=Decimal("3.00"))  # children 1 + 1 = 2
    errors = validate_framework(framework).errors
    assert "Lĩnh vực 2: tổng điểm các tiêu chí 2,00 khác điểm tối đa 3,00" in errors
    # The domains now add up to 11: the declared total is also reported.
    assert any("11,00" in e and "10,00" in e for e in errors)


def test_source_total_differing_from_target_is_reported(framework):
    framework.target_self = Decimal("8")
    framework.save()
    errors = validate_framework(framework).errors
    assert any("7,00" in e and "8,00" in e and "Tự đánh giá" in e for e in errors), errors


def test_leaf_without_source_is_reported(framework):
    _set(framework, "2.2", source="")
    errors = validate_framework(framework).errors
    assert any(e.startswith("Tiêu chí 2.2:") and "nguồn" in e for e in errors), errors


def test_self_leaf_without_rule_is_reported(framework):
    _set(framework, "1.2", rule="")
    assert any(e.startswith("Tiêu chí 1.2:") for e in validate_framework(framework).errors)


def test_survey_leaf_with_rule_is_reported(framework):
    _set(framework, "2.2", rule="manual")
    assert any(e.startswith("Tiêu chí 2.2:") for e in validate_framework(framework).errors)


def test_parent_with_source_is_reported(framework):
    _set(framework, "1.1", source="self", rule="manual")
    assert any(e.startswith("Tiêu chí 1.1:") for e in validate_framework(framework).errors)


def test_level_points_above_max_are_reported(framework):
    _set(framework, "1.1.1", params={"levels": [{"label": "A", "points": "0"}, {"label": "B", "points": "2.50"}]})
    errors = validate_framework(framework).errors
    assert any(e.startswith("Tiêu chí thành phần 1.1.1:") and "2,50" in e and "2,00" in e for e in errors), errors


def test_empty_levels_and_sub_cent_points_are_reported(framework):
    _set(framework, "1.1.1", params={"levels": []})
    assert any(e.startswith("Tiêu chí thành phần 1.1.1:") for e in validate_framework(framework).errors)
    _set(framework, "1.1.1", params={"levels": [{"label": "A", "points": "1.005"}, {"label": "B", "points": "2"}]})
    assert any("1.005" in e for e in validate_framework(framework).errors)


def test_bands_out_of_order_or_decreasing_are_reported(framework):
    _set(framework, "1.1.2", params={"bands": [{"threshold": "50", "points": "1"}, {"threshold": "50", "points": "2"}]})
    errors = validate_framework(framework).errors
    assert any(e.startswith("Tiêu chí thành phần 1.1.2:") and "50" in e for e in errors), errors
    _set(
        framework, "1.1.2", params={"bands": [{"threshold": "0", "points": "1.5"}, {"threshold": "80", "points": "1"}]}
    )
    assert any(e.startswith("Tiêu chí thành phần 1.1.2:") and "1,50" in e for e in validate_framework(framework).errors)
    _set(framework, "1.1.2", params={"bands": [{"threshold": "120", "points": "2"}]})
    assert any("120" in e for e in validate_framework(framework).errors)


def test_deduction_needs_positive_per_item(framework):
    _set(framework, "2.1", params={"per_item": "0"})
    assert any(e.startswith("Tiêu chí 2.1:") for e in validate_framework(framework).errors)


def test_manual_max_must_be_multiple_of_step(framework):
    _set(framework, "1.2", params={"step": "0.75"})  # 2.00 / 0.75 is not whole
    errors = validate_framework(framework).errors
    assert any(e.startswith("Tiêu chí 1.2:") and "0,75" in e for e in errors), errors
    _set(framework, "1.2", params={"step": "0"})
    assert any(e.startswith("Tiêu chí 1.2:") for e in validate_framework(framework).errors)


def test_wrong_levels_in_the_tree_are_reported(framework):
    _set(framework, "1.1.1", level="criterion")
    _set(framework, "3", level="criterion")
    errors = validate_framework(framework).errors
    assert any("1.1.1" in e for e in errors)
    assert any("3:" in e and "lĩnh vực" in e for e in errors), errors


def test_messages_follow_the_active_language(framework):
    _set(framework, "2", max_points=Decimal("3.00"))
    with translation.override("en"):
        errors = validate_framework(framework).errors
    assert "Domain 2: the criteria add up to 2.00, not the maximum 3.00" in errors


def test_framework_check_json_and_exit_status(framework, capsys):
    call_command("framework_check", "--round", "2021", "--group", "department", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["max_total"] == "10.00"
    assert data["by_source"] == {"self": "7.00", "cs_survey": "1.00", "sipas": "2.00"}
    assert data["errors"] == []
    _set(framework, "2.1", params={"per_item": "-1"})
    with pytest.raises(SystemExit) as exc:
        call_command("framework_check", "--round", "2021", "--group", "department", "--json")
    assert exc.value.code == 1
    assert any("2.1" in e for e in json.loads(capsys.readouterr().out)["errors"])


def test_parent_cycle_and_foreign_parent_are_reported(framework, district_group):
    from tests.factories import build_framework

    other = build_framework(round=framework.round, group=district_group)
    # 1 → 1.1.1 → 1.1 → 1: no domain at the top any more.
    Node.objects.filter(framework=framework, code="1").update(
        parent=Node.objects.get(framework=framework, code="1.1.1")
    )
    Node.objects.filter(framework=framework, code="2.1").update(parent=Node.objects.get(framework=other, code="2"))
    errors = validate_framework(framework).errors
    assert any(e.startswith("Tiêu chí 1.1:") and "vòng lặp" in e for e in errors), errors
    assert any(e.startswith("Tiêu chí 2.1:") and "bộ tiêu chí khác" in e for e in errors), errors
