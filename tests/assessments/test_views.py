"""The assessment pages: what each role sees and may do; outsiders get 404, read-only roles 403."""

import re

import pytest
from django.urls import reverse

from assessments.models import AssessmentState, LeafScore
from assessments.services import workflow
from tests.assessments.factories import (
    appraised,
    explanation_requested,
    fill,
    finalised,
    in_appraisal,
    leaf,
    pdf,
    save_self,
    submitted,
    version_of,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail(a):
    return reverse("assessments:detail", args=[a.pk])


def self_url(a, code):
    return reverse("assessments:leaf_self", args=[a.pk, leaf(a, code).pk])


def app_url(a, code):
    return reverse("assessments:leaf_appraisal", args=[a.pk, leaf(a, code).pk])


def self_post(a, code, version, **fields):
    node = leaf(a, code)
    return {f"s{node.pk}-version": version, **{f"s{node.pk}-{k}": v for k, v in fields.items()}}


def test_officer_home_link_opens_own_units_assessment(client_for, officer_a, assessment_a, assessment_b):
    response = client_for(officer_a).get(reverse("assessments:index"))
    assert response.status_code == 302 and response.url == detail(assessment_a)


def test_officer_page_shows_tree_widgets_and_survey_leaves_read_only(client_for, officer_a, assessment_a):
    html = client_for(officer_a).get(detail(assessment_a)).content.decode()
    assert "Ban hành đúng hạn (2,00)" in html  # levels as a choice, points with a decimal comma
    assert f'name="s{leaf(assessment_a, "1.1.2").pk}-denominator"' in html  # ratio n/d
    # the page renders the domain of the first unfinished criterion; another unfolds on demand
    d2 = leaf(assessment_a, "2.1").parent
    assert f'data-src="{reverse("assessments:domain", args=[assessment_a.pk, d2.pk])}"' in html
    html += client_for(officer_a).get(reverse("assessments:domain", args=[assessment_a.pk, d2.pk])).content.decode()
    assert f'name="s{leaf(assessment_a, "2.1").pk}-count"' in html  # deduction count
    assert f'name="s{leaf(assessment_a, "2.2").pk}-' not in html  # survey leaf has no inputs
    assert "Chấm qua điều tra XHH" in html or "Scored by survey" in html


def test_htmx_save_returns_points_and_running_totals(client_for, officer_a, assessment_a):
    c = client_for(officer_a)
    r = c.post(
        self_url(assessment_a, "1.1.2"), self_post(assessment_a, "1.1.2", 0, numerator="3", denominator="4"), **HTMX
    )
    html = r.content.decode()
    # 3/4 × 2 = 1,50; overall self part 1,50 of the 7 self points
    assert re.search(r'id="self-points-\d+">1,50<', html)
    assert 'hx-swap-oob="true"' in html
    assert re.search(r'id="self-total">1,50 / 7,00<', html)


def test_invalid_input_is_shown_on_the_field_in_vietnamese(client_for, officer_a, assessment_a):
    c = client_for(officer_a)
    r = c.post(
        self_url(assessment_a, "1.1.2"), self_post(assessment_a, "1.1.2", 0, numerator="5", denominator="4"), **HTMX
    )
    assert "Tử số không được lớn hơn mẫu số" in r.content.decode()
    assert not LeafScore.objects.filter(assessment=assessment_a, self_inputs__isnull=False).exists()


def test_stale_edit_is_refused_and_shows_the_other_value(client_for, officer_a, assessment_a, unit_a):
    from tests.factories import UserFactory

    colleague = UserFactory(username="colleague", full_name="Trần Văn Bình", is_officer=True, unit=unit_a)
    save_self(colleague, assessment_a, "1.1.2", {"numerator": "1", "denominator": "2"})  # version 0 → 1
    c = client_for(officer_a)
    r = c.post(
        self_url(assessment_a, "1.1.2"), self_post(assessment_a, "1.1.2", 0, numerator="2", denominator="2"), **HTMX
    )
    html = r.content.decode()
    assert "Trần Văn Bình" in html and "1/2 → 1,00" in html
    score = LeafScore.objects.get(assessment=assessment_a, node=leaf(assessment_a, "1.1.2"))
    assert score.self_inputs == {"numerator": 1, "denominator": 2} and score.version == 1


def test_save_without_javascript_redirects_back_to_the_leaf(client_for, officer_a, assessment_a):
    r = client_for(officer_a).post(self_url(assessment_a, "1.1.1"), self_post(assessment_a, "1.1.1", 0, level="1"))
    assert r.status_code == 302 and r.url.endswith(f"#leaf-{leaf(assessment_a, '1.1.1').pk}")
    assert version_of(assessment_a, "1.1.1") == 1


def test_submit_button_refuses_with_the_list_of_missing_items(client_for, officer_a, assessment_a):
    c = client_for(officer_a)
    r = c.post(reverse("assessments:transition", args=[assessment_a.pk, "submit"]), {"version": 0}, follow=True)
    html = r.content.decode()
    assert "1.1.1" in html and "2.1" in html
    # one heading, then each missing item as a compact list entry under it
    assert re.search(r'<li class="msg-error">[^<]+</li><li class="msg-error problem">1\.1\.1 ', html)
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.DRAFT


def test_double_clicked_submit_applies_once(client_for, officer_a, assessment_a):
    fill(officer_a, assessment_a)
    assessment_a.refresh_from_db()
    c = client_for(officer_a)
    url = reverse("assessments:transition", args=[assessment_a.pk, "submit"])
    c.post(url, {"version": assessment_a.version})
    c.post(url, {"version": assessment_a.version})
    assert assessment_a.events.filter(action="submit").count() == 1


# --- outsiders -------------------------------------------------------------------------------------


def test_officer_cannot_open_other_units_assessment_scores_or_evidence(
    client_for, officer_a, officer_b, assessment_a, assessment_b
):
    fill(officer_b, assessment_b)
    ev = assessment_b.evidence_files.get()
    node = leaf(assessment_b, "1.1.1")
    c = client_for(officer_a)
    urls_get = [
        detail(assessment_b),
        reverse("assessments:timeline", args=[assessment_b.pk]),
        reverse("assessments:leaf_history", args=[assessment_b.pk, node.pk]),
        reverse("assessments:evidence_view", args=[assessment_b.pk, ev.pk]),
        reverse("assessments:evidence_download", args=[assessment_b.pk, ev.pk]),
        reverse("assessments:evidence_download", args=[assessment_a.pk, ev.pk]),  # own id, other unit's file
    ]
    for url in urls_get:
        assert c.get(url).status_code == 404, url
    # The appraisal queue is no object of another unit but a page officers never have: 403 (parindex.permissions).
    assert c.get(reverse("assessments:queue", args=[assessment_b.round_id])).status_code == 403
    urls_post = [
        self_url(assessment_b, "1.1.1"),
        app_url(assessment_b, "1.1.1"),
        reverse("assessments:evidence_upload", args=[assessment_b.pk, node.pk]),
        reverse("assessments:evidence_link", args=[assessment_b.pk, node.pk]),
        reverse("assessments:transition", args=[assessment_b.pk, "submit"]),
        reverse("assessments:reopen", args=[assessment_b.pk]),
        reverse("assessments:extension", args=[assessment_b.pk]),
    ]
    for url in urls_post:
        assert c.post(url, {"version": 0}).status_code == 404, url
    assessment_b.refresh_from_db()
    assert assessment_b.state == AssessmentState.DRAFT


def test_appraiser_cannot_change_self_inputs(client_for, appraiser, officer_a, assessment_a):
    fill(officer_a, assessment_a)
    before = version_of(assessment_a, "1.1.1")
    r = client_for(appraiser).post(
        self_url(assessment_a, "1.1.1"), self_post(assessment_a, "1.1.1", before, level="0"), **HTMX
    )
    assert r.status_code == 403
    assert version_of(assessment_a, "1.1.1") == before


def test_leader_reads_but_every_write_is_refused(client_for, leader, officer_a, appraiser, assessment_a, round_2021):
    in_appraisal(officer_a, appraiser, assessment_a)
    c = client_for(leader)
    assert c.get(detail(assessment_a)).status_code == 200
    assert c.get(reverse("assessments:queue", args=[round_2021.pk])).status_code == 200
    node = leaf(assessment_a, "1.1.1")
    v = version_of(assessment_a, "1.1.1")
    assert c.post(self_url(assessment_a, "1.1.1"), self_post(assessment_a, "1.1.1", v, level="0")).status_code == 403
    assert (
        c.post(
            app_url(assessment_a, "1.1.1"),
            {f"a{node.pk}-version": v, f"a{node.pk}-level": "0", f"a{node.pk}-app_note": "x"},
        ).status_code
        == 403
    )
    assert (
        c.post(reverse("assessments:evidence_upload", args=[assessment_a.pk, node.pk]), {"file": pdf()}).status_code
        == 403
    )
    assessment_a.refresh_from_db()
    for action in ("complete", "request_explanations", "finalise", "submit", "withdraw", "respond", "resume_appraisal"):
        r = c.post(reverse("assessments:transition", args=[assessment_a.pk, action]), {"version": assessment_a.version})
        assert r.status_code == 403, action
    assert (
        c.post(reverse("assessments:reopen", args=[assessment_a.pk]), {"version": 0, "reason": "x"}).status_code == 403
    )
    assert (
        c.post(
            reverse("assessments:extension", args=[assessment_a.pk]), {"kind": "self", "until": "2099-01-01T00:00"}
        ).status_code
        == 403
    )
    assert c.post(reverse("assessments:finalise_all", args=[round_2021.pk])).status_code == 403
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.IN_APPRAISAL
    # The leader may read the assessment, so its history is no secret of scope but a page the role never has: 403.
    assert c.get(reverse("assessments:leaf_history", args=[assessment_a.pk, node.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, assessment_a):
    r = client.get(detail(assessment_a))
    assert r.status_code == 302 and reverse("login") in r.url


# --- appraiser and admin -------------------------------------------------------------------------------


def test_appraiser_queue_lists_units_with_totals_and_flags(
    client_for, officer_a, appraiser, assessment_a, assessment_b, round_2021
):
    explanation_requested(officer_a, appraiser, assessment_a)
    html = client_for(appraiser).get(reverse("assessments:queue", args=[round_2021.pk])).content.decode()
    row_a = re.search(r'<tr data-unit="SNV">(.*?)</tr>', html, re.S).group(1)
    assert "6,10" in row_a  # 2 + 1,60 + 1,75 + 0,75
    assert re.search(r'<span class="flagged-now">1 [^<]*</span>', row_a)  # one flagged leaf
    assert "rounds-requested" in row_a
    assert 'data-unit="STP"' in html


def test_queue_still_shows_explanations_were_requested_after_flags_are_cleared(
    client_for, officer_a, appraiser, assessment_a, assessment_b, round_2021
):
    # Round 2 of the appraisal clears the flags; the queue must not then read as if nothing was ever asked.
    explanation_requested(officer_a, appraiser, assessment_a)
    save_self(officer_a, assessment_a, "1.1.2", explanation="Đã bổ sung báo cáo")
    workflow.assessment_respond(user=officer_a, assessment_id=assessment_a.pk)
    workflow.assessment_resume_appraisal(user=appraiser, assessment_id=assessment_a.pk)
    html = client_for(appraiser).get(reverse("assessments:queue", args=[round_2021.pk])).content.decode()
    row_a = re.search(r'<tr data-unit="SNV">(.*?)</tr>', html, re.S).group(1)
    assert "flagged-now" not in row_a
    assert re.search(r'<span class="muted small rounds-requested">[^<]+</span>', row_a)
    row_b = re.search(r'<tr data-unit="STP">(.*?)</tr>', html, re.S).group(1)
    assert "rounds-requested" not in row_b


def test_appraiser_sees_self_and_appraisal_side_by_side_and_saves_with_note(
    client_for, officer_a, appraiser, assessment_a
):
    in_appraisal(officer_a, appraiser, assessment_a)
    c = client_for(appraiser)
    html = c.get(detail(assessment_a)).content.decode()
    assert "app-side" in html and "4/5" in html
    node = leaf(assessment_a, "1.1.1")
    data = {f"a{node.pk}-version": version_of(assessment_a, "1.1.1"), f"a{node.pk}-level": "1"}
    r = c.post(app_url(assessment_a, "1.1.1"), data, **HTMX)
    assert "errorlist" in r.content.decode()  # a note is required where points differ
    data[f"a{node.pk}-app_note"] = "Ban hành muộn"
    r = c.post(app_url(assessment_a, "1.1.1"), data, **HTMX)
    assert re.search(r'id="app-points-\d+">1,00<', r.content.decode())


def test_officer_in_explanation_sees_only_flagged_leaves_editable(client_for, officer_a, appraiser, assessment_a):
    explanation_requested(officer_a, appraiser, assessment_a, "1.1.2")
    html = client_for(officer_a).get(detail(assessment_a)).content.decode()
    assert f'name="s{leaf(assessment_a, "1.1.2").pk}-explanation"' in html
    assert f'name="s{leaf(assessment_a, "1.1.1").pk}-level"' not in html
    assert "Gửi báo cáo tổng kết kế hoạch" in html


def test_draft_leaf_sent_back_with_errors_has_no_explanation_box(client_for, officer_a, assessment_a):
    # Explanations belong to the explanation round; a draft leaf with an error must keep the fields it had.
    node = leaf(assessment_a, "1.1.2")
    r = client_for(officer_a).post(
        self_url(assessment_a, "1.1.2"),
        {f"s{node.pk}-version": "0", f"s{node.pk}-numerator": "15", f"s{node.pk}-denominator": "10"},
        **HTMX,
    )
    html = r.content.decode()
    assert "errorlist" in html
    assert f'name="s{node.pk}-explanation"' not in html


def test_admin_reopens_with_reason_and_timeline_shows_it(client_for, officer_a, appraiser, admin_user, assessment_a):
    finalised(officer_a, appraiser, admin_user, assessment_a)
    c = client_for(admin_user)
    assessment_a.refresh_from_db()
    c.post(
        reverse("assessments:reopen", args=[assessment_a.pk]),
        {"version": assessment_a.version, "reason": "Sai số liệu", "confirm": "on"},
    )
    assessment_a.refresh_from_db()
    assert assessment_a.state == AssessmentState.IN_APPRAISAL
    html = c.get(reverse("assessments:timeline", args=[assessment_a.pk])).content.decode()
    assert "Sai số liệu" in html


def test_admin_grants_extension_from_the_page(client_for, admin_user, assessment_a):
    r = client_for(admin_user).post(
        reverse("assessments:extension", args=[assessment_a.pk]), {"kind": "self", "until": "2099-01-01T08:00"}
    )
    assert r.status_code == 302
    assessment_a.refresh_from_db()
    assert assessment_a.extension_until.year == 2099


def test_leaf_history_shows_old_and_new_values(client_for, officer_a, appraiser, assessment_a):
    save_self(officer_a, assessment_a, "1.1.2", {"numerator": "1", "denominator": "2"})
    save_self(officer_a, assessment_a, "1.1.2", {"numerator": "2", "denominator": "2"})
    html = (
        client_for(appraiser)
        .get(reverse("assessments:leaf_history", args=[assessment_a.pk, leaf(assessment_a, "1.1.2").pk]))
        .content.decode()
    )
    assert "1/2" in html and "2/2" in html and "officer_a" in html
    assert "lưu tự đánh giá" in html  # the recorded reason "self", in the reader's language


def test_officer_page_hides_appraisal_until_finalised(client_for, officer_a, appraiser, admin_user, assessment_a):
    submitted(officer_a, assessment_a)
    assert "app-side" not in client_for(officer_a).get(detail(assessment_a)).content.decode()


@pytest.mark.parametrize("persona", ["officer_a", "appraiser", "admin_user"])
def test_home_cards_link_to_the_assessments(request, client_for, persona, assessment_a):
    html = client_for(request.getfixturevalue(persona)).get(reverse("home")).content.decode()
    assert reverse("assessments:index") in html


def test_finalise_all_button_appears_only_with_appraised_assessments(
    client_for, officer_a, appraiser, admin_user, assessment_a, assessment_b, round_2021
):
    url = reverse("assessments:queue", args=[round_2021.pk])
    assert 'id="finalise-all"' not in client_for(admin_user).get(url).content.decode()  # nothing to finalise
    appraised(officer_a, appraiser, assessment_a)
    html = client_for(admin_user).get(url).content.decode()
    assert re.search(r'id="finalise-all">[^<]*\b1\b', html)  # names how many it will finalise


def test_page_shows_no_template_source(client_for, officer_a, assessment_a):
    # A comment spread over two lines with {# #} is printed as text by Django; the layout must not leak any.
    html = client_for(officer_a).get(detail(assessment_a)).content.decode()
    assert "{#" not in html and "{%" not in html


@pytest.mark.parametrize("persona", ["leader", "admin_user", "officer_a"])
def test_home_and_navigation_lead_to_the_dashboards(db, request, client_for, persona):
    # The dashboards are reached from the shell (navigation and the role cards), not by typing their address.
    html = client_for(request.getfixturevalue(persona)).get(reverse("home")).content.decode()
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert f'href="{reverse("dashboard:index")}"' in nav
    main = html[html.index("</nav>") :]
    assert f'href="{reverse("dashboard:index")}"' in main


def test_pages_name_an_icon_that_exists(client):
    # Without one the browser asks for /favicon.ico on every first visit and logs a 404.
    from django.contrib.staticfiles import finders

    html = client.get(reverse("login")).content.decode()
    href = re.search(r'<link rel="icon" href="/static/([^"]+)"', html).group(1)
    assert finders.find(href)


def test_leaf_history_lists_only_what_each_save_changed(officer_a, appraiser, assessment_a):
    """diff_against: the first record against a blank one, every later one against the record before it."""
    from assessments.selectors import leaf_history

    save_self(officer_a, assessment_a, "1.1.2", {"numerator": "1", "denominator": "2"}, note="Ghi chú đầu")
    save_self(officer_a, assessment_a, "1.1.2", {"numerator": "2", "denominator": "2"}, note="Ghi chú đầu")
    _node, entries = leaf_history(appraiser, assessment=assessment_a, node_id=leaf(assessment_a, "1.1.2").pk)
    newest, first = entries[0], entries[-1]
    newest_fields = [label for label, _old, _new in newest.changes]
    assert len(newest_fields) == 2 and all(old != new for _label, old, new in newest.changes)
    assert ("1/2" in newest.changes[0][1]) and ("2/2" in newest.changes[0][2])
    assert any(new == "Ghi chú đầu" and old == "—" for _label, old, new in first.changes)
    assert "Ghi chú đầu" not in [new for _label, _old, new in newest.changes]
