"""Property test of the index rules (assessments/index_rules.py) against an oracle written here.

Hypothesis generates frameworks of random shape (domains scored directly, criteria, sub-criteria), self
leaves of every rule type with random inputs, N/A claims confirmed or rejected, survey leaves measured
or not, both settings for a survey not measured, finalised and provisional assessments, and units with
identical inputs (ties). The oracle below is independent of the app: exact fractions, a recursive walk
of the tree and "rank = 1 + the units of the group with a strictly higher index".
"""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from assessments import index_rules
from assessments.models import AssessmentState, Node
from assessments.scoring import leaf_points

BANDS = [
    {"label": "Xuất sắc", "min": 90},
    {"label": "Tốt", "min": 80},
    {"label": "Khá", "min": 70},
    {"label": "Trung bình", "min": 50},
    {"label": "Yếu", "min": 0},
]


# --- the oracle ------------------------------------------------------------------------------------


def o_round(x: Fraction) -> Fraction:
    """Half up to hundredths (x ≥ 0)."""
    return Fraction(int(x * 100 + Fraction(1, 2)), 100)


def o_rule_points(leaf: dict, inputs: dict) -> Fraction:
    mx, params = Fraction(leaf["max"]), leaf["params"]
    if leaf["rule"] == "levels":
        return Fraction(params["levels"][inputs["level"]]["points"])
    if leaf["rule"] == "ratio":
        n, d = inputs["numerator"], inputs["denominator"]
        if params.get("bands"):
            # The highest band reached: the largest threshold at most n/d × 100.
            reached = [
                (Fraction(b["threshold"]), Fraction(b["points"]))
                for b in params["bands"]
                if Fraction(n, d) * 100 >= Fraction(b["threshold"])
            ]
            return max(reached)[1] if reached else Fraction(0)
        return o_round(Fraction(n, d) * mx)
    if leaf["rule"] == "deduction":
        return max(Fraction(0), mx - inputs["count"] * Fraction(params["per_item"]))
    return Fraction(inputs["points"])


def o_leaf(leaf: dict, unit: dict, zero_policy: bool) -> tuple[Fraction, Fraction] | None:
    """(points, max) of a leaf, or None when it is out of the applicable maximum."""
    mx = Fraction(leaf["max"])
    if leaf["source"] != "self":
        p = unit["survey"].get(leaf["code"])
        if p is None:
            return (Fraction(0), mx) if zero_policy else None
        return Fraction(p), mx
    s = unit["scores"].get(leaf["code"])
    if s is None:
        return Fraction(0), mx
    if s["na"] == "confirmed":
        return None
    inputs = s["app"] if (unit["finalised"] or s["app"] is not None) else s["self"]
    return (Fraction(0) if inputs is None else o_rule_points(leaf, inputs)), mx


def o_walk(node: dict, unit: dict, zero_policy: bool, out: dict) -> tuple[Fraction, Fraction]:
    if not node["children"]:
        got = o_leaf(node, unit, zero_policy) or (Fraction(0), Fraction(0))
    else:
        parts = [o_walk(child, unit, zero_policy, out) for child in node["children"]]
        got = (sum(p for p, _ in parts), sum(m for _, m in parts))
    out[node["code"]] = got
    return got


def o_unit(tree: list[dict], unit: dict, zero_policy: bool) -> dict:
    nodes: dict = {}
    parts = [o_walk(d, unit, zero_policy, nodes) for d in tree]
    total, mx = sum(p for p, _ in parts), sum(m for _, m in parts)
    return {"total": total, "max": mx, "pct": o_round(total / mx * 100) if mx else Fraction(0), "nodes": nodes}


# --- generation --------------------------------------------------------------------------------------

cents = st.integers(min_value=25, max_value=800).map(lambda c: Fraction(c - c % 25, 100) or Fraction(1, 4))


@st.composite
def leaf_spec(draw, code: str) -> dict:
    mx = draw(cents)
    source = draw(st.sampled_from(["self", "self", "self", "cs_survey", "sipas"]))
    leaf = {"code": code, "max": mx, "source": source, "children": [], "rule": "", "params": {}}
    if source != "self":
        return leaf
    rule = draw(st.sampled_from(["levels", "ratio", "deduction", "manual"]))
    leaf["rule"] = rule
    quarters = st.integers(min_value=0, max_value=int(mx * 4)).map(lambda q: Fraction(q, 4))
    if rule == "levels":
        pts = draw(st.lists(quarters, min_size=1, max_size=4))
        leaf["params"] = {
            "levels": [
                {"label": f"L{i}", "points": str(Decimal(p.numerator) / p.denominator)} for i, p in enumerate(pts)
            ]
        }
    elif rule == "ratio" and draw(st.booleans()):
        pts = draw(st.lists(st.tuples(st.integers(0, 100), quarters), min_size=1, max_size=3, unique_by=lambda t: t[0]))
        leaf["params"] = {
            "bands": [{"threshold": str(t), "points": str(Decimal(p.numerator) / p.denominator)} for t, p in pts]
        }
    elif rule == "deduction":
        leaf["params"] = {"per_item": str(draw(st.sampled_from(["0.25", "0.5", "1"])))}
    return leaf


