from decimal import Decimal

import pytest
from django.urls import reverse

from rankings.models import UnitResult
from tests.factories import UnitFactory, UserFactory
from tests.rankings.dashboard.factories import make_run
from tests.rankings.dashboard.helpers import cells, table_row, vn

pytestmark = pytest.mark.django_db


def dash_url(year=2021):
    return reverse("dashboard:round", args=[year])


def test_leader_dashboard_table_shows_the_published_runs_figures(world, leader, client_for):
    html = client_for(leader).get(dash_url()).content.decode()
    results = UnitResult.objects.filter(run=world["run"]).select_related("unit")
    assert results.count() == 5
    for r in results:
        row = cells(table_row(html, r.unit.code))
        # No., name, self, appraised, survey (cs + SIPAS), total, index, rank, band
        assert row[2:8] == [
            vn(r.self_total),
            vn(r.appraised_total),
            vn(r.cs_points + r.sipas_points),
            vn(r.total),
            vn(r.index_pct),
            str(r.rank),
        ]
        assert r.band in row[8]
    assert "," in vn(Decimal("91.25")) and vn(Decimal("91.25")) == "91,25"


def test_results_carry_their_warnings(world, leader, client_for):
    html = client_for(leader).get(dash_url()).content.decode()
    row = table_row(html, "H002")
    # H002 has no SIPAS data in 2021: the run left domain 4 out of its applicable maximum and says so.
    assert 'data-code="survey_not_measured"' in row
    assert "Chưa có dữ liệu điều tra, không tính vào điểm tối đa áp dụng: 4" in row
    assert "survey_not_measured" not in table_row(html, "H001")


def test_dashboard_has_every_chart_per_group_with_one_bar_per_unit(world, leader, client_for):
    html = client_for(leader).get(dash_url()).content.decode()
    for group in ("department", "district"):
        section = html.split(f'id="group-{group}"')[1].split("<h3>")[0]
        for chart in ("ranking", "bands", "heatmap", "losing", "self-vs-appraised", "sipas"):
            assert f'data-chart="{chart}"' in section
        ranking = section.split('data-chart="ranking"')[1].split("</figure>")[0]
        n_units = 3 if group == "department" else 2
        assert ranking.count('class="bar"') == n_units
        heat = section.split('data-chart="heatmap"')[1].split("</figure>")[0]
        assert heat.count('class="cell"') == n_units * 4  # 4 domains
        sipas = section.split('data-chart="sipas"')[1].split("</figure>")[0]
        assert sipas.count('class="cell"') == n_units * 5  # 5 SIPAS elements
    assert "<script" not in html.split("<main")[1]
    assert " onclick" not in html and " onload" not in html


def test_heatmap_cell_carries_the_units_domain_percentage(world, leader, client_for):
    html = client_for(leader).get(dash_url()).content.decode()
    r = UnitResult.objects.filter(run=world["run"]).select_related("unit").first()
    d = r.breakdown["domains"][1]
    assert f"{r.unit.name} – {d['code']}. {d['name']}: {vn(Decimal(d['pct']))}" in html


def test_criteria_losing_most_points_are_summed_over_the_groups_units(world, leader, client_for):
    html = client_for(leader).get(dash_url()).content.decode()
    lost: dict[str, Decimal] = {}
    for r in UnitResult.objects.filter(run=world["run"], group__code="department"):
        for c in r.breakdown["criteria"]:
            lost[c["code"]] = lost.get(c["code"], Decimal(0)) + Decimal(c["lost"])
        # Domain 4 (SIPAS) has no criteria: it is scored, and loses points, as a whole.
        d4 = r.breakdown["domains"][3]
        lost["4"] = lost.get("4", Decimal(0)) + Decimal(d4["max"]) - Decimal(d4["points"])
    worst = max(lost, key=lambda k: (lost[k], k))
    section = html.split('id="group-department"')[1].split('data-chart="losing"')[1].split("</figure>")[0]
    assert f"{worst}. " in section and vn(lost[worst]) in section
    assert section.count('class="bar"') == len([v for v in lost.values() if v > 0])


