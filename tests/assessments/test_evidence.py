"""Evidence files: type checked by content, size limit, empty refused, stored once, served safely."""

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import EvidenceFile, LeafScore
from assessments.services.evidence import evidence_link, evidence_upload
from tests.assessments.factories import PDF_BYTES, PNG_BYTES, explanation_requested, leaf, pdf, submitted


def upload(officer, assessment, code, f):
    return evidence_upload(user=officer, assessment_id=assessment.pk, node_id=leaf(assessment, code).pk, uploaded=f)


def xlsx_bytes() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Hồ sơ trễ hạn"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx_like(main_part: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(main_part, "<x/>")
    return buf.getvalue()


def test_pdf_is_stored_with_its_sha256_and_linked_to_the_leaf(officer_a, assessment_a):
    import hashlib

    result = upload(officer_a, assessment_a, "2.1", pdf())
    ev = result.evidence
    assert not result.reused
    assert ev.sha256 == hashlib.sha256(pdf().read()).hexdigest()
    assert (ev.content_type, ev.size, ev.original_name) == ("application/pdf", len(pdf().read()), "ke-hoach.pdf")
    assert list(LeafScore.objects.get(assessment=assessment_a, node=leaf(assessment_a, "2.1")).evidence.all()) == [ev]


def test_same_file_for_another_leaf_is_linked_not_stored_twice(officer_a, assessment_a):
    first = upload(officer_a, assessment_a, "2.1", pdf())
    second = upload(officer_a, assessment_a, "1.1.1", pdf("copy-with-another-name.pdf"))
    assert second.reused and second.evidence == first.evidence
    assert EvidenceFile.objects.filter(assessment=assessment_a).count() == 1
    assert LeafScore.objects.filter(assessment=assessment_a, evidence=first.evidence).count() == 2


