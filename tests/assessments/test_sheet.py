"""The printable self-assessment sheet: every self leaf with its points, the total, the official heading and
the signatures; readable by exactly those who may read the assessment."""

from django.urls import reverse

from tests.assessments.factories import MINI_INPUTS, MINI_SELF_TOTAL, fill


def test_sheet_lists_each_self_leaf_the_total_and_the_signature_block(client_for, officer_a, assessment_a):
    fill(officer_a, assessment_a)
    html = client_for(officer_a).get(reverse("assessments:sheet", args=[assessment_a.pk])).content.decode()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Độc lập - Tự do - Hạnh phúc" in html
    assert assessment_a.unit.name.upper() in html
    for _inputs, points in MINI_INPUTS.values():
        assert f">{str(points).replace('.', ',')}<" in html
    total = str(MINI_SELF_TOTAL).replace(".", ",")
    assert f'id="sheet-total">{total} /' in html
    assert "THỦ TRƯỞNG ĐƠN VỊ" in html and "(Ký, ghi rõ họ tên, đóng dấu)" in html


def test_officer_of_another_unit_cannot_print_the_sheet(client_for, officer_b, assessment_a):
    assert client_for(officer_b).get(reverse("assessments:sheet", args=[assessment_a.pk])).status_code == 404