def test_sipas_chart_shows_element_percentages_and_gaps_for_unmeasured_unit(world, leader, client_for):
    html = client_for(leader).get(dash_url()).content.decode()
    sr = world["sipas"].unit_results.select_related("unit").get(unit__code="H001")
    assert f"{sr.unit.name} – " in html and vn(Decimal(sr.element_pct["3"])) in html
    section = html.split('id="group-district"')[1].split('data-chart="sipas"')[1].split("</figure>")[0]
    assert section.count('fill="#eeeeee"') == 5  # H002 has no SIPAS data


def test_newer_unpublished_run_is_hidden_from_leaders_and_shown_marked_to_admins(world, leader, admin_user, client_for):
    newer = make_run(round=world["round"], published=False, seed=99)
    assert newer.pk > world["run"].pk
    client = client_for(leader)
    for url in (dash_url(), dash_url() + "?run=provisional"):
        html = client.get(url).content.decode()
        assert f'data-run="{world["run"].pk}"' in html and f'data-run="{newer.pk}"' not in html
        assert "provisional-banner" not in html
    html = client_for(admin_user).get(dash_url() + "?run=provisional").content.decode()
    assert 'id="provisional-banner"' in html and f'data-run="{newer.pk}"' in html
    r = UnitResult.objects.filter(run=newer).select_related("unit").first()
    assert cells(table_row(html, r.unit.code))[6] == vn(r.index_pct)
    assert 'id="download-xlsx"' not in html  # exports are of published results only


def test_round_without_published_run_says_so(world, leader, client_for):
    from tests.factories import RoundFactory

    RoundFactory(year=2022)
    response = client_for(leader).get(dash_url(2022))
    assert response.status_code == 200 and 'id="no-run"' in response.content.decode()


def test_index_redirects_leader_to_latest_round_and_officer_to_ranking(world, leader, client_for):
    assert client_for(leader).get(reverse("dashboard:index"))["Location"] == dash_url(2021)
    officer = UserFactory(username="off", is_officer=True, unit=world["units"][0])
    assert client_for(officer).get(reverse("dashboard:index"))["Location"] == reverse("dashboard:ranking", args=[2021])


def test_unit_profile_shows_history_domains_and_next_band(world, leader, client_for):
    unit = world["units"][0]
    r = UnitResult.objects.get(run=world["run"], unit=unit)
    html = client_for(leader).get(reverse("dashboard:unit", args=[2021, unit.pk])).content.decode()
    assert f'id="kpi-index">{vn(r.index_pct)}<' in html and f'id="kpi-rank">{r.rank}<' in html
    history = html.split('id="history"')[1].split("</table>")[0]
    for year in (2019, 2020, 2021):
        old = UnitResult.objects.get(run=world["runs"][year], unit=unit)
        assert f'<td>{year}</td><td class="num">{vn(old.index_pct)}</td>' in history
    assert 'data-chart="history"' in html and 'data-chart="domains"' in html
    # Group average of domain 1 = mean of the department units' domain-1 %.
    pcts = [
        Decimal(x.breakdown["domains"][0]["pct"]) for x in UnitResult.objects.filter(run=world["run"], group=unit.group)
    ]
    avg = (sum(pcts) / len(pcts)).quantize(Decimal("0.01"))
    assert vn(avg) in html.split('id="domains"')[1]


def test_unit_profile_next_band_needs_the_points_to_reach_the_bands_minimum(world, leader, client_for):
    from tests.rankings.dashboard.factories import DASH_FRAMEWORK  # noqa: F401  (20-point framework)

    r = UnitResult.objects.filter(run=world["run"]).exclude(band="Xuất sắc").select_related("unit").first()
    bands = world["round"].bands
    idx = [b["label"] for b in bands].index(r.band)
    target = Decimal(bands[idx - 1]["min"])
    # Worked example: max 20, target 80 % → 16,00 points; a unit with 15,25 needs 0,75 more.
    needed = (target * r.applicable_max / 100).quantize(Decimal("0.01")) - r.total
    html = client_for(leader).get(reverse("dashboard:unit", args=[2021, r.unit_id])).content.decode()
    next_band = html.split('id="next-band">')[1].split("</li>")[0]
    assert bands[idx - 1]["label"] in next_band and f"{vn(needed)} " in next_band


