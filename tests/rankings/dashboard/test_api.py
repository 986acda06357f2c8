import json
from decimal import Decimal

import pytest
import yaml
from django.urls import reverse

from rankings.models import UnitResult
from tests.factories import RoundFactory
from tests.rankings.dashboard.factories import make_run

pytestmark = pytest.mark.django_db


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_anonymous_reads_rounds_groups_and_units(world, client):
    rounds = get_json(client, reverse("api:rounds"))
    assert [r["year"] for r in rounds] == [2021, 2020, 2019]
    assert rounds[0]["published_run"] == world["run"].pk
    groups = get_json(client, reverse("api:groups"))
    assert [g["code"] for g in groups] == ["department", "district"]
    units = get_json(client, reverse("api:units"))
    assert {u["code"] for u in units} == {u.code for u in world["units"]}
    assert units[0]["group"] == "department"


def test_results_equal_the_published_runs_figures_with_domains(world, client):
    data = get_json(client, reverse("api:results", args=[2021]))
    results = {r.unit.code: r for r in UnitResult.objects.filter(run=world["run"]).select_related("unit")}
    assert len(data) == len(results)
    for item in data:
        r = results[item["unit"]]
        assert item["run"] == world["run"].pk and item["year"] == 2021
        for field in (
            "self_total",
            "appraised_total",
            "cs_points",
            "sipas_points",
            "total",
            "applicable_max",
            "index_pct",
        ):
            assert Decimal(item[field]) == getattr(r, field), field
        assert (item["rank"], item["band"]) == (r.rank, r.band)
        assert [(d["code"], d["points"], d["max"], d["pct"]) for d in item["domains"]] == [
            (d["code"], d["points"], d["max"], d["pct"]) for d in r.breakdown["domains"]
        ]
        # The domains add up to the unit's total and applicable maximum.
        assert sum(Decimal(d["points"]) for d in item["domains"]) == Decimal(item["total"])
        assert sum(Decimal(d["max"]) for d in item["domains"]) == Decimal(item["applicable_max"])
    only = get_json(client, reverse("api:results", args=[2021]) + "?group=district")
    assert {i["group"] for i in only} == {"district"} and len(only) == 2


def test_result_detail_has_criteria_with_parent_codes(world, client):
    r = UnitResult.objects.filter(run=world["run"]).select_related("unit").first()
    item = get_json(client, reverse("api:result", args=[2021, r.unit.code]))
    assert item["unit"] == r.unit.code
    first = r.breakdown["criteria"][0]
    assert item["criteria"][0]["code"] == first["code"] and Decimal(item["criteria"][0]["lost"]) == Decimal(
        first["lost"]
    )
    assert item["criteria"][0]["parent_code"] == "1"


def test_api_never_shows_an_unpublished_run(world, client):
    newer = make_run(round=world["round"], published=False, seed=1234)
    unpublished_only = RoundFactory(year=2022)
    hidden = make_run(round=unpublished_only, units=[], published=False, seed=5)
    rounds = get_json(client, reverse("api:rounds"))
    assert 2022 not in [r["year"] for r in rounds]
    assert rounds[0]["published_run"] == world["run"].pk
    body = json.dumps(get_json(client, reverse("api:results", args=[2021])))
    assert f'"run": {newer.pk}' not in body and f'"run": {world["run"].pk}' in body
    # Every figure is the published run's, none the newer run's where they differ.
    published = {r.unit.code: r.index_pct for r in UnitResult.objects.filter(run=world["run"]).select_related("unit")}
    unpublished = {r.unit.code: r.index_pct for r in UnitResult.objects.filter(run=newer).select_related("unit")}
    assert published != unpublished
    for item in json.loads(body):
        assert Decimal(item["index_pct"]) == published[item["unit"]]
    for code in published:
        detail = get_json(client, reverse("api:result", args=[2021, code]))
        assert detail["run"] == world["run"].pk
    assert client.get(reverse("api:results", args=[2022])).status_code == 404
    assert f'"published_run": {hidden.pk}' not in json.dumps(rounds)


def test_round_with_only_an_unpublished_run_is_404(world, client):
    rnd = RoundFactory(year=2022)
    make_run(round=rnd, units=[], published=False)
    assert client.get(reverse("api:results", args=[2022])).status_code == 404
    assert client.get(reverse("api:result", args=[2022, world["units"][0].code])).status_code == 404


def test_api_is_read_only(world, client):
    for url in (reverse("api:rounds"), reverse("api:results", args=[2021])):
        assert client.post(url, {}).status_code == 405
        assert client.delete(url).status_code == 405


def test_openapi_schema_is_served_and_valid(db, client):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert "/api/rounds/{year}/results/" in schema["paths"]
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    validate_schema(SchemaGenerator().get_schema(request=None, public=True))


def _json_schema(node, components):
    """An OpenAPI 3.0 schema object as plain JSON Schema: $refs inlined, ``nullable`` as a null type."""
    if isinstance(node, list):
        return [_json_schema(n, components) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    out = {k: _json_schema(v, components) for k, v in node.items() if k not in ("nullable", "readOnly", "format")}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def test_api_responses_match_their_published_schema(world, client):
    import jsonschema

    schema = yaml.safe_load(client.get(reverse("api:schema")).content)
    components = schema["components"]["schemas"]
    unit = world["units"][0].code
    for path, url in (
        ("/api/rounds/", reverse("api:rounds")),
        ("/api/groups/", reverse("api:groups")),
        ("/api/units/", reverse("api:units")),
        ("/api/rounds/{year}/results/", reverse("api:results", args=[2021])),
        ("/api/rounds/{year}/results/{unit}/", reverse("api:result", args=[2021, unit])),
    ):
        response_schema = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        jsonschema.validate(get_json(client, url), _json_schema(response_schema, components))
