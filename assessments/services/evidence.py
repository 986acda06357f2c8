"""Evidence files (tài liệu kiểm chứng): upload checked by content, stored once per assessment, linked to leaves."""

import hashlib
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.active_content import scan_active_content
from assessments.models import Assessment, AssessmentState, EvidenceFile, LeafScore
from assessments.services.common import history_reason, lock_assessment
from assessments.services.scores import _leaf_of, _lock_score, require_explanation_open
from assessments.workflow import Action, check

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Extension → the content type the stored file is served with.
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The part an Office Open XML package of that kind must contain.
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
ZIP_MAX_MEMBERS = 10_000


@dataclass(frozen=True)
class UploadResult:
    evidence: EvidenceFile
    reused: bool


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_evidence_file(uploaded: UploadedFile) -> tuple[str, str]:
    """Refuse empty, oversized or mistyped files; return (content type, sha256). The type comes from the content."""
    name = uploaded.name or ""
    limit = settings.EVIDENCE_MAX_BYTES
    if uploaded.size is not None and uploaded.size > limit:
        raise ValidationError(
            {"file": _("The file “%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": limit // (1024 * 1024)}}
        )
    digest, size = hashlib.sha256(), 0
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        size += len(chunk)
        if size > limit:
            raise ValidationError(
                {
                    "file": _("The file “%(name)s” is larger than %(mb)s MB.")
                    % {"name": name, "mb": limit // (1024 * 1024)}
                }
            )
        digest.update(chunk)
    if size == 0:
        raise ValidationError({"file": _("The file “%(name)s” is empty.") % {"name": name}})
    ext = _extension(name)
    if ext not in ALLOWED:
        raise ValidationError(
            {
                "file": _(
                    "“%(name)s”: only PDF, Word (.doc, .docx), Excel (.xls, .xlsx) and images (.png, .jpg) are accepted."
                )
                % {"name": name}
            }
        )
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    detected = kind.extension if kind else None
    expected = "jpg" if ext == "jpeg" else ext
    if ext in ("doc", "xls"):
        # Old Office files are OLE compound documents; the detector recognises only some of them by name.
        ok = head.startswith(OLE_MAGIC) and detected in (None, "doc", "xls")
    elif ext in OOXML_MAIN_PART:
        ok = detected in ("docx", "xlsx", "zip", None) and _ooxml_has_part(uploaded, OOXML_MAIN_PART[ext])
    else:
        ok = detected == expected
    if not ok:
        raise ValidationError(
            {"file": _("The content of “%(name)s” is not a .%(ext)s file.") % {"name": name, "ext": ext}}
        )
    return ALLOWED[ext], digest.hexdigest()


def _ooxml_has_part(uploaded: UploadedFile, part: str) -> bool:
    try:
        with zipfile.ZipFile(uploaded) as archive:
            names = archive.namelist()
            return len(names) <= ZIP_MAX_MEMBERS and "[Content_Types].xml" in names and part in names
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        uploaded.seek(0)


def _require_unit_may_change(user, assessment: Assessment, score: LeafScore) -> None:
    check(user, assessment, Action.EDIT_SELF)
    if assessment.state == AssessmentState.EXPLANATION_REQUESTED:
        if not score.flagged:
            raise ValidationError(_("Only the criteria the appraiser flagged can be changed now."))
        require_explanation_open(assessment, timezone.now())


def _ensure_saved(score: LeafScore, user) -> None:
    if score.pk is None:  # first touch of the leaf: create its row so files can be attached
        score.updated_by = user
        score._history_user = user
        score._change_reason = "created"
        score.save()


def _record(score: LeafScore, user, reason: str) -> None:
    # Evidence does not touch the inputs, so the leaf's version (the inputs' edit guard) stays as it is.
    score.updated_by = user
    score._history_user = user
    score._change_reason = history_reason(reason)
    score.save()


def evidence_upload(*, user, assessment_id: int, node_id: int, uploaded: UploadedFile) -> UploadResult:
    """Attach a file to a leaf; the same content already uploaded for this assessment is linked, not stored twice."""
    content_type, sha256 = check_evidence_file(uploaded)
    stored = None  # the file written to storage by this call, removed again if its transaction rolls back
    try:
        with transaction.atomic():
            # Two uploads of the same file (e.g. for two leaves, or a double click) are serialised by this lock,
            # so the second one finds the first one's row instead of tripping the unique constraint.
            assessment = lock_assessment(assessment_id)
            score = _lock_score(assessment, _leaf_of(assessment, node_id))
            _require_unit_may_change(user, assessment, score)
            evidence = EvidenceFile.objects.filter(assessment=assessment, sha256=sha256).first()
            reused = evidence is not None
            if evidence is None:
                evidence = EvidenceFile(
                    assessment=assessment,
                    original_name=uploaded.name[:255],
                    content_type=content_type,
                    size=uploaded.size,
                    sha256=sha256,
                    uploaded_by=user,
                    active_content=scan_active_content(uploaded, _extension(uploaded.name)),
                )
                evidence.file.save(f"{sha256[:16]}.{_extension(uploaded.name)}", uploaded, save=False)
                stored = evidence.file.name
                evidence.save()
            _ensure_saved(score, user)
            score.evidence.add(evidence)
            _record(score, user, f"evidence added: {evidence.original_name}")
    except BaseException:
        # Storage is not transactional: a file saved before the rollback would be left behind with no row.
        if stored:
            evidence.file.storage.delete(stored)
        raise
    return UploadResult(evidence=evidence, reused=reused)


def evidence_link(*, user, assessment_id: int, node_id: int, evidence_id: int) -> EvidenceFile:
    """Use a file already uploaded for this assessment as evidence of another leaf."""
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        score = _lock_score(assessment, _leaf_of(assessment, node_id))
        _require_unit_may_change(user, assessment, score)
        evidence = EvidenceFile.objects.filter(assessment=assessment, pk=evidence_id).first()
        if evidence is None:
            raise ValidationError({"evidence": _("Choose a file of this assessment.")})
        _ensure_saved(score, user)
        score.evidence.add(evidence)
        _record(score, user, f"evidence linked: {evidence.original_name}")
    return evidence


def evidence_unlink(*, user, assessment_id: int, node_id: int, evidence_id: int) -> None:
    """Detach a file from a leaf; the file stays with the assessment (history refers to it)."""
    with transaction.atomic():
        assessment = lock_assessment(assessment_id)
        score = _lock_score(assessment, _leaf_of(assessment, node_id))
        _require_unit_may_change(user, assessment, score)
        evidence = score.evidence.filter(pk=evidence_id).first() if score.pk else None
        if evidence is None:
            raise ValidationError({"evidence": _("This file is not attached to the criterion.")})
        score.evidence.remove(evidence)
        _record(score, user, f"evidence removed: {evidence.original_name}")