def test_an_uploaded_file_can_be_linked_to_another_leaf(officer_a, assessment_a):
    ev = upload(officer_a, assessment_a, "2.1", pdf()).evidence
    evidence_link(
        user=officer_a, assessment_id=assessment_a.pk, node_id=leaf(assessment_a, "1.2").pk, evidence_id=ev.pk
    )
    assert LeafScore.objects.get(assessment=assessment_a, node=leaf(assessment_a, "1.2")).evidence.get() == ev


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bao-cao.pdf", b"MZ\x90\x00 this is an executable renamed to pdf" * 10),
        ("anh.png", b"%PDF-1.4 a pdf pretending to be a png"),
        ("bang.xlsx", docx_like("word/document.xml")),  # a Word package named .xlsx
        ("van-ban.docx", b"PK\x03\x04 not really a zip"),
        ("cu.doc", b"%PDF-1.4 not an OLE document" * 30),
        ("script.html", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_wrong_type_disguised_by_its_name_is_refused(officer_a, assessment_a, name, content):
    with pytest.raises(ValidationError) as exc:
        upload(officer_a, assessment_a, "2.1", SimpleUploadedFile(name, content))
    assert name in " ".join(exc.value.messages)
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("anh.png", PNG_BYTES, "image/png"),
        ("bang.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "van-ban.docx",
            docx_like("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_accepted_types_are_recognised_by_content(officer_a, assessment_a, name, content, content_type):
    assert (
        upload(officer_a, assessment_a, "2.1", SimpleUploadedFile(name, content)).evidence.content_type == content_type
    )


def test_file_over_the_size_limit_is_refused(officer_a, assessment_a, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    big = pdf(content=b"%PDF-1.4\n" + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError, match="1 MB"):
        upload(officer_a, assessment_a, "2.1", big)


def test_empty_file_is_refused(officer_a, assessment_a):
    with pytest.raises(ValidationError, match="rỗng|empty"):
        upload(officer_a, assessment_a, "2.1", SimpleUploadedFile("rong.pdf", b""))


def test_evidence_cannot_change_after_submission(officer_a, assessment_a):
    submitted(officer_a, assessment_a)
    with pytest.raises(ValidationError):
        upload(officer_a, assessment_a, "1.1.1", pdf("later.pdf", b"%PDF-1.4 other"))


def test_extra_evidence_only_on_flagged_leaves_during_explanations(officer_a, appraiser, assessment_a):
    explanation_requested(officer_a, appraiser, assessment_a, "1.1.2")
    upload(officer_a, assessment_a, "1.1.2", pdf("bao-cao-bo-sung.pdf", b"%PDF-1.4 extra"))
    with pytest.raises(ValidationError):
        upload(officer_a, assessment_a, "1.1.1", pdf("khac.pdf", b"%PDF-1.4 other"))


def test_upload_through_the_page_shows_the_file(client_for, officer_a, assessment_a):
    node = leaf(assessment_a, "2.1")
    r = client_for(officer_a).post(
        reverse("assessments:evidence_upload", args=[assessment_a.pk, node.pk]), {"file": pdf()}, HTTP_HX_REQUEST="true"
    )
    assert "ke-hoach.pdf" in r.content.decode()


def test_upload_of_a_disguised_file_through_the_page_shows_the_reason(client_for, officer_a, assessment_a):
    node = leaf(assessment_a, "2.1")
    r = client_for(officer_a).post(
        reverse("assessments:evidence_upload", args=[assessment_a.pk, node.pk]),
        {"file": SimpleUploadedFile("bao-cao.pdf", b"MZ" * 300)},
        HTTP_HX_REQUEST="true",
    )
    assert "không phải là tệp .pdf" in r.content.decode()


def test_pdf_with_javascript_is_always_an_attachment_never_run_on_the_apps_origin(
    client_for, officer_a, appraiser, assessment_a
):
    # A PDF may carry JavaScript; shown inline it would run in the browser's PDF viewer on ParIndex's origin.
    active = PDF_BYTES.replace(b"1 0 obj<<>>", b"1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>")
    assert active != PDF_BYTES
    ev = upload(officer_a, assessment_a, "2.1", pdf("ke-hoach.pdf", active)).evidence
    for view in ("assessments:evidence_view", "assessments:evidence_download"):
        r = client_for(appraiser).get(reverse(view, args=[assessment_a.pk, ev.pk]))
        assert r.status_code == 200
        assert r["Content-Type"] == "application/pdf" and r["X-Content-Type-Options"] == "nosniff"
        assert r["Content-Disposition"].startswith("attachment") and "ke-hoach.pdf" in r["Content-Disposition"]
        assert b"".join(r.streaming_content).startswith(b"%PDF")


def test_a_pdf_without_active_content_previews_only_in_a_sandbox(client_for, officer_a, appraiser, assessment_a):
    ev = upload(officer_a, assessment_a, "2.1", pdf()).evidence
    r = client_for(appraiser).get(reverse("assessments:evidence_view", args=[assessment_a.pk, ev.pk]))
    assert r["Content-Disposition"].startswith("inline")
    assert r["Content-Security-Policy"].startswith("sandbox;") and "default-src 'none'" in r["Content-Security-Policy"]
    download = client_for(appraiser).get(reverse("assessments:evidence_download", args=[assessment_a.pk, ev.pk]))
    assert download["Content-Disposition"].startswith("attachment")


def test_images_still_open_inline(client_for, officer_a, assessment_a):
    ev = upload(officer_a, assessment_a, "2.1", SimpleUploadedFile("anh.png", PNG_BYTES)).evidence
    r = client_for(officer_a).get(reverse("assessments:evidence_view", args=[assessment_a.pk, ev.pk]))
    assert r["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize("length", [84, 85, 250])
def test_long_file_names_upload_and_unlink_with_a_history_reason_that_fits(officer_a, assessment_a, length):
    from assessments.services.evidence import evidence_unlink

    name = "b" * (length - 4) + ".pdf"
    ev = upload(officer_a, assessment_a, "2.1", pdf(name)).evidence
    assert ev.original_name == name
    node = leaf(assessment_a, "2.1")
    evidence_unlink(user=officer_a, assessment_id=assessment_a.pk, node_id=node.pk, evidence_id=ev.pk)
    score = LeafScore.objects.get(assessment=assessment_a, node=node)
    assert not score.evidence.exists()
    reasons = list(score.history.values_list("history_change_reason", flat=True))
    # simple-history's column is varchar(100): PostgreSQL refuses anything longer (a 500 before the fix).
    assert all(len(r or "") <= 100 for r in reasons), reasons
    assert any(r.startswith("evidence removed: bbb") for r in reasons)


def test_word_files_are_never_shown_inline(client_for, officer_a, assessment_a):
    ev = upload(
        officer_a, assessment_a, "2.1", SimpleUploadedFile("van-ban.docx", docx_like("word/document.xml"))
    ).evidence
    r = client_for(officer_a).get(reverse("assessments:evidence_view", args=[assessment_a.pk, ev.pk]))
    assert r["Content-Disposition"].startswith("attachment")


def test_leader_may_read_evidence(client_for, officer_a, leader, assessment_a):
    ev = upload(officer_a, assessment_a, "2.1", pdf()).evidence
    assert (
        client_for(leader).get(reverse("assessments:evidence_download", args=[assessment_a.pk, ev.pk])).status_code
        == 200
    )


def test_stored_file_is_deleted_when_the_upload_transaction_rolls_back(officer_a, assessment_a, settings, monkeypatch):
    # The file is written to storage inside the transaction; a failure after that (here: recording the leaf's
    # history) rolls the rows back, and the file must not stay on disk without a row pointing to it.
    from assessments.services import evidence as evidence_module

    def fail(*args, **kwargs):
        raise RuntimeError("history write failed")

    monkeypatch.setattr(evidence_module, "_record", fail)
    with pytest.raises(RuntimeError):
        upload(officer_a, assessment_a, "2.1", pdf())
    assert not EvidenceFile.objects.exists()
    media = settings.MEDIA_ROOT
    left_behind = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert left_behind == []


def test_evidence_whose_file_is_missing_from_storage_is_not_found_not_a_server_error(
    client_for, officer_a, appraiser, assessment_a
):
    ev = upload(officer_a, assessment_a, "2.1", pdf()).evidence
    ev.file.storage.delete(ev.file.name)
    r = client_for(appraiser).get(reverse("assessments:evidence_view", args=[assessment_a.pk, ev.pk]))
    assert r.status_code == 404
