"""Evidence with active content (macros, DDE, external links, JavaScript) is flagged to its readers."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assessments.active_content import scan_active_content
from assessments.models import EvidenceFile
from assessments.services.evidence import evidence_upload
from tests.assessments.factories import leaf
from tests.data.hostile.make_corpus import ACTIVE

ACTIVE_DIR = Path(__file__).resolve().parents[1] / "data" / "hostile" / "active"


def upload(officer, assessment, name: str, content: bytes):
    return evidence_upload(
        user=officer,
        assessment_id=assessment.pk,
        node_id=leaf(assessment, "2.1").pk,
        uploaded=SimpleUploadedFile(name, content),
    ).evidence


@pytest.mark.parametrize("name", sorted(ACTIVE))
def test_active_content_is_recorded_at_upload(officer_a, assessment_a, name):
    expected = ACTIVE[name][1]
    evidence = upload(officer_a, assessment_a, name, (ACTIVE_DIR / name).read_bytes())
    assert evidence.active_content == expected, ACTIVE[name][0]


def test_readers_see_a_warning_next_to_a_flagged_file(officer_a, appraiser, assessment_a, client_for):
    upload(officer_a, assessment_a, "macro.docx", (ACTIVE_DIR / "macro.docx").read_bytes())
    upload(officer_a, assessment_a, "plain.docx", (ACTIVE_DIR / "plain.docx").read_bytes())
    html = (
        client_for(appraiser).get(reverse("assessments:detail", args=[assessment_a.pk]) + "?open=all").content.decode()
    )
    assert html.count("active-content") == 1
    assert "chứa macro" in html


def test_archive_expanding_beyond_the_cap_is_flagged_unchecked_not_inflated(settings):
    settings.EVIDENCE_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    buf = io.BytesIO((ACTIVE_DIR / "plain.docx").read_bytes())
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document2.xml", b" " * (5 * 1024 * 1024))
    assert scan_active_content(buf, "docx") == ["unchecked"]


def test_command_flags_files_stored_before_the_check(officer_a, assessment_a):
    for name in ("dde_formula.xlsx", "javascript.pdf", "plain.xlsx"):
        upload(officer_a, assessment_a, name, (ACTIVE_DIR / name).read_bytes())
    EvidenceFile.objects.update(active_content=[])  # as they were before the check existed
    out = io.StringIO()
    call_command("scan_evidence_active_content", stdout=out)
    flags = dict(EvidenceFile.objects.values_list("original_name", "active_content"))
    assert flags == {"dde_formula.xlsx": ["dde"], "javascript.pdf": ["javascript"], "plain.xlsx": []}
    assert "with active content 2" in out.getvalue()
