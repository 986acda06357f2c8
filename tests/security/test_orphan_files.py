"""Files left in storage without a row (a worker killed between the file write and the commit) are swept."""

import io
import os
import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from assessments.services.evidence import evidence_upload
from tests.assessments.factories import leaf, pdf


def age(name: str, seconds: int) -> None:
    path = default_storage.path(name)
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_sweep_removes_old_orphans_and_keeps_referenced_and_recent_files(officer_a, assessment_a):
    kept = evidence_upload(
        user=officer_a, assessment_id=assessment_a.pk, node_id=leaf(assessment_a, "2.1").pk, uploaded=pdf()
    ).evidence.file.name
    orphan_evidence = default_storage.save("evidence/2026/12/deadbeef.pdf", ContentFile(b"%PDF-1.4 orphan"))
    orphan_survey = default_storage.save("surveys/2026/phieu.xlsx", ContentFile(b"PK orphan"))
    recent = default_storage.save("evidence/2026/12/in-flight.pdf", ContentFile(b"%PDF-1.4 committing"))
    unrelated = default_storage.save("other/readme.txt", ContentFile(b"not an upload folder"))
    for name in (kept, orphan_evidence, orphan_survey, unrelated):
        age(name, 2 * 3600)

    out = io.StringIO()
    call_command("sweep_orphan_files", "--dry-run", stdout=out)
    assert "would delete 2" in out.getvalue()
    assert default_storage.exists(orphan_evidence)

    call_command("sweep_orphan_files", stdout=io.StringIO())
    assert not default_storage.exists(orphan_evidence) and not default_storage.exists(orphan_survey)
    assert default_storage.exists(kept)  # a row refers to it
    assert default_storage.exists(recent)  # may belong to an upload still committing
    assert default_storage.exists(unrelated)  # outside the upload folders
