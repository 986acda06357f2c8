"""The officer's form: contents and progress, filters, conflicts that keep the typed value, last year's points,
the explanation round and the appraiser's N/A control (issue 12)."""

import re

from django.urls import reverse

from assessments.models import LeafScore
from assessments.services import workflow
from tests.assessments.factories import (
    fill,
    finalised,
    in_appraisal,
    leaf,
    save_app,
    save_self,
)
from tests.factories import RoundFactory, UserFactory, add_to_round, build_framework

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail(a, query=""):
    return reverse("assessments:detail", args=[a.pk]) + query


def self_url(a, code):
    return reverse("assessments:leaf_self", args=[a.pk, leaf(a, code).pk])


def self_post(a, code, version, **fields):
    node = leaf(a, code)
    return {f"s{node.pk}-version": version, **{f"s{node.pk}-{k}": v for k, v in fields.items()}}


def test_contents_show_progress_per_domain_and_overall(client_for, officer_a, assessment_a):
    save_self(officer_a, assessment_a, "1.1.1")
    html = client_for(officer_a).get(detail(assessment_a)).content.decode()
    d1 = leaf(assessment_a, "1.1.1").parent.parent
    # domain 1 holds three self leaves (1.1.1, 1.1.2, 1.2), one done; domain 2 one (2.1), none done
    assert re.search(rf'id="toc-progress-{d1.pk}">1/3<', html)
    assert re.search(r'<progress id="overall-progress" max="4" value="1">', html)
    assert (
        f'href="{detail(assessment_a)}?open={d1.pk}#leaf-{leaf(assessment_a, "1.1.2").pk}"' in html
    )  # next unfinished


def test_page_opens_at_the_domain_of_the_first_unfinished_criterion(client_for, officer_a, assessment_a):
    for code in ("1.1.1", "1.1.2", "1.2"):
        save_self(officer_a, assessment_a, code)
    html = client_for(officer_a).get(detail(assessment_a)).content.decode()
    d1, d2 = leaf(assessment_a, "1.1.1").parent.parent, leaf(assessment_a, "2.1").parent
    assert re.search(rf'<details class="domain-box" id="domain-{d2.pk}" open>', html)
    assert re.search(rf'<details class="domain-box" id="domain-{d1.pk}">', html)


def test_unfinished_filter_leaves_out_finished_criteria(client_for, officer_a, assessment_a):
    save_self(officer_a, assessment_a, "1.1.1")
    html = client_for(officer_a).get(detail(assessment_a, "?show=unfinished")).content.decode()
    assert f'id="leaf-{leaf(assessment_a, "1.1.1").pk}"' not in html
    assert f'id="leaf-{leaf(assessment_a, "1.1.2").pk}"' in html
    assert f'id="leaf-{leaf(assessment_a, "2.2").pk}"' not in html  # survey leaves are never unfinished


def test_missing_evidence_filter_shows_scored_leaf_without_evidence(client_for, officer_a, assessment_a):
    save_self(officer_a, assessment_a, "2.1")  # scored, evidence required, none attached nor explained
    save_self(officer_a, assessment_a, "1.1.1")
    html = client_for(officer_a).get(detail(assessment_a, "?show=evidence")).content.decode()
    assert f'id="leaf-{leaf(assessment_a, "2.1").pk}"' in html
    assert f'id="leaf-{leaf(assessment_a, "1.1.1").pk}"' not in html


def test_changed_by_appraiser_filter(client_for, officer_a, appraiser, assessment_a):
    in_appraisal(officer_a, appraiser, assessment_a)
    save_app(appraiser, assessment_a, "1.1.1", {"level": "0"}, note="Ban hành trễ")
    html = client_for(appraiser).get(detail(assessment_a, "?show=changed")).content.decode()
    assert f'id="leaf-{leaf(assessment_a, "1.1.1").pk}"' in html
    assert f'id="leaf-{leaf(assessment_a, "1.1.2").pk}"' not in html


