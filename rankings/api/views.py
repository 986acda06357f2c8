"""Read-only open-data API: only the latest published run of each round is ever served.

Every view names its access rule (``rule``), checked by ``parindex.api_permissions.HasRule`` (the default
permission class in settings).
"""

from dataclasses import dataclass

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from assessments.models import RankingGroup, Round, Unit
from rankings.api import serializers as s
from rankings.dashboard.selectors import latest_published_runs
from rankings.models import UnitResult
from rankings.selectors import breakdowns_for, round_by_year, run_for


class RoundList(generics.ListAPIView):
    """Rounds with published results."""

    rule = "can_read_open_data"
    serializer_class = s.RoundSerializer
    pagination_class = None

    def get_queryset(self):
        self.runs = latest_published_runs()
        return Round.objects.filter(pk__in=list(self.runs)).order_by("-year")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "published_runs": getattr(self, "runs", {})}


class GroupList(generics.ListAPIView):
    rule = "can_read_open_data"
    serializer_class = s.GroupSerializer
    pagination_class = None
    queryset = RankingGroup.objects.order_by("display_order", "code")


class UnitList(generics.ListAPIView):
    rule = "can_read_open_data"
    serializer_class = s.UnitSerializer
    pagination_class = None
    queryset = Unit.objects.select_related("group").order_by("group__display_order", "display_order", "code")


def _published_results(*, user, year: int):
    """The results of the round's latest published run, read through the same selectors as the pages."""
    run = run_for(user=user, round=round_by_year(year=year))  # never a provisional run: none is asked for
    if run is None:
        raise Http404("no published results for this round")
    return (
        UnitResult.objects.filter(run=run)
        .select_related("run__round", "unit", "group")
        .order_by("group__display_order", "rank", "display_order", "unit__code")
    )


class ResultList(generics.ListAPIView):
    """Results of every unit in the round's latest published run, with per-domain scores."""

    rule = "can_read_open_data"
    serializer_class = s.ResultSerializer
    pagination_class = None

    def get_queryset(self):
        qs = _published_results(user=self.request.user, year=self.kwargs["year"])
        group = self.request.query_params.get("group")
        return qs.filter(group__code=group) if group else qs

    def filter_queryset(self, queryset):
        # Every result's domains read in one query, not one per result.
        return breakdowns_for(super().filter_queryset(queryset))

    @extend_schema(parameters=[OpenApiParameter("group", str, description="Ranking group code, e.g. department")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ResultDetail(generics.RetrieveAPIView):
    """One unit's published result with domain and criterion breakdown."""

    rule = "can_read_open_data"
    serializer_class = s.ResultDetailSerializer
    lookup_field = "unit__code"
    lookup_url_kwarg = "unit"

    def get_queryset(self):
        return _published_results(user=self.request.user, year=self.kwargs["year"])


@dataclass
class Endpoint:
    path: str
    description: str
    parameters: list[dict]
    fields: list[tuple[str, str]]  # the response's fields: name and type


def _fields(schema: dict, components: dict) -> list[tuple[str, str]]:
    if "items" in schema:  # a list (paginated or not) of one kind of record
        schema = schema["items"]
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if "results" in schema.get("properties", {}):
        return _fields(schema["properties"]["results"], components)
    return [(name, prop.get("type") or "object") for name, prop in schema.get("properties", {}).items()]


def api_docs(request):
    """The API's endpoints, parameters and fields, read from the same OpenAPI schema as /api/schema/ (a page
    of our own: the Swagger and ReDoc viewers load scripts from CDNs, which the CSP forbids)."""
    from django.shortcuts import render
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    endpoints = []
    for path, operations in schema["paths"].items():
        op = operations.get("get", {})
        body = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        endpoints.append(Endpoint(path, op.get("description", ""), op.get("parameters", []), _fields(body, components)))
    return render(request, "rankings/api_docs.html", {"info": schema["info"], "endpoints": endpoints})