@st.composite
def framework(draw) -> list[dict]:
    tree = []
    for d in range(1, draw(st.integers(1, 3)) + 1):
        n_crit = draw(st.integers(0, 3))
        if n_crit == 0:
            tree.append(draw(leaf_spec(str(d))))
            continue
        domain = {"code": str(d), "children": []}
        for c in range(1, n_crit + 1):
            n_sub = draw(st.integers(0, 2))
            code = f"{d}.{c}"
            if n_sub == 0:
                domain["children"].append(draw(leaf_spec(code)))
            else:
                domain["children"].append(
                    {"code": code, "children": [draw(leaf_spec(f"{code}.{s}")) for s in range(1, n_sub + 1)]}
                )
        tree.append(domain)
    return tree


def leaves_of(node: dict) -> list[dict]:
    return [node] if not node["children"] else [x for ch in node["children"] for x in leaves_of(ch)]


@st.composite
def inputs_for(draw, leaf: dict) -> dict | None:
    mx = leaf["max"]
    if leaf["rule"] == "levels":
        return {"level": draw(st.integers(0, len(leaf["params"]["levels"]) - 1))}
    if leaf["rule"] == "ratio":
        d = draw(st.integers(1, 12))
        return {"numerator": draw(st.integers(0, d)), "denominator": d}
    if leaf["rule"] == "deduction":
        return {"count": draw(st.integers(0, 40))}
    q = draw(st.integers(0, int(mx * 4)))
    return {"points": str(Decimal(q) / 4)}


@st.composite
def unit_spec(draw, leaves: list[dict]) -> dict:
    unit = {"finalised": draw(st.booleans()), "scores": {}, "survey": {}}
    for leaf in leaves:
        if leaf["source"] != "self":
            if draw(st.integers(0, 3)):  # one in four not measured
                unit["survey"][leaf["code"]] = Fraction(draw(st.integers(0, int(leaf["max"] * 100))), 100)
            continue
        kind = draw(st.sampled_from(["none", "scored", "scored", "self_only", "na_confirmed", "na_rejected"]))
        if kind == "none":
            continue
        self_in = draw(inputs_for(leaf)) if kind != "na_confirmed" else None
        app_in = draw(inputs_for(leaf)) if kind in ("scored", "na_rejected") else None
        unit["scores"][leaf["code"]] = {
            "self": self_in,
            "app": app_in,
            "na": {"na_confirmed": "confirmed", "na_rejected": "rejected"}.get(kind, ""),
        }
    return unit


@st.composite
def round_spec(draw) -> dict:
    tree = draw(framework())
    leaves = [x for d in tree for x in leaves_of(d)]
    units = draw(st.lists(unit_spec(leaves), min_size=1, max_size=6))
    # Ties: some units copy another's inputs exactly (and may sit in the other group).
    units += [units[i] for i in draw(st.lists(st.integers(0, len(units) - 1), max_size=3))]
    groups = [draw(st.integers(0, 1)) for _ in units]
    return {"tree": tree, "units": units, "groups": groups, "zero": draw(st.booleans())}


# --- the app's rules on the same round -----------------------------------------------------------------


def flatten(tree: list[dict]) -> list[tuple[dict, str | None]]:
    out = []

    def walk(node, parent):
        out.append((node, parent))
        for ch in node["children"]:
            walk(ch, node["code"])

    for d in tree:
        walk(d, None)
    return out


def app_points(leaf: dict, inputs: dict | None) -> Decimal | None:
    if inputs is None:
        return None
    node = Node(
        code=leaf["code"],
        source="self",
        rule=leaf["rule"],
        params=leaf["params"],
        max_points=Decimal(leaf["max"].numerator) / leaf["max"].denominator,
    )
    return leaf_points(node=node, inputs=inputs)


def dec(x: Fraction) -> Decimal:
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal("0.01"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=round_spec())
def test_index_rules_agree_with_the_oracle(spec):
    note(repr(spec))
    flat = flatten(spec["tree"])
    ids = {node["code"]: i for i, (node, _parent) in enumerate(flat, start=1)}
    nodes = [
        index_rules.FrameworkNode(
            id=ids[n["code"]],
            parent_id=ids.get(p),
            code=n["code"],
            max_points=sum((dec(x["max"]) for x in leaves_of(n)), Decimal("0.00")),
            source=n.get("source", "self"),
        )
        for n, p in flat
    ]
    by_code = {n["code"]: n for n, _ in flat}
    entries, computed, expected = [], [], []
    for k, (unit, group) in enumerate(zip(spec["units"], spec["groups"], strict=True)):
        scores = {
            ids[code]: index_rules.ScoreInput(
                self_points=app_points(by_code[code], s["self"]),
                app_points=app_points(by_code[code], s["app"]),
                self_na=bool(s["na"]),
                na_confirmed=s["na"] == "confirmed",
            )
            for code, s in unit["scores"].items()
        }
        survey = {ids[code]: dec(p) for code, p in unit["survey"].items()}
        got = index_rules.unit_index(
            nodes, scores=scores, survey_points=survey, finalised=unit["finalised"], missing_scores_zero=spec["zero"]
        )
        want = o_unit(spec["tree"], unit, spec["zero"])
        assert (got.total, got.applicable_max, got.index_pct) == (
            dec(want["total"]),
            dec(want["max"]),
            dec(want["pct"]),
        )
        for code, (p, m) in want["nodes"].items():
            node_total = got.nodes[ids[code]]
            assert (node_total.points, node_total.max_points) == (dec(p), dec(m)), code
            assert node_total.pct == (dec(o_round(p / m * 100)) if m else None), code
        computed.append(got)
        expected.append(want)
        entries.append(index_rules.RankEntry(key=k, group=group, index_pct=got.index_pct, display_order=k, code=str(k)))

    ranks = index_rules.rank(entries)
    for k, want in enumerate(expected):
        higher = sum(
            1
            for j, other in enumerate(expected)
            if spec["groups"][j] == spec["groups"][k] and other["pct"] > want["pct"]
        )
        assert ranks[k] == 1 + higher
        label = next(b["label"] for b in BANDS if want["pct"] >= b["min"])
        assert index_rules.band(computed[k].index_pct, BANDS) == label