def test_points_for_pct_rounds_half_up_like_the_index():
    from rankings.dashboard.selectors import points_for_pct

    # 79,99 / 100 = 79,99 % < 80; 80,00 / 100 = 80 %.
    assert points_for_pct(Decimal("80"), Decimal("100")) == Decimal("80.00")
    # max 30: 80 % of 30 = 24; 23,99 / 30 = 79,966… → 79,97 % (< 80), so 24,00.
    assert points_for_pct(Decimal("80"), Decimal("30")) == Decimal("24.00")
    # max 7: 5,6 / 7 = 80 %; 5,59 / 7 = 79,857 → 79,86 %.
    assert points_for_pct(Decimal("80"), Decimal("7")) == Decimal("5.60")
    # max 30, target 86,67 %: 26 / 30 = 86,666… → 86,67 %.
    assert points_for_pct(Decimal("86.67"), Decimal("30")) == Decimal("26.00")


def test_trends_show_each_year_and_unit(world, leader, client_for):
    html = client_for(leader).get(reverse("dashboard:trends")).content.decode()
    unit = world["units"][0]
    for year in (2019, 2020, 2021):
        r = UnitResult.objects.get(run=world["runs"][year], unit=unit)
        assert f"{unit.name} – {year}: {vn(r.index_pct)}" in html
    assert 'data-chart="domain-trends"' in html and html.count('class="line"') >= 8  # 4 domains × 2 groups
    # Province average of domain 2 among departments in 2020 = mean of their domain-2 %.
    pcts = [
        Decimal(r.breakdown["domains"][1]["pct"])
        for r in UnitResult.objects.filter(run=world["runs"][2020], group__code="department")
    ]
    avg = (sum(pcts) / len(pcts)).quantize(Decimal("0.01"))
    table = html.split('id="trend-department"')[1].split('class="data domain-averages"')[1].split("</table>")[0]
    row = [r for r in table.split("<tr>") if "<td>2. " in r][0]
    assert cells("<tr>" + row)[2] == vn(avg)  # columns: domain, 2019, 2020, 2021


# --- access ----------------------------------------------------------------------------------


def all_urls(world):
    unit = world["units"][0]
    return {
        "index": reverse("dashboard:index"),
        "round": dash_url(),
        "ranking": reverse("dashboard:ranking", args=[2021]),
        "unit": reverse("dashboard:unit", args=[2021, unit.pk]),
        "trends": reverse("dashboard:trends"),
        "xlsx": reverse("dashboard:export_xlsx", args=[2021]),
        "csv": reverse("dashboard:export_csv", args=[2021]),
        "pdf": reverse("dashboard:export_pdf", args=[2021]),
        "my_unit": reverse("dashboard:my_unit"),
    }


def test_anonymous_is_sent_to_login_everywhere(world, client):
    for name, url in all_urls(world).items():
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


