"""Points of a self leaf from its inputs (DESIGN §2). Pure functions: no database, Decimal only.

``validate_inputs`` checks and normalises the inputs of a leaf's rule (raising a ``ValidationError``
keyed by the input field, with a message that names it); ``leaf_points`` derives the points.

Inputs by rule (as stored in ``LeafScore.self_inputs`` / ``app_inputs``):
levels ``{"level": index}``; ratio ``{"numerator": n, "denominator": d}``; deduction ``{"count": k}``;
manual ``{"points": "1.25"}`` (decimals as strings).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from assessments.models import Node, Rule

CENT = Decimal("0.01")
DEFAULT_STEP = Decimal("0.25")

INPUT_FIELDS = {
    Rule.LEVELS: ("level",),
    Rule.RATIO: ("numerator", "denominator"),
    Rule.DEDUCTION: ("count",),
    Rule.MANUAL: ("points",),
}

FIELD_LABELS = {
    "level": _("level"),
    "numerator": _("numerator"),
    "denominator": _("denominator"),
    "count": _("number of violations"),
    "points": _("points"),
}


def round_points(value: Decimal) -> Decimal:
    """Half up to 2 decimal places (DESIGN §2)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _field_error(field: str, message) -> ValidationError:
    return ValidationError({field: ValidationError(message, code="invalid")})


def _integer(inputs: dict, field: str) -> int:
    value = inputs.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _field_error(field, _("Enter the %(field)s.") % {"field": FIELD_LABELS[field]})
    if isinstance(value, bool):
        raise _field_error(field, _("The %(field)s must be a whole number.") % {"field": FIELD_LABELS[field]})
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    raise _field_error(field, _("The %(field)s must be a whole number.") % {"field": FIELD_LABELS[field]})


def _levels(node: Node) -> list[dict]:
    return list((node.params or {}).get("levels") or [])


def step_of(node: Node) -> Decimal:
    step = (node.params or {}).get("step")
    return _decimal(step) if step not in (None, "") else DEFAULT_STEP


def validate_inputs(*, node: Node, inputs: dict | None) -> dict:
    """Check the inputs of a self leaf against its rule; return them normalised for storage."""
    if node.source != "self":
        raise ValidationError(_("Criterion %(code)s is scored by survey, not by inputs.") % {"code": node.code})
    inputs = inputs or {}
    if node.rule == Rule.LEVELS:
        level = _integer(inputs, "level")
        levels = _levels(node)
        if not 0 <= level < len(levels):
            raise _field_error("level", _("Choose one of the levels of criterion %(code)s.") % {"code": node.code})
        return {"level": level}
    if node.rule == Rule.RATIO:
        numerator = _integer(inputs, "numerator")
        denominator = _integer(inputs, "denominator")
        if denominator <= 0:
            raise _field_error("denominator", _("The denominator must be greater than 0."))
        if numerator < 0:
            raise _field_error("numerator", _("The numerator cannot be negative."))
        if numerator > denominator:
            raise _field_error("numerator", _("The numerator cannot be greater than the denominator."))
        return {"numerator": numerator, "denominator": denominator}
    if node.rule == Rule.DEDUCTION:
        count = _integer(inputs, "count")
        if count < 0:
            raise _field_error("count", _("The number of violations cannot be negative."))
        return {"count": count}
    if node.rule == Rule.MANUAL:
        raw = inputs.get("points")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise _field_error("points", _("Enter the points."))
        try:
            points = _decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation:
            raise _field_error("points", _("The points must be a number.")) from None
        if not points.is_finite():
            raise _field_error("points", _("The points must be a number."))
        if points < 0 or points > node.max_points:
            raise _field_error(
                "points", _("The points must be between 0 and %(max)s.") % {"max": _fmt(node.max_points)}
            )
        step = step_of(node)
        if step > 0 and points % step != 0:
            raise _field_error("points", _("The points must be a multiple of %(step)s.") % {"step": _fmt(step)})
        return {"points": str(round_points(points))}
    raise ValidationError(_("Criterion %(code)s has no scoring rule.") % {"code": node.code})


def _fmt(value: Decimal) -> str:
    """A decimal in Vietnamese notation for messages (comma as the decimal mark)."""
    return format(value.normalize() if value == value.to_integral() else value, "f").replace(".", ",")


def leaf_points(*, node: Node, inputs: dict | None) -> Decimal:
    """Points of a self leaf from valid inputs (validates them first)."""
    clean = validate_inputs(node=node, inputs=inputs)
    if node.rule == Rule.LEVELS:
        return round_points(_decimal(_levels(node)[clean["level"]]["points"]))
    if node.rule == Rule.RATIO:
        n, d = clean["numerator"], clean["denominator"]
        bands = (node.params or {}).get("bands") or []
        if bands:
            # Compare n/d×100 ≥ threshold as n×100 ≥ threshold×d: exact, no division rounding at a band edge.
            reached = [b for b in bands if Decimal(n) * 100 >= _decimal(b["threshold"]) * d]
            if not reached:
                return Decimal("0.00")
            best = max(reached, key=lambda b: _decimal(b["threshold"]))
            return round_points(_decimal(best["points"]))
        return round_points(Decimal(n) / Decimal(d) * node.max_points)
    if node.rule == Rule.DEDUCTION:
        per_item = _decimal((node.params or {}).get("per_item") or "0")
        return round_points(max(Decimal(0), node.max_points - clean["count"] * per_item))
    return round_points(_decimal(clean["points"]))


def describe_inputs(*, node: Node, inputs: dict | None) -> str:
    """The inputs in words, for history and conflict messages (e.g. "8/10", "Ban hành đúng hạn")."""
    if not inputs:
        return "—"
    try:
        if node.rule == Rule.LEVELS:
            return str(_levels(node)[int(inputs["level"])]["label"])
        if node.rule == Rule.RATIO:
            return f"{inputs['numerator']}/{inputs['denominator']}"
        if node.rule == Rule.DEDUCTION:
            return str(_("%(count)s violations") % {"count": inputs["count"]})
        if node.rule == Rule.MANUAL:
            return _fmt(_decimal(inputs["points"]))
    except (KeyError, IndexError, ValueError, TypeError, InvalidOperation):
        pass
    return str(inputs)