@given(pcts=st.lists(st.integers(0, 4).map(lambda x: Decimal(x * 10)), min_size=1, max_size=8))
def test_ties_share_a_rank_and_the_next_is_skipped(pcts):
    entries = [index_rules.RankEntry(key=i, group="g", index_pct=p, display_order=i) for i, p in enumerate(pcts)]
    ranks = index_rules.rank(entries)
    for i, p in enumerate(pcts):
        assert ranks[i] == 1 + sum(1 for q in pcts if q > p)


# --- the whole index run (database in, result rows out) against the same oracle -----------------------


def _framework_rows(tree: list[dict]) -> list[dict]:
    levels = ("domain", "criterion", "sub_criterion")
    rows = []

    def walk(node, parent, depth):
        mx = sum((dec(x["max"]) for x in leaves_of(node)), Decimal("0.00"))
        row = {
            "code": node["code"],
            "parent": parent,
            "level": levels[depth],
            "name": f"Nút {node['code']}",
            "max": str(mx),
        }
        if not node["children"]:
            row.update(source=node["source"], rule=node["rule"], params=node["params"])
        rows.append(row)
        for ch in node["children"]:
            walk(ch, node["code"], depth + 1)

    for d in tree:
        walk(d, None, 0)
    return rows


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(spec=round_spec())
def test_index_run_agrees_with_the_oracle(spec, compute, department_group, district_group):
    from django.db import transaction

    from assessments.models import LeafScore, MissingSurveyPolicy
    from tests.factories import RoundFactory, build_framework
    from tests.rankings.factories import leaf, survey, unit_in_round

    note(repr(spec))
    with transaction.atomic():
        rnd = RoundFactory(
            year=2031, missing_survey_policy=MissingSurveyPolicy.ZERO if spec["zero"] else MissingSurveyPolicy.EXCLUDE
        )
        groups = (department_group, district_group)
        rows = _framework_rows(spec["tree"])
        for group in groups:
            build_framework(round=rnd, group=group, rows=rows)
        by_code = {n["code"]: n for n, _ in flatten(spec["tree"])}
        cs, sipas, assessments = {}, {}, []
        for k, (unit, g) in enumerate(zip(spec["units"], spec["groups"], strict=True)):
            state = AssessmentState.FINALISED if unit["finalised"] else AssessmentState.APPRAISED
            a = unit_in_round(round=rnd, group=groups[g], code=f"U{k}", order=k, state=state)
            assessments.append(a)
            for code, s in unit["scores"].items():
                LeafScore.objects.create(
                    assessment=a,
                    node=leaf(rnd, a.unit, code),
                    self_points=app_points(by_code[code], s["self"]),
                    app_points=app_points(by_code[code], s["app"]),
                    self_na=bool(s["na"]),
                    na_decision=s["na"],
                )
            for code, p in unit["survey"].items():
                (sipas if by_code[code]["source"] == "sipas" else cs)[(a, code)] = dec(p)
        survey(rnd, cs, kind="cs")
        survey(rnd, sipas, kind="sipas")
        run = compute(rnd)
        results = {r.unit.code: r for r in run.results.select_related("unit")}
        expected = [o_unit(spec["tree"], unit, spec["zero"]) for unit in spec["units"]]
        for k, want in enumerate(expected):
            got = results[f"U{k}"]
            assert (got.total, got.applicable_max, got.index_pct) == (
                dec(want["total"]),
                dec(want["max"]),
                dec(want["pct"]),
            )
            higher = sum(
                1
                for j, other in enumerate(expected)
                if spec["groups"][j] == spec["groups"][k] and other["pct"] > want["pct"]
            )
            assert got.rank == 1 + higher
            nodes = {n.node.code: n for n in got.nodes.select_related("node")}
            for code, (p, m) in want["nodes"].items():
                assert (nodes[code].points, nodes[code].max_points) == (dec(p), dec(m)), code
        transaction.set_rollback(True)