def test_htmx_save_answers_a_fragment_with_status_and_updated_contents(client_for, officer_a, assessment_a):
    r = client_for(officer_a).post(
        self_url(assessment_a, "1.1.1"), self_post(assessment_a, "1.1.1", 0, level="2"), **HTMX
    )
    html = r.content.decode()
    assert "<html" not in html and len(html) < 30_000
    assert re.search(r"data-save-status>đã lưu lúc \d\d:\d\d<", html)
    assert '<nav class="contents card" id="contents" aria-labelledby="contents-title" hx-swap-oob="true">' in html
    assert re.search(r'<progress id="overall-progress" max="4" value="1">', html)


def test_conflict_keeps_the_typed_value_and_shows_the_other_value(client_for, officer_a, assessment_a, unit_a):
    colleague = UserFactory(username="colleague", full_name="Trần Văn Bình", is_officer=True, unit=unit_a)
    save_self(colleague, assessment_a, "1.1.2", {"numerator": "1", "denominator": "2"})  # version 0 → 1
    node = leaf(assessment_a, "1.1.2")
    r = client_for(officer_a).post(
        self_url(assessment_a, "1.1.2"), self_post(assessment_a, "1.1.2", 0, numerator="3", denominator="7"), **HTMX
    )
    html = r.content.decode()
    assert 'class="conflict" role="alert"' in html and "Trần Văn Bình" in html and "1/2 → 1,00" in html
    assert re.search(rf'name="s{node.pk}-numerator" value="3"', html)  # the typed value is still in the form
    assert re.search(rf'name="s{node.pk}-version" value="1"', html)  # a deliberate save now replaces theirs
    assert "data-conflict" in html  # the script will not autosave over it
    assert LeafScore.objects.get(assessment=assessment_a, node=node).self_inputs == {"numerator": 1, "denominator": 2}


def test_conflict_without_javascript_renders_the_page_with_the_typed_value(client_for, officer_a, assessment_a, unit_a):
    colleague = UserFactory(username="colleague", is_officer=True, unit=unit_a)
    save_self(colleague, assessment_a, "1.1.2", {"numerator": "1", "denominator": "2"})
    node = leaf(assessment_a, "1.1.2")
    r = client_for(officer_a).post(
        self_url(assessment_a, "1.1.2"), self_post(assessment_a, "1.1.2", 0, numerator="3", denominator="7")
    )
    html = r.content.decode()
    assert r.status_code == 200 and "<html" in html and 'class="conflict"' in html
    assert re.search(rf'name="s{node.pk}-numerator" value="3"', html)


def test_appraisal_form_has_no_na_decision_where_the_unit_claimed_none(client_for, officer_a, appraiser, assessment_a):
    in_appraisal(officer_a, appraiser, assessment_a)
    node = leaf(assessment_a, "1.2")  # N/A allowed, but the unit scored it
    score = LeafScore.objects.get(assessment=assessment_a, node=node)
    assert not score.self_na
    url = reverse("assessments:leaf_appraisal", args=[assessment_a.pk, node.pk])
    # an invalid value re-renders the form: it must not grow an N/A decision select
    r = client_for(appraiser).post(url, {f"a{node.pk}-version": score.version, f"a{node.pk}-points": "9"}, **HTMX)
    html = r.content.decode()
    assert "errorlist" in html
    assert f'name="a{node.pk}-na_decision"' not in html


def test_last_years_finalised_points_are_shown_beside_the_criterion(
    client_for, officer_a, appraiser, admin_user, assessment_a, unit_a, department_group
):
    finalised(officer_a, appraiser, admin_user, assessment_a)
    next_round = RoundFactory(year=2022)
    build_framework(round=next_round, group=department_group)
    current = add_to_round(round=next_round, unit=unit_a)
    html = client_for(officer_a).get(detail(current)).content.decode()
    score = LeafScore.objects.get(assessment=assessment_a, node=leaf(assessment_a, "1.1.2"))
    expected = f"{score.app_points:.2f}".replace(".", ",")
    card = html[html.index(f'id="leaf-{leaf(current, "1.1.2").pk}"') :]
    assert re.search(rf'Kết quả chốt năm 2021[^<]*: <strong class="last-year-points">{expected}</strong>', card)


def test_no_last_year_when_the_previous_round_is_not_finalised(
    client_for, officer_a, assessment_a, unit_a, department_group
):
    fill(officer_a, assessment_a)
    next_round = RoundFactory(year=2022)
    build_framework(round=next_round, group=department_group)
    current = add_to_round(round=next_round, unit=unit_a)
    assert "last-year-points" not in client_for(officer_a).get(detail(current)).content.decode()


