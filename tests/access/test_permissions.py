"""The named rules of parindex/permissions.py, persona by persona (fixed personas of tests/conftest.py)."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template

from parindex import permissions as can
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "nobody", "officer_a", "officer_b", "appraiser", "leader", "admin_user")


@pytest.fixture
def person(request):
    def get(name):
        if name == "anonymous":
            return AnonymousUser()
        if name == "nobody":
            return UserFactory(username="nobody")
        return request.getfixturevalue(name)

    return get


def holders(rule, person, obj=None) -> set[str]:
    return {name for name in PERSONAS if rule(person(name), obj)}


def test_provisional_results_are_one_rule_admins_and_appraisers(person, round_2021):
    assert holders(can.can_see_provisional, person, round_2021) == {"appraiser", "admin_user"}


def test_a_superuser_without_the_flag_is_an_admin(round_2021):
    root = UserFactory(username="root", is_superuser=True)
    assert can.can_publish_run(root) and can.can_see_provisional(root, round_2021)


def test_assessment_rules_by_persona(person, assessment_a):
    assert holders(can.can_view_assessment, person, assessment_a) == {"officer_a", "appraiser", "leader", "admin_user"}
    assert holders(can.can_edit_self_scores, person, assessment_a) == {"officer_a"}
    assert holders(can.can_appraise, person, assessment_a) == {"appraiser"}
    assert holders(can.can_see_leaf_history, person, assessment_a) == {"appraiser", "admin_user"}
    assert holders(can.can_finalise_assessment, person, assessment_a) == {"admin_user"}
    assert holders(can.can_download_evidence, person, assessment_a) == {
        "officer_a",
        "appraiser",
        "leader",
        "admin_user",
    }


def test_officer_reads_the_appraisal_only_once_final(person, assessment_a):
    assert "officer_a" not in holders(can.can_see_appraisal, person, assessment_a)
    assessment_a.state = "finalised"
    assert holders(can.can_see_appraisal, person, assessment_a) == {"officer_a", "appraiser", "leader", "admin_user"}


def test_result_rules_by_persona(person, unit_a):
    assert holders(can.can_read_dashboards, person) == {"appraiser", "leader", "admin_user"}
    assert holders(can.can_read_ranking, person) == {"officer_a", "officer_b", "appraiser", "leader", "admin_user"}
    assert holders(can.can_read_unit_results, person, unit_a) == {"officer_a", "appraiser", "leader", "admin_user"}
    assert holders(can.can_compute_index, person) == {"appraiser", "admin_user"}
    assert holders(can.can_publish_run, person) == {"admin_user"}
    assert holders(can.can_manage_surveys, person) == {"admin_user"}
    assert holders(can.can_read_open_data, person) == set(PERSONAS)


def test_every_rule_is_registered_by_name_for_templates_and_has_perm(officer_a, assessment_a):
    for name in can.RULES:
        assert rules.rule_exists(name), name
        assert rules.perm_exists(f"parindex.{name}"), name
    assert officer_a.has_perm("parindex.can_edit_self_scores", assessment_a)
    assert not officer_a.has_perm("parindex.can_publish_run")


def test_templates_ask_the_same_rule(officer_a, officer_b, assessment_a):
    template = Template('{% load rules %}{% test_rule "can_edit_self_scores" user obj as ok %}{{ ok }}')
    assert template.render(Context({"user": officer_a, "obj": assessment_a})) == "True"
    assert template.render(Context({"user": officer_b, "obj": assessment_a})) == "False"


def test_no_code_reads_role_flags_to_decide_access_outside_the_rules():
    """The role flags are read by parindex/permissions.py only (and by forms, admin and fixtures that set them)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    allowed = {"parindex/permissions.py", "parindex/models.py", "parindex/admin.py"}
    offenders = []
    for path in [*root.glob("*/**/*.py"), *root.glob("*/**/*.html")]:
        rel = path.relative_to(root).as_posix()
        if rel.startswith((".venv/", "tests/", "bench/")) or "/migrations/" in rel or rel in allowed:
            continue
        if "demo" in rel or "/management/" in rel:  # create users with roles, decide no access
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        for flag in (
            "user.is_officer",
            "user.is_appraiser",
            "user.is_leader",
            "user.is_par_admin",
            "is_admin_role",
            "can_read_results",
            "user.is_superuser",
        ):
            if flag in text:
                offenders.append(f"{rel}: {flag}")
    assert not offenders, offenders


def test_api_views_name_their_rule_and_one_without_is_refused():
    """HasRule (the API's default permission class) asks the view's named rule; no rule is an error, never open."""
    from django.urls import get_resolver
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from parindex.api_permissions import HasRule

    checked = []
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) == "api":
            for p in pattern.url_patterns:
                view = getattr(p.callback, "view_class", None)
                if view is not None and any(isinstance(perm, HasRule) for perm in view().get_permissions()):
                    assert rules.rule_exists(view.rule), p.name
                    checked.append(p.name)
    assert {"rounds", "groups", "units", "results", "result"} <= set(checked)
    request = APIRequestFactory().get("/")
    with pytest.raises(AssertionError):
        HasRule().has_permission(request, APIView())


def test_the_assessment_scope_in_sql_is_the_can_view_assessment_rule(person, assessment_a, assessment_b):
    """assessments_visible_to (the queryset the selectors start from) lets through exactly what the rule allows."""
    from assessments.models import Assessment
    from assessments.selectors import assessments_visible_to

    for name in PERSONAS:
        user = person(name)
        by_rule = {a.pk for a in Assessment.objects.all() if can.can_view_assessment(user, a)}
        assert set(assessments_visible_to(user).values_list("pk", flat=True)) == by_rule, name
