"""Points from inputs for every rule type (DESIGN §2); nodes are unsaved, the functions are pure."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Node
from assessments.scoring import leaf_points, validate_inputs


def leaf(rule, max_points="2.00", **params):
    return Node(
        code="1.1", name="x", level="criterion", source="self", rule=rule, max_points=Decimal(max_points), params=params
    )


LEVELS = leaf(
    "levels",
    levels=[
        {"label": "Không", "points": "0"},
        {"label": "Muộn", "points": "1.00"},
        {"label": "Đúng hạn", "points": "2.00"},
    ],
)
BANDED = leaf(
    "ratio",
    bands=[
        {"threshold": "50", "points": "0.50"},
        {"threshold": "80", "points": "1.50"},
        {"threshold": "100", "points": "2.00"},
    ],
)


def test_levels_give_the_chosen_levels_points():
    assert leaf_points(node=LEVELS, inputs={"level": 1}) == Decimal("1.00")
    assert leaf_points(node=LEVELS, inputs={"level": "2"}) == Decimal("2.00")


@pytest.mark.parametrize("level", [3, -1, "x", None])
def test_unknown_level_is_refused_naming_the_field(level):
    with pytest.raises(ValidationError) as exc:
        validate_inputs(node=LEVELS, inputs={"level": level})
    assert "level" in exc.value.message_dict


@pytest.mark.parametrize(
    ("n", "d", "points"),
    [
        (4, 5, "1.50"),  # 80 % exactly at the 80 threshold → that band
        (79, 100, "0.50"),  # 79 % → the 50 band
        (1, 2, "0.50"),  # 50 % exactly
        (49, 100, "0.00"),  # below every band → 0
        (10, 10, "2.00"),  # 100 %
    ],
)
def test_ratio_with_bands_takes_the_highest_band_reached(n, d, points):
    assert leaf_points(node=BANDED, inputs={"numerator": n, "denominator": d}) == Decimal(points)


def test_ratio_band_edge_is_exact_for_repeating_fractions():
    # 2/3 = 66,666…% must not reach a 66,67 threshold, while 200/300 of a 66,66 threshold does.
    node = leaf("ratio", bands=[{"threshold": "66.67", "points": "1.00"}, {"threshold": "66.66", "points": "0.75"}])
    assert leaf_points(node=node, inputs={"numerator": 2, "denominator": 3}) == Decimal("0.75")


def test_ratio_without_bands_rounds_half_up():
    # 1/8 × 0,5 = 0,0625 → 0,06; 5/8 × 0,2 = 0,125 (3rd decimal 5) → 0,13 half up, not 0,12 (banker's)
    assert leaf_points(node=leaf("ratio", "0.50"), inputs={"numerator": 1, "denominator": 8}) == Decimal("0.06")
    assert leaf_points(node=leaf("ratio", "0.20"), inputs={"numerator": 5, "denominator": 8}) == Decimal("0.13")
    # 2/3 × 2 = 1,3333… → 1,33
    assert leaf_points(node=leaf("ratio"), inputs={"numerator": 2, "denominator": 3}) == Decimal("1.33")


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"numerator": 6, "denominator": 5}, "numerator"),
        ({"numerator": 0, "denominator": 0}, "denominator"),
        ({"numerator": -1, "denominator": 5}, "numerator"),
        ({"numerator": "1.5", "denominator": 5}, "numerator"),
        ({"numerator": 1}, "denominator"),
    ],
)
def test_invalid_ratio_inputs_are_refused_naming_the_field(inputs, field):
    with pytest.raises(ValidationError) as exc:
        validate_inputs(node=BANDED, inputs=inputs)
    assert field in exc.value.message_dict


def test_deduction_subtracts_per_violation_and_floors_at_zero():
    node = leaf("deduction", "1.00", per_item="0.25")
    assert leaf_points(node=node, inputs={"count": 0}) == Decimal("1.00")
    assert leaf_points(node=node, inputs={"count": 3}) == Decimal("0.25")  # 1 − 3 × 0,25
    assert leaf_points(node=node, inputs={"count": 4}) == Decimal("0.00")
    assert leaf_points(node=node, inputs={"count": 9}) == Decimal("0.00")  # 1 − 2,25 < 0 → 0


def test_negative_violation_count_is_refused():
    with pytest.raises(ValidationError) as exc:
        validate_inputs(node=leaf("deduction", per_item="0.25"), inputs={"count": -1})
    assert "count" in exc.value.message_dict


def test_manual_points_must_be_a_multiple_of_the_step_within_max():
    node = leaf("manual", step="0.25")
    assert leaf_points(node=node, inputs={"points": "1.75"}) == Decimal("1.75")
    assert leaf_points(node=node, inputs={"points": "1,5"}) == Decimal("1.50")  # Vietnamese decimal comma
    for bad in ("1.3", "2.25", "-0.25", "abc", "NaN", ""):
        with pytest.raises(ValidationError) as exc:
            validate_inputs(node=node, inputs={"points": bad})
        assert "points" in exc.value.message_dict


def test_manual_step_defaults_to_a_quarter_point():
    node = leaf("manual")
    assert leaf_points(node=node, inputs={"points": "0.75"}) == Decimal("0.75")
    with pytest.raises(ValidationError):
        validate_inputs(node=node, inputs={"points": "0.1"})


def test_messages_are_vietnamese(settings):
    from django.utils import translation

    with translation.override("vi"), pytest.raises(ValidationError) as exc:
        validate_inputs(node=BANDED, inputs={"numerator": 6, "denominator": 5})
    assert "tử số" in " ".join(exc.value.message_dict["numerator"]).lower()
