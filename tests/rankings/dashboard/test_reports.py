"""The official PDF report: made in a task, once per run and language, served from storage, with the layout
of an administrative document; the page shows its progress while it is being made."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from rankings import reports
from rankings.dashboard import exports
from rankings.models import ReportStatus, RunReport
from tests.rankings.dashboard.factories import make_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf_calls(monkeypatch):
    calls = []
    real = exports.pdf_bytes

    def counting(board, *, base_url):
        calls.append(board.run.pk)
        return real(board, base_url=base_url)

    monkeypatch.setattr(exports, "pdf_bytes", counting)
    return calls


def _text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def test_report_is_made_once_per_run_and_language_then_served_from_storage(
    world, leader, client_for, pdf_calls, django_capture_on_commit_callbacks
):
    run = world["runs"][2021]
    client = client_for(leader)
    url = reverse("dashboard:export_pdf", args=[2021])
    with django_capture_on_commit_callbacks(execute=True):  # the task runs once the request's row commits
        asked = client.get(url)
    assert asked.status_code == 302  # not made yet when the request answered: its progress page
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    first_bytes = b"".join(first.streaming_content)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.get(url)
    assert b"".join(second.streaming_content) == first_bytes
    assert pdf_calls == [run.pk]  # made once, the second download read the stored file
    report = RunReport.objects.get(run=run)
    assert report.status == ReportStatus.DONE and report.language == "vi" and report.file.name.endswith("-vi.pdf")


def test_page_shows_progress_while_the_report_is_being_made(world, leader, client_for):
    # Without running the commit hooks the task never runs: the report stays "waiting", as with a busy worker.
    client = client_for(leader)
    response = client.get(reverse("dashboard:export_pdf", args=[2021]))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:report", args=[2021])
    html = client.get(response["Location"]).content.decode()
    assert 'id="report-progress"' in html and 'hx-trigger="every 2s"' in html
    assert 'id="report-download"' not in html


def test_publishing_a_run_makes_its_report(world, admin_user, settings, pdf_calls, django_capture_on_commit_callbacks):
    from rankings.services import index_run_publish

    settings.REPORT_ON_PUBLISH = True
    run = make_run(round=world["round"], published=False, seed=11)
    with django_capture_on_commit_callbacks(execute=True):
        index_run_publish(run=run, user=admin_user, confirmed=True, reason="Kiểm tra báo cáo")
    report = RunReport.objects.get(run=run, language="vi")
    assert report.status == ReportStatus.DONE and pdf_calls == [run.pk]


def test_unpublished_run_has_no_report(world):
    run = make_run(round=world["round"], published=False, seed=12)
    with pytest.raises(ValidationError):
        reports.report_request(run=run, language="vi")
    assert not RunReport.objects.filter(run=run).exists()


def test_report_has_the_official_layout(world, django_capture_on_commit_callbacks, settings):
    settings.REPORT_ISSUING_BODY = "ỦY BAN NHÂN DÂN TỈNH AN GIANG"
    run = world["runs"][2021]
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_request(run=run, language="vi")
    report.refresh_from_db()
    text = _text(report.file.read())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "ỦY BAN NHÂN DÂN TỈNH AN GIANG" in text
    assert "Số: ………/BC-UBND" in text
    published = run.published_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"An Giang, ngày {published:%d} tháng {published:%m} năm {published:%Y}" in text
    assert "CHỦ TỊCH" in text and "Nơi nhận:" in text and "BÁO CÁO" in text
    assert "Lượt tính" not in text and f"#{run.pk}" not in text  # the document is named, not the run


def test_a_failed_report_is_tried_again_at_most_max_attempts(world, monkeypatch, django_capture_on_commit_callbacks):
    def broken(board, *, base_url):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(exports, "pdf_bytes", broken)
    run = world["runs"][2021]
    for _ in range(reports.MAX_ATTEMPTS + 2):
        with django_capture_on_commit_callbacks(execute=True):
            reports.report_request(run=run, language="vi")
    report = RunReport.objects.get(run=run)
    assert report.status == ReportStatus.FAILED and report.attempts == reports.MAX_ATTEMPTS
    assert report.error and "no fonts" not in report.error
