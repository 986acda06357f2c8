"""Factories and a small framework used across the suite.

``MINI_FRAMEWORK`` is a complete, valid framework of 10 points (self 7, civil-servant survey 1,
SIPAS 2) with one leaf of every rule type, an N/A leaf and an evidence-required leaf.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from assessments.models import Assessment, Framework, Node, RankingGroup, Round, Unit
from parindex.models import User

PASSWORD = "Mat-khau-thu-nghiem-1"

MINI_FRAMEWORK: list[dict] = [
    {"code": "1", "parent": None, "level": "domain", "name": "Chỉ đạo, điều hành", "max": "6.00"},
    {"code": "1.1", "parent": "1", "level": "criterion", "name": "Kế hoạch CCHC", "max": "4.00"},
    {
        "code": "1.1.1",
        "parent": "1.1",
        "level": "sub_criterion",
        "name": "Ban hành kế hoạch",
        "max": "2.00",
        "source": "self",
        "rule": "levels",
        "params": {
            "levels": [
                {"label": "Không ban hành", "points": "0"},
                {"label": "Ban hành muộn", "points": "1.00"},
                {"label": "Ban hành đúng hạn", "points": "2.00"},
            ]
        },
    },
    {
        "code": "1.1.2",
        "parent": "1.1",
        "level": "sub_criterion",
        "name": "Tỷ lệ hoàn thành kế hoạch",
        "max": "2.00",
        "source": "self",
        "rule": "ratio",
        "params": {},
    },
    {
        "code": "1.2",
        "parent": "1",
        "level": "criterion",
        "name": "Sáng kiến CCHC",
        "max": "2.00",
        "source": "self",
        "rule": "manual",
        "params": {"step": "0.25"},
        "na_allowed": True,
    },
    {"code": "2", "parent": None, "level": "domain", "name": "Thủ tục hành chính", "max": "2.00"},
    {
        "code": "2.1",
        "parent": "2",
        "level": "criterion",
        "name": "Hồ sơ trễ hạn",
        "max": "1.00",
        "source": "self",
        "rule": "deduction",
        "params": {"per_item": "0.25"},
        "evidence_required": True,
    },
    {
        "code": "2.2",
        "parent": "2",
        "level": "criterion",
        "name": "Đánh giá của công chức",
        "max": "1.00",
        "source": "cs_survey",
    },
    {"code": "3", "parent": None, "level": "domain", "name": "SIPAS", "max": "2.00", "source": "sipas"},
]


def build_framework(*, round: Round, group: RankingGroup, rows: list[dict] | None = None, title: str = "") -> Framework:
    """Create a framework from rows shaped like MINI_FRAMEWORK; targets are taken from the rows."""
    rows = rows if rows is not None else MINI_FRAMEWORK
    by_source = {"self": Decimal(0), "cs_survey": Decimal(0), "sipas": Decimal(0)}
    parents = {r["parent"] for r in rows}
    for r in rows:
        if r["code"] not in parents:
            by_source[r.get("source", "self")] += Decimal(r["max"])
    fw = Framework.objects.create(
        round=round,
        group=group,
        title=title or f"Bộ tiêu chí {group.name} {round.year}",
        target_total=sum(by_source.values()),
        target_self=by_source["self"],
        target_cs_survey=by_source["cs_survey"],
        target_sipas=by_source["sipas"],
    )
    nodes: dict[str, Node] = {}
    for i, r in enumerate(rows):
        nodes[r["code"]] = Node.objects.create(
            framework=fw,
            parent=nodes.get(r["parent"]) if r["parent"] else None,
            level=r["level"],
            code=r["code"],
            name=r["name"],
            max_points=Decimal(r["max"]),
            order=i,
            source=r.get("source", ""),
            rule=r.get("rule", ""),
            params=r.get("params", {}),
            na_allowed=r.get("na_allowed", False),
            evidence_required=r.get("evidence_required", False),
            guidance=r.get("guidance", ""),
        )
    return fw


class RankingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RankingGroup
        django_get_or_create = ("code",)

    code = "department"
    name = "Sở, ban, ngành"
    display_order = 1


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    group = factory.SubFactory(RankingGroupFactory)
    display_order = factory.Sequence(lambda n: n)


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round
        django_get_or_create = ("year",)

    year = 2021
    title = factory.LazyAttribute(lambda o: f"Chỉ số CCHC năm {o.year}")
    status = "open"
    self_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    explanation_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=60))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.LazyAttribute(lambda o: o.username)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def add_to_round(*, round: Round, unit: Unit) -> Assessment:
    """Put a unit in scope for a round (its assessment, in draft)."""
    return Assessment.objects.get_or_create(round=round, unit=unit, defaults={"group": unit.group})[0]