@pytest.mark.parametrize("role", ["leader", "appraiser", "admin_user"])
def test_readers_open_every_dashboard_page_and_download(
    world, role, request, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from rankings.dashboard import exports

    monkeypatch.setattr(exports, "pdf_bytes", lambda board, base_url: b"%PDF-stub")  # PDF content tested elsewhere
    client = client_for(request.getfixturevalue(role))
    for name, url in all_urls(world).items():
        if name == "my_unit":
            continue
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(url, follow=True)
        assert response.status_code == 200, name


def test_officer_sees_published_ranking_and_own_unit_only(world, client_for):
    own, other = world["units"][0], world["units"][1]
    officer = UserFactory(username="off", is_officer=True, unit=own)
    client = client_for(officer)
    assert client.get(reverse("dashboard:ranking", args=[2021])).status_code == 200
    assert client.get(reverse("dashboard:unit", args=[2021, own.pk])).status_code == 200
    assert client.get(reverse("dashboard:my_unit"))["Location"] == reverse("dashboard:unit", args=[2021, own.pk])
    assert client.get(reverse("dashboard:unit", args=[2021, other.pk])).status_code == 404
    for name in ("round", "trends", "xlsx", "csv", "pdf"):  # pages officers never have: 403
        assert client.get(all_urls(world)[name]).status_code == 403, name


def test_officer_never_sees_an_unpublished_run_even_when_asking(world, client_for):
    newer = make_run(round=world["round"], published=False, seed=7)
    officer = UserFactory(username="off", is_officer=True, unit=world["units"][0])
    html = (
        client_for(officer)
        .get(reverse("dashboard:unit", args=[2021, world["units"][0].pk]) + "?run=provisional")
        .content.decode()
    )
    r = UnitResult.objects.get(run=world["run"], unit=world["units"][0])
    assert f'id="kpi-index">{vn(r.index_pct)}<' in html and f'data-run="{newer.pk}"' not in html
    html = client_for(officer).get(reverse("dashboard:ranking", args=[2021])).content.decode()
    assert f'data-run="{world["run"].pk}"' in html and f'data-run="{newer.pk}"' not in html


def test_user_without_role_sees_nothing(world, client_for):
    nobody = UserFactory(username="nobody")
    client = client_for(nobody)
    for name, url in all_urls(world).items():
        # A unit's page is out of scope (404, existence not revealed); every other page is not the role's (403).
        assert client.get(url).status_code == (404 if name == "unit" else 403), name


def test_unit_profile_of_unknown_unit_is_404(world, leader, client_for):
    stray = UnitFactory(code="ZZZ", group=world["groups"][0])
    assert client_for(leader).get(reverse("dashboard:unit", args=[2021, stray.pk + 1000])).status_code == 404
    html = client_for(leader).get(reverse("dashboard:unit", args=[2021, stray.pk])).content.decode()
    assert 'id="no-result"' in html


def test_pages_render_in_english_too(world, leader, client_for):
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    html = client.get(dash_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    r = UnitResult.objects.filter(run=world["run"]).select_related("unit").first()
    assert "Ranking by index (%), coloured by classification" in html
    assert cells(table_row(html, r.unit.code))[6] == f"{r.index_pct:.2f}"  # decimal point in English


def test_before_any_publication_admin_is_led_to_the_provisional_run_and_leader_told_nothing_is_published(
    db, leader, admin_user, client_for
):
    from tests.rankings.dashboard.factories import make_world

    w = make_world(years=(2021,), departments=2, districts=1)
    run = make_run(round=w["rounds"][0], published=False)
    response = client_for(admin_user).get(reverse("dashboard:index"))
    assert response["Location"] == dash_url() + "?run=provisional"
    html = client_for(admin_user).get(response["Location"]).content.decode()
    assert 'id="provisional-banner"' in html and f'data-run="{run.pk}"' in html
    html = client_for(leader).get(reverse("dashboard:index")).content.decode()
    assert f'data-run="{run.pk}"' not in html and "Chưa có kết quả nào được công bố." in html


@pytest.mark.parametrize("role", ["leader", "appraiser", "admin"])
def test_home_and_nav_partials_link_readers_to_the_dashboard(role, request):
    from django.template.loader import render_to_string

    user = request.getfixturevalue({"admin": "admin_user"}.get(role, role))
    home = render_to_string(f"rankings/dashboard/partials/home_{role}.html", {"user": user})
    nav = render_to_string("rankings/dashboard/partials/nav.html", {"user": user})
    assert reverse("dashboard:index") in home and reverse("dashboard:trends") in home
    assert reverse("dashboard:index") in nav


def test_officer_partials_link_to_own_results_and_the_ranking(officer_a):
    from django.template.loader import render_to_string

    home = render_to_string("rankings/dashboard/partials/home_officer.html", {"user": officer_a})
    assert reverse("dashboard:my_unit") in home and reverse("dashboard:index") in home
    assert reverse("dashboard:trends") not in render_to_string(
        "rankings/dashboard/partials/nav.html", {"user": officer_a}
    )


def test_self_vs_appraised_lists_the_largest_over_scoring_first(world, leader, client_for):
    html = client_for(leader).get(dash_url()).content.decode()
    section = html.split('id="group-department"')[1].split('data-chart="self-vs-appraised"')[1].split("</figure>")[0]
    results = UnitResult.objects.filter(run=world["run"], group__code="department").select_related("unit")
    expected = sorted(results, key=lambda r: (-(r.self_total - r.appraised_total), r.rank, r.display_order))
    positions = [section.index(f"<title>{r.unit.name} (") for r in expected]
    assert positions == sorted(positions)
    top = expected[0]
    assert f"{top.unit.name} (+{vn(top.self_total - top.appraised_total)})" in section
