"""Shapes of the open-data API: published results only."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import RankingGroup, Round, Unit
from rankings.models import UnitResult


class RoundSerializer(serializers.ModelSerializer):
    published_run = serializers.SerializerMethodField(help_text="Id of the latest published run of the round.")
    published_at = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = ["year", "title", "published_run", "published_at"]

    def _run(self, obj):
        return self.context["published_runs"].get(obj.pk)

    def get_published_run(self, obj) -> int | None:
        run = self._run(obj)
        return run.pk if run else None

    def get_published_at(self, obj) -> str | None:
        run = self._run(obj)
        return run.published_at.isoformat() if run and run.published_at else None


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = RankingGroup
        fields = ["code", "name", "display_order"]


class UnitSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Unit
        fields = ["code", "name", "group", "display_order", "active"]


class BreakdownItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2)
    max = serializers.DecimalField(max_digits=7, decimal_places=2)
    pct = serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True, help_text="Null where nothing was applicable (maximum 0)."
    )


class CriterionItemSerializer(BreakdownItemSerializer):
    parent_code = serializers.CharField(allow_null=True)
    lost = serializers.DecimalField(max_digits=7, decimal_places=2)


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ResultSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="run.round.year")
    run = serializers.IntegerField(source="run_id")
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    group = serializers.CharField(source="group.code")
    warnings = serializers.SerializerMethodField()
    domains = serializers.SerializerMethodField()

    class Meta:
        model = UnitResult
        fields = [
            "year",
            "run",
            "unit",
            "unit_name",
            "group",
            "self_total",
            "appraised_total",
            "cs_points",
            "sipas_points",
            "total",
            "applicable_max",
            "index_pct",
            "rank",
            "band",
            "provisional",
            "warnings",
            "domains",
            "survey_margin",
            "index_low",
            "index_high",
            "rank_best",
            "rank_worst",
            "small_sample",
        ]

    @extend_schema_field(WarningSerializer(many=True))
    def get_warnings(self, obj) -> list[dict]:
        return [{"code": str(w.get("code", "")), "message": str(w.get("message", ""))} for w in (obj.warnings or [])]

    @extend_schema_field(BreakdownItemSerializer(many=True))
    def get_domains(self, obj) -> list[dict]:
        return [
            {k: d.get(k) for k in ("code", "name", "points", "max", "pct")}
            for d in (obj.breakdown or {}).get("domains", [])
        ]


class ResultDetailSerializer(ResultSerializer):
    criteria = serializers.SerializerMethodField()

    class Meta(ResultSerializer.Meta):
        fields = [*ResultSerializer.Meta.fields, "criteria"]

    @extend_schema_field(CriterionItemSerializer(many=True))
    def get_criteria(self, obj) -> list[dict]:
        criteria = (obj.breakdown or {}).get("criteria", [])
        codes = {c.get("node_id"): c.get("code") for c in criteria}
        codes.update({d.get("node_id"): d.get("code") for d in (obj.breakdown or {}).get("domains", [])})
        return [
            {
                **{k: c.get(k) for k in ("code", "name", "points", "max", "pct", "lost")},
                "parent_code": codes.get(c.get("parent_id")),
            }
            for c in criteria
        ]
