"""The demo base matches REFERENCE.md (An Giang 2021, departments) and loads idempotently."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.demo import DEMO_PASSWORD, load_demo_base
from assessments.models import Assessment, Framework, Node, RankingGroup, Round, Unit
from assessments.validation import validate_framework
from parindex.models import User

# REFERENCE.md table: (criteria, sub-criteria, points) per domain 1–9.
REFERENCE = [
    (5, 8, "13"),
    (3, 8, "8.5"),
    (4, 11, "12"),
    (3, 9, "8"),
    (4, 11, "10.5"),
    (3, 6, "6"),
    (5, 14, "14"),
    (5, 2, "4"),
    (0, 0, "24"),
]


@pytest.fixture
def demo(db):
    return load_demo_base()


def _per_domain(framework):
    rows = []
    for domain in Node.objects.filter(framework=framework, parent=None).order_by("order"):
        criteria = Node.objects.filter(parent=domain)
        subs = Node.objects.filter(parent__in=criteria)
        rows.append((criteria.count(), subs.count(), domain.max_points))
    return rows


def test_department_framework_matches_the_reference_table(demo):
    fw = Framework.objects.get(round__year=2021, group__code="department")
    assert _per_domain(fw) == [(c, s, Decimal(p)) for c, s, p in REFERENCE]
    report = validate_framework(fw)
    assert (report.domains, report.criteria, report.sub_criteria) == (9, 32, 69)
    assert report.max_total == Decimal("100")
    assert report.by_source == {"self": Decimal("60"), "cs_survey": Decimal("16"), "sipas": Decimal("24")}
    assert "(minh họa)" in fw.title


def test_survey_leaves_sit_where_the_reference_puts_them(demo):
    fw = Framework.objects.get(round__year=2021, group__code="department")
    sipas = Node.objects.filter(framework=fw, source="sipas")
    assert [(n.code, n.level, n.max_points) for n in sipas] == [("9", "domain", Decimal("24"))]
    cs_leaves = Node.objects.filter(framework=fw, source="cs_survey")
    assert {n.code.split(".")[0] for n in cs_leaves} == {str(d) for d in range(1, 9)}


def test_self_leaves_use_every_rule_with_na_and_evidence(demo):
    fw = Framework.objects.get(round__year=2021, group__code="department")
    self_leaves = Node.objects.filter(framework=fw, source="self")
    assert set(self_leaves.values_list("rule", flat=True)) == {"levels", "ratio", "deduction", "manual"}
    assert self_leaves.filter(rule="ratio").exclude(params={}).exists()  # ratio with bands
    assert self_leaves.filter(rule="ratio", params={}).exists()  # plain ratio
    assert self_leaves.filter(na_allowed=True).count() >= 5
    assert self_leaves.filter(evidence_required=True).count() > self_leaves.count() // 2
    assert not self_leaves.filter(guidance="").exists()


def test_every_demo_framework_is_valid_with_the_same_split(demo):
    frameworks = Framework.objects.all()
    assert {(f.round.year, f.group.code) for f in frameworks} == {
        (y, g) for y in (2019, 2020, 2021) for g in ("department", "district")
    }
    for fw in frameworks:
        report = validate_framework(fw)
        assert report.errors == [], (fw, report.errors)
        assert report.by_source == {"self": Decimal("60"), "cs_survey": Decimal("16"), "sipas": Decimal("24")}


def test_units_rounds_and_scope(demo):
    assert list(RankingGroup.objects.values_list("code", flat=True)) == ["department", "district"]
    assert Unit.objects.filter(group__code="department").count() == 17
    assert Unit.objects.filter(group__code="district").count() == 11
    assert list(Unit.objects.filter(group__code="district").values_list("code", flat=True))[:3] == ["883", "884", "886"]
    current = Round.objects.get(year=2021)
    assert current.status == "open"
    for year in (2019, 2020, 2021):
        assert Assessment.objects.filter(round__year=year).count() == 28
    assert set(Round.objects.filter(year__in=(2019, 2020)).values_list("status", flat=True)) == {"closed"}
    stp = Assessment.objects.get(round=current, unit__code="883")
    assert stp.group.code == "district"


def test_demo_deadlines_of_the_open_round_are_in_the_future(demo):
    from django.utils import timezone

    current = Round.objects.get(year=2021)
    assert current.self_deadline > timezone.now()
    assert current.explanation_deadline > current.self_deadline
    assert Round.objects.get(year=2020).self_deadline < timezone.now()


def test_demo_accounts_log_in_with_their_roles(demo, client):
    roles = {
        "admin": "is_par_admin",
        "thamdinh": "is_appraiser",
        "lanhdao": "is_leader",
        "canbo_stp": "is_officer",
        "canbo_lx": "is_officer",
    }
    for username, flag in roles.items():
        user = User.objects.get(username=username)
        assert getattr(user, flag)
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response.url == reverse("home"), username
        assert client.get(reverse("home")).status_code == 200
        client.logout()
    assert User.objects.get(username="canbo_stp").unit.code == "STP"
    assert User.objects.get(username="canbo_lx").unit.code == "883"
    assert User.objects.get(username="admin").is_superuser


def test_load_demo_twice_changes_nothing(db, capsys):
    call_command("load_demo")
    first = capsys.readouterr().out
    assert "canbo_stp" in first and DEMO_PASSWORD in first
    counts = [m.objects.count() for m in (Unit, Round, Framework, Node, Assessment, User)]
    deadline = Round.objects.get(year=2021).self_deadline
    call_command("load_demo")
    assert [m.objects.count() for m in (Unit, Round, Framework, Node, Assessment, User)] == counts
    assert Round.objects.get(year=2021).self_deadline == deadline
    assert load_demo_base()["created"] == 0