def test_explanation_round_lists_flagged_criteria_and_shows_the_appraisers_view(
    client_for, officer_a, appraiser, assessment_a
):
    in_appraisal(officer_a, appraiser, assessment_a)
    save_app(appraiser, assessment_a, "1.1.2", {"numerator": 1, "denominator": 4}, note="Chỉ 1/4 kế hoạch")
    save_app(
        appraiser, assessment_a, "1.1.2", flagged=True, flag_request="Gửi báo cáo tổng kết", note="Chỉ 1/4 kế hoạch"
    )
    workflow.assessment_request_explanations(user=appraiser, assessment_id=assessment_a.pk)
    html = client_for(officer_a).get(detail(assessment_a)).content.decode()
    node = leaf(assessment_a, "1.1.2")
    banner = html[html.index('class="notice explanation-banner"') :]
    assert f'?open={node.parent.parent_id}#leaf-{node.pk}"' in banner[:2000]
    card = html[html.index(f'id="leaf-{node.pk}"') :]
    assert '<dd class="app-points-for-unit">0,50</dd>' in card
    assert "Chỉ 1/4 kế hoạch" in card and "Gửi báo cáo tổng kết" in card
    # only flagged criteria are editable
    assert f'name="s{leaf(assessment_a, "1.1.1").pk}-level"' not in html
    assert f'name="s{node.pk}-explanation"' in html


def test_other_units_officer_cannot_see_the_previous_years_points(client_for, officer_b, assessment_a, assessment_b):
    assert client_for(officer_b).get(detail(assessment_a)).status_code == 404


# --- submit with a summary -------------------------------------------------------------------------------


def review(a):
    return reverse("assessments:submit_review", args=[a.pk])


def test_submit_review_of_an_incomplete_draft_counts_and_links_each_unfinished_criterion(
    client_for, officer_a, assessment_a
):
    save_self(officer_a, assessment_a, "1.1.1")
    save_self(officer_a, assessment_a, "2.1")  # scored, evidence neither attached nor explained
    html = client_for(officer_a).get(review(assessment_a)).content.decode()
    summary = html[html.index('class="error-summary"') : html.index("</ul>", html.index('class="error-summary"'))]
    assert "3 tiêu chí chưa xong" in summary
    for code in ("1.1.2", "1.2", "2.1"):
        assert f'#leaf-{leaf(assessment_a, code).pk}"' in summary, code
    assert f'#leaf-{leaf(assessment_a, "1.1.1").pk}"' not in summary
    assert re.search(r'<button type="submit" class="primary" data-action="submit" disabled', html)


def test_submit_review_of_a_complete_draft_lists_na_claims_and_missing_evidence_then_submits(
    client_for, officer_a, assessment_a
):
    save_self(officer_a, assessment_a, "1.1.1")
    save_self(officer_a, assessment_a, "1.1.2")
    save_self(officer_a, assessment_a, "1.2", None, na=True, na_reason="Năm nay không có sáng kiến")
    save_self(officer_a, assessment_a, "2.1", evidence_absence_note="Không có hồ sơ trễ hạn để lưu")
    c = client_for(officer_a)
    html = c.get(review(assessment_a)).content.decode()
    assert "error-summary" not in html
    assert "Năm nay không có sáng kiến" in html and "Không có hồ sơ trễ hạn để lưu" in html
    assessment_a.refresh_from_db()
    r = c.post(reverse("assessments:transition", args=[assessment_a.pk, "submit"]), {"version": assessment_a.version})
    assert r.status_code == 302
    assessment_a.refresh_from_db()
    assert assessment_a.state == "submitted"


def test_detail_page_leads_to_the_review_instead_of_submitting_at_once(client_for, officer_a, assessment_a):
    html = client_for(officer_a).get(detail(assessment_a)).content.decode()
    assert f'href="{review(assessment_a)}"' in html
    assert reverse("assessments:transition", args=[assessment_a.pk, "submit"]) not in html


def test_appraiser_cannot_open_the_submit_review(client_for, appraiser, assessment_a):
    assert client_for(appraiser).get(review(assessment_a)).status_code == 403
