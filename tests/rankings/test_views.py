"""Result pages: who sees what (published vs provisional, own unit only for officers), in Vietnamese.

The ranking and unit pages are the dashboard's (one of each); the old /results/ addresses redirect there.
"""

import pytest
from django.urls import reverse

from rankings import services
from rankings.models import IndexRun, RunStatus
from tests.factories import UserFactory
from tests.rankings.factories import scores, survey

FULL = {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"}


@pytest.fixture
def published_round(round_2021, assessment_a, assessment_b, admin_user, compute):
    """SNV 10/10 (100 %), STP 2 + 1 + 2 + 1 + 0,5 + 1 = 7,5 → 75 %; published."""
    from assessments.models import Assessment

    Assessment.objects.filter(pk__in=[assessment_a.pk, assessment_b.pk]).update(state="finalised")
    scores(assessment_a, FULL)
    scores(assessment_b, {"1.1.1": "2", "1.1.2": "1", "1.2": "2", "2.1": "1"})
    survey(round_2021, {(assessment_a, "2.2"): "1", (assessment_b, "2.2"): "0.5"}, kind="cs")
    survey(round_2021, {(assessment_a, "3"): "2", (assessment_b, "3"): "1"}, kind="sipas")
    return services.index_run_publish(run=compute(round_2021), user=admin_user, confirmed=True, reason="Kiểm thử")


@pytest.fixture
def provisional_run(published_round, round_2021, assessment_b, compute):
    """STP improves to 2 + 2 + 2 + 1 + 0,5 + 1 = 8,5 → 85 % in a later, unpublished run."""
    scores(assessment_b, {"1.1.2": "2"})
    return compute(round_2021)


def test_leader_reads_the_published_ranking_in_vietnamese(client_for, leader, published_round):
    html = client_for(leader).get(reverse("dashboard:ranking", args=[2021])).content.decode()
    assert "Tên đơn vị" in html and "Xếp hạng" in html and "Xếp loại" in html
    assert "100,00" in html and "75,00" in html and "Xuất sắc" in html and "Khá" in html
    assert "Sở Nội vụ" in html and "Sở Tư pháp" in html


def test_leader_does_not_see_the_provisional_run(client_for, leader, provisional_run):
    html = client_for(leader).get(reverse("dashboard:ranking", args=[2021]) + "?run=provisional").content.decode()
    assert "75,00" in html and "85,00" not in html and 'id="provisional-banner"' not in html


def test_appraiser_sees_the_provisional_run_marked_with_what_changed(client_for, appraiser, provisional_run):
    html = client_for(appraiser).get(reverse("dashboard:ranking", args=[2021]) + "?run=provisional").content.decode()
    assert 'id="provisional-banner"' in html
    assert "85,00" in html and "75,00" in html  # new value and the published one it replaces
    assert 'class="changed"' in html


def test_officer_sees_the_published_ranking_and_own_unit_only(client_for, officer_a, published_round, assessment_b):
    c = client_for(officer_a)
    assert c.get(reverse("dashboard:ranking", args=[2021])).status_code == 200
    own = c.get(reverse("dashboard:unit", args=[2021, officer_a.unit_id]))
    assert own.status_code == 200 and "100,00" in own.content.decode()
    assert c.get(reverse("dashboard:unit", args=[2021, assessment_b.unit_id])).status_code == 404
    assert c.get(reverse("dashboard:unit", args=[2020, assessment_b.unit_id])).status_code == 404


def test_officer_never_sees_provisional_results(client_for, officer_b, provisional_run):
    html = (
        client_for(officer_b)
        .get(reverse("dashboard:unit", args=[2021, officer_b.unit_id]) + "?run=provisional")
        .content.decode()
    )
    assert "75,00" in html and "85,00" not in html


def test_unit_page_shows_domain_and_criterion_breakdown_with_points_lost(
    client_for, leader, published_round, assessment_b
):
    html = client_for(leader).get(reverse("dashboard:unit", args=[2021, assessment_b.unit_id])).content.decode()
    # Criterion 1.1 of STP: 2 + 1 = 3 of 4 → 75,00 %, 1,00 lost.
    row = html.split('<tr data-code="1.1">')[1].split("</tr>")[0]
    assert "3,00" in row and "4,00" in row and "75,00" in row and "1,00" in row


def test_unit_history_shows_rounds_side_by_side(client_for, leader, published_round, assessment_a, admin_user, compute):
    from assessments.models import Assessment
    from tests.factories import RoundFactory, build_framework

    r2020 = RoundFactory(year=2020, status="closed")
    build_framework(round=r2020, group=assessment_a.unit.group)
    old = Assessment.objects.create(
        round=r2020, unit=assessment_a.unit, group=assessment_a.unit.group, state="finalised"
    )
    scores(old, {"1.1.1": "1", "1.1.2": "1", "1.2": "1", "2.1": "1"})
    survey(r2020, {(old, "2.2"): "1"}, kind="cs")
    survey(r2020, {(old, "3"): "2"}, kind="sipas")
    services.index_run_publish(run=compute(r2020), user=admin_user, confirmed=True, reason="Kiểm thử")
    html = client_for(leader).get(reverse("dashboard:unit", args=[2021, assessment_a.unit_id])).content.decode()
    html = html.split('id="years"')[1]
    assert ">2021<" in html and ">2020<" in html and "2.021" not in html
    assert "100,00" in html and "70,00" in html  # 2021: 10/10; 2020: 4 + 1 + 2 = 7/10


def test_appraiser_starts_a_computation_and_follows_its_progress(
    client_for, appraiser, published_round, round_2021, django_capture_on_commit_callbacks
):
    c = client_for(appraiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("rankings:compute", args=[2021]))
    run = IndexRun.objects.filter(round=round_2021).latest("id")
    assert response.status_code == 302 and response.url == reverse("rankings:run", args=[run.pk])
    # Eager mode: the task ran once the request's transaction committed.
    assert IndexRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED
    partial = c.get(reverse("rankings:run", args=[run.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'data-status="succeeded"' in partial and "hx-trigger" not in partial


def test_status_fragment_keeps_polling_while_the_run_waits(client_for, admin_user, round_2021):
    run = IndexRun.objects.create(round=round_2021)
    partial = (
        client_for(admin_user)
        .get(reverse("rankings:run", args=[run.pk]), headers={"HX-Request": "true"})
        .content.decode()
    )
    assert 'hx-trigger="every 2s"' in partial and "<script" not in partial


def test_admin_publishes_from_the_ranking_page(client_for, admin_user, provisional_run):
    response = client_for(admin_user).post(
        reverse("rankings:publish", args=[provisional_run.pk]), {"confirm": "on", "reason": "Kiểm thử"}
    )
    assert response.status_code == 302
    provisional_run.refresh_from_db()
    assert provisional_run.is_published


@pytest.mark.parametrize("persona", ["leader", "appraiser", "officer_a"])
def test_only_admins_may_publish(client_for, request, persona, provisional_run):
    user = request.getfixturevalue(persona)
    response = client_for(user).post(reverse("rankings:publish", args=[provisional_run.pk]))
    assert response.status_code in (403, 404)
    provisional_run.refresh_from_db()
    assert not provisional_run.is_published


@pytest.mark.parametrize("persona", ["leader", "officer_a"])
def test_leaders_and_officers_cannot_compute_or_watch_runs(client_for, request, persona, published_round):
    c = client_for(request.getfixturevalue(persona))
    assert c.post(reverse("rankings:compute", args=[2021])).status_code == 403
    assert c.get(reverse("rankings:run", args=[published_round.pk])).status_code == 403
    assert IndexRun.objects.count() == 1


def test_outsider_without_a_role_reaches_no_result_page(client_for, published_round, assessment_a):
    outsider = UserFactory(username="outsider")
    c = client_for(outsider)
    for url in (
        reverse("rankings:index"),
        reverse("dashboard:ranking", args=[2021]),
        reverse("rankings:run", args=[published_round.pk]),
    ):
        assert c.get(url).status_code == 403, url  # no role that reads results: rule 2 of parindex.permissions
    assert c.get(reverse("dashboard:unit", args=[2021, assessment_a.unit_id])).status_code == 404  # out of scope
    assert c.post(reverse("rankings:compute", args=[2021])).status_code == 403


def test_anonymous_is_sent_to_the_login_page(client, published_round, assessment_a):
    for url in (
        reverse("rankings:index"),
        reverse("dashboard:ranking", args=[2021]),
        reverse("dashboard:unit", args=[2021, assessment_a.unit_id]),
        reverse("dashboard:ranking", args=[2021]),
        reverse("dashboard:unit", args=[2021, assessment_a.unit_id]),
        reverse("rankings:unit_history", args=[assessment_a.unit_id]),
        reverse("rankings:run", args=[published_round.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_index_page_lists_rounds_with_compute_button_for_admins_only(client_for, admin_user, leader, published_round):
    admin_html = client_for(admin_user).get(reverse("rankings:index")).content.decode()
    assert reverse("rankings:compute", args=[2021]) in admin_html
    leader_html = client_for(leader).get(reverse("rankings:index")).content.decode()
    assert reverse("dashboard:ranking", args=[2021]) in leader_html
    assert reverse("rankings:compute", args=[2021]) not in leader_html


def test_home_page_links_to_results(client_for, leader, officer_a):
    assert reverse("rankings:index") in client_for(leader).get(reverse("home")).content.decode()
    assert reverse("dashboard:my_unit") in client_for(officer_a).get(reverse("home")).content.decode()


def test_officer_ranking_links_only_to_own_unit(client_for, officer_a, published_round, assessment_b):
    html = client_for(officer_a).get(reverse("dashboard:ranking", args=[2021])).content.decode()
    assert reverse("dashboard:unit", args=[2021, officer_a.unit_id]) in html
    assert reverse("dashboard:unit", args=[2021, assessment_b.unit_id]) not in html
    assert "Sở Tư pháp" in html


def test_pages_refuse_posts_and_actions_refuse_gets(client_for, admin_user, published_round, assessment_a):
    c = client_for(admin_user)
    for url in (
        reverse("rankings:index"),
        reverse("dashboard:ranking", args=[2021]),
        reverse("dashboard:unit", args=[2021, assessment_a.unit_id]),
        reverse("dashboard:ranking", args=[2021]),
        reverse("dashboard:unit", args=[2021, assessment_a.unit_id]),
        reverse("rankings:unit_history", args=[assessment_a.unit_id]),
        reverse("rankings:run", args=[published_round.pk]),
    ):
        assert c.post(url).status_code == 405, url
    assert c.get(reverse("rankings:compute", args=[2021])).status_code == 405
    assert c.get(reverse("rankings:publish", args=[published_round.pk])).status_code == 405


def test_publishing_an_already_published_run_says_so(client_for, admin_user, published_round):
    response = client_for(admin_user).post(reverse("rankings:publish", args=[published_round.pk]), follow=True)
    assert "đã được công bố" in response.content.decode()


def test_old_result_addresses_redirect_to_the_one_ranking_and_unit_page(
    client_for, leader, appraiser, published_round, assessment_a
):
    unit = assessment_a.unit_id
    c = client_for(leader)
    for old, new in (
        (reverse("rankings:round", args=[2021]), reverse("dashboard:ranking", args=[2021])),
        (reverse("rankings:unit", args=[2021, unit]), reverse("dashboard:unit", args=[2021, unit])),
        (reverse("rankings:unit_history", args=[unit]), reverse("dashboard:unit", args=[2021, unit]) + "#years"),
        (
            reverse("rankings:round", args=[2021]) + "?view=latest",
            reverse("dashboard:ranking", args=[2021]) + "?run=provisional",
        ),
    ):
        response = c.get(old)
        assert response.status_code == 301 and response["Location"] == new, old
    # The leader asking for the latest run through an old link still gets the published one.
    assert (
        'id="provisional-banner"'
        not in c.get(reverse("rankings:round", args=[2021]) + "?view=latest", follow=True).content.decode()
    )


def test_dashboard_links_to_the_ranking_and_unit_pages(client_for, leader, published_round, assessment_a):
    html = client_for(leader).get(reverse("dashboard:round", args=[2021])).content.decode()
    assert reverse("dashboard:ranking", args=[2021]) in html
    assert reverse("dashboard:unit", args=[2021, assessment_a.unit_id]) in html
