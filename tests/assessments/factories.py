"""Building assessments in a given state through the same services production uses."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import LeafScore, Node
from assessments.services import evidence as evidence_services
from assessments.services import scores as score_services
from assessments.services import workflow

# Valid self inputs for every self leaf of tests.factories.MINI_FRAMEWORK, with the points they give.
MINI_INPUTS = {
    "1.1.1": ({"level": "2"}, Decimal("2.00")),
    "1.1.2": ({"numerator": "4", "denominator": "5"}, Decimal("1.60")),  # 4/5 × 2
    "1.2": ({"points": "1.75"}, Decimal("1.75")),
    "2.1": ({"count": "1"}, Decimal("0.75")),  # 1 − 1 × 0,25
}
MINI_SELF_TOTAL = sum(p for _, p in MINI_INPUTS.values())  # 6,10 of 7

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def leaf(assessment, code: str) -> Node:
    return Node.objects.get(framework__round=assessment.round, framework__group=assessment.group, code=code)


def version_of(assessment, code: str) -> int:
    score = LeafScore.objects.filter(assessment=assessment, node=leaf(assessment, code)).first()
    return score.version if score else 0


def save_self(officer, assessment, code: str, inputs=None, **kwargs):
    return score_services.score_save_self(
        user=officer,
        assessment_id=assessment.pk,
        node_id=leaf(assessment, code).pk,
        expected_version=version_of(assessment, code),
        inputs=inputs if inputs is not None else MINI_INPUTS[code][0],
        **kwargs,
    )


def save_app(appraiser, assessment, code: str, inputs=None, **kwargs):
    score = LeafScore.objects.get(assessment=assessment, node=leaf(assessment, code))
    return score_services.score_save_appraisal(
        user=appraiser,
        assessment_id=assessment.pk,
        node_id=score.node_id,
        expected_version=score.version,
        inputs=inputs if inputs is not None else score.app_inputs,
        **kwargs,
    )


def pdf(name: str = "ke-hoach.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def fill(officer, assessment) -> None:
    for code in MINI_INPUTS:
        save_self(officer, assessment, code)
    evidence_services.evidence_upload(
        user=officer, assessment_id=assessment.pk, node_id=leaf(assessment, "2.1").pk, uploaded=pdf()
    )


def submitted(officer, assessment):
    fill(officer, assessment)
    return workflow.assessment_submit(user=officer, assessment_id=assessment.pk)


def in_appraisal(officer, appraiser, assessment):
    submitted(officer, assessment)
    return workflow.assessment_start_appraisal(user=appraiser, assessment_id=assessment.pk)


def appraised(officer, appraiser, assessment):
    in_appraisal(officer, appraiser, assessment)
    return workflow.assessment_complete(user=appraiser, assessment_id=assessment.pk)


def finalised(officer, appraiser, admin, assessment):
    appraised(officer, appraiser, assessment)
    return workflow.assessment_finalise(user=admin, assessment_id=assessment.pk)


def explanation_requested(officer, appraiser, assessment, code: str = "1.1.2"):
    in_appraisal(officer, appraiser, assessment)
    save_app(appraiser, assessment, code, flagged=True, flag_request="Gửi báo cáo tổng kết kế hoạch")
    return workflow.assessment_request_explanations(user=appraiser, assessment_id=assessment.pk)
