"""The appraiser's side (issue 12): queue filters, sort and counts, differences only, bulk accept."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from assessments.models import LeafScore
from assessments.services import workflow
from tests.assessments.factories import fill, in_appraisal, leaf, save_app, save_self, submitted
from tests.factories import UnitFactory, add_to_round


def queue(rnd, query=""):
    return reverse("assessments:queue", args=[rnd.pk]) + query


def test_queue_counts_per_state_and_filters_by_state(client_for, officer_a, appraiser, assessment_a, assessment_b):
    submitted(officer_a, assessment_a)
    html = client_for(appraiser).get(queue(assessment_a.round, "?state=submitted")).content.decode()
    counts = html[html.index('id="state-counts"') : html.index("</p>", html.index('id="state-counts"'))]
    assert "Đang tự đánh giá: 1" in counts and "Đã gửi: 1" in counts
    assert 'data-unit="SNV"' in html and 'data-unit="STP"' not in html


def test_needs_my_action_leaves_out_drafts_for_the_appraiser(
    client_for, officer_a, appraiser, assessment_a, assessment_b
):
    submitted(officer_a, assessment_a)
    html = client_for(appraiser).get(queue(assessment_a.round, "?mine=1")).content.decode()
    assert 'data-unit="SNV"' in html and 'data-unit="STP"' not in html


def test_overdue_filter_and_deadline_sort(client_for, appraiser, assessment_a, assessment_b, round_2021):
    round_2021.self_deadline = timezone.now() - timedelta(days=1)
    round_2021.save()
    assessment_b.extension_until = timezone.now() + timedelta(days=3)
    assessment_b.save()
    html = client_for(appraiser).get(queue(round_2021, "?overdue=1")).content.decode()
    assert 'data-unit="SNV"' in html and 'data-unit="STP"' not in html
    html = client_for(appraiser).get(queue(round_2021, "?sort=deadline")).content.decode()
    assert html.index('data-unit="SNV"') < html.index('data-unit="STP"')


def test_gap_sort_puts_the_largest_difference_first(
    client_for, officer_a, officer_b, appraiser, assessment_a, assessment_b
):
    in_appraisal(officer_a, appraiser, assessment_a)
    in_appraisal(officer_b, appraiser, assessment_b)
    save_app(appraiser, assessment_b, "1.1.1", {"level": "0"}, note="Không ban hành")  # 2 points less
    html = client_for(appraiser).get(queue(assessment_a.round, "?sort=gap")).content.decode()
    assert html.index('data-unit="STP"') < html.index('data-unit="SNV"')


def test_group_filter(client_for, appraiser, assessment_a, district_group, round_2021):
    from tests.factories import build_framework

    build_framework(round=round_2021, group=district_group)
    add_to_round(round=round_2021, unit=UnitFactory(code="HCT", name="UBND huyện", group=district_group))
    html = client_for(appraiser).get(queue(round_2021, f"?group={district_group.pk}")).content.decode()
    assert 'data-unit="HCT"' in html and 'data-unit="SNV"' not in html


def test_differences_filter_shows_changed_and_flagged_only(client_for, officer_a, appraiser, assessment_a):
    in_appraisal(officer_a, appraiser, assessment_a)
    save_app(appraiser, assessment_a, "1.1.1", {"level": "1"}, note="Ban hành muộn")
    save_app(appraiser, assessment_a, "2.1", flagged=True, flag_request="Gửi danh sách hồ sơ")
    url = reverse("assessments:detail", args=[assessment_a.pk]) + "?show=differences"
    html = client_for(appraiser).get(url).content.decode()
    for code, shown in (("1.1.1", True), ("2.1", True), ("1.1.2", False), ("1.2", False)):
        assert (f'id="leaf-{leaf(assessment_a, code).pk}"' in html) is shown, code


def test_bulk_accept_touches_only_untouched_criteria_one_history_record_each(
    client_for, officer_a, appraiser, assessment_a
):
    fill(officer_a, assessment_a)
    save_self(officer_a, assessment_a, "1.2", None, na=True, na_reason="Không có sáng kiến")
    workflow.assessment_submit(user=officer_a, assessment_id=assessment_a.pk)
    workflow.assessment_start_appraisal(user=appraiser, assessment_id=assessment_a.pk)
    save_app(appraiser, assessment_a, "1.1.1", {"level": "1"}, note="Ban hành muộn")  # touched: stays as appraised
    before = {
        s.node.code: s.history.count() for s in LeafScore.objects.filter(assessment=assessment_a).select_related("node")
    }
    r = client_for(appraiser).post(reverse("assessments:accept_untouched", args=[assessment_a.pk]), follow=True)
    assert "đã chấp nhận giá trị của đơn vị ở 3 tiêu chí" in r.content.decode().lower()
    scores = {s.node.code: s for s in LeafScore.objects.filter(assessment=assessment_a).select_related("node")}
    assert scores["1.1.1"].app_inputs == {"level": 1}
    assert scores["1.2"].na_decision == "confirmed"
    assert scores["1.1.2"].app_points == scores["1.1.2"].self_points
    for code in ("1.1.2", "1.2", "2.1"):
        assert scores[code].history.count() == before[code] + 1, code
        assert scores[code].history.first().history_change_reason == "appraisal accepted"
    assert scores["1.1.1"].history.count() == before["1.1.1"]


def test_officer_cannot_bulk_accept(client_for, officer_a, appraiser, assessment_a):
    in_appraisal(officer_a, appraiser, assessment_a)
    r = client_for(officer_a).post(reverse("assessments:accept_untouched", args=[assessment_a.pk]))
    assert r.status_code == 403
    assert not LeafScore.history.filter(
        assessment_id=assessment_a.pk, history_change_reason="appraisal accepted"
    ).exists()


def test_pdf_with_javascript_is_offered_as_download_only(client_for, officer_a, assessment_a):
    from assessments.services import evidence as evidence_services
    from tests.assessments.factories import PDF_BYTES, pdf

    active = PDF_BYTES.replace(b"1 0 obj<<>>", b"1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>")
    node = leaf(assessment_a, "2.1")
    plain = evidence_services.evidence_upload(
        user=officer_a, assessment_id=assessment_a.pk, node_id=node.pk, uploaded=pdf()
    )
    bad = evidence_services.evidence_upload(
        user=officer_a, assessment_id=assessment_a.pk, node_id=node.pk, uploaded=pdf("co-script.pdf", active)
    )
    c = client_for(officer_a)
    ok = c.get(reverse("assessments:evidence_view", args=[assessment_a.pk, plain.evidence.pk]))
    assert ok["Content-Disposition"].startswith("inline") and "sandbox" in ok["Content-Security-Policy"]
    refused = c.get(reverse("assessments:evidence_view", args=[assessment_a.pk, bad.evidence.pk]))
    assert refused["Content-Disposition"].startswith("attachment")
