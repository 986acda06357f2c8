"""Demo self-assessments and appraisals (docs: /README.md "Demo"), made through the workflow services.

After ``assessments.demo.load_demo_base``: every unit of 2019 and 2020, and every unit of 2021 except
STP and 883 (where the officers' journey starts, in draft), is self-assessed, submitted, appraised and
finalised with varied, plausible scores (seeded, so every run gives the same data): self points above
appraised ones on average, a few N/A claims confirmed (one rejected), one late submission with an
extension per past round and a couple of explanation rounds per round.

Idempotent: an assessment that is not in draft, or already has scores, is left alone; each unit is
done in one transaction, so an interrupted run resumes cleanly.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from assessments.models import Assessment, AssessmentState, LeafScore, Node, Round, RoundStatus, Rule, Unit
from assessments.scoring import leaf_points, step_of
from assessments.services import evidence as evidence_services
from assessments.services import scores as score_services
from assessments.services import workflow
from assessments.services.common import self_leaves

JOURNEY_UNITS = {2021: {"STP", "883"}}  # left in draft: the officers' journey starts there
NA_REASON = "Trong năm đánh giá đơn vị không phát sinh nhiệm vụ này."
APPRAISAL_NOTES = [
    "Tài liệu kiểm chứng chưa thể hiện đầy đủ kết quả, điều chỉnh giảm.",
    "Số liệu chưa khớp với báo cáo CCHC năm của đơn vị.",
    "Văn bản ban hành sau thời hạn quy định.",
    "Hệ thống một cửa điện tử ghi nhận thêm trường hợp trễ hạn.",
]


def _demo_pdf(title: str) -> bytes:
    """A one-page PDF (standard font, so the text is written without diacritics)."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 60 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore").decode()


def _clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return max(lo, min(hi, x))


def _self_inputs(node: Node, quality: float, rng: random.Random) -> dict:
    q = _clamp(quality + rng.uniform(-0.15, 0.12))
    if node.rule == Rule.LEVELS:
        n = len(node.params.get("levels") or [])
        return {"level": min(n - 1, max(0, round(q * (n - 1) + rng.uniform(-0.2, 0.4))))}
    if node.rule == Rule.RATIO:
        d = rng.randint(8, 60)
        return {"numerator": min(d, round(d * q)), "denominator": d}
    if node.rule == Rule.DEDUCTION:
        return {"count": 0 if rng.random() < quality else rng.randint(1, 3)}
    step = step_of(node)
    points = (node.max_points * Decimal(str(round(q, 2))) / step).to_integral_value(ROUND_FLOOR) * step
    return {"points": str(points)}


def _lowered(node: Node, inputs: dict, rng: random.Random) -> dict:
    """Appraised inputs a little below the unit's (the appraiser finds less than claimed)."""
    if node.rule == Rule.LEVELS:
        return {"level": max(0, inputs["level"] - 1)}
    if node.rule == Rule.RATIO:
        n, d = inputs["numerator"], inputs["denominator"]
        return {"numerator": max(0, n - max(1, round(n * rng.uniform(0.1, 0.3)))), "denominator": d}
    if node.rule == Rule.DEDUCTION:
        return {"count": inputs["count"] + 1}
    points = Decimal(inputs["points"]) - step_of(node)
    return {"points": str(max(Decimal(0), points))}


def _officer_for(unit: Unit):
    """The unit's officer: the demo account where there is one, otherwise a named account without password."""
    from parindex.models import User

    existing = User.objects.filter(is_officer=True, unit=unit).order_by("id").first()
    if existing:
        return existing
    return User.objects.create(
        username=f"canbo_{unit.code.lower()}",
        full_name=f"Cán bộ {unit.name}",
        is_officer=True,
        unit=unit,
        password=make_password(None),
    )


def _staff():
    from parindex.models import User

    appraiser = User.objects.filter(username="thamdinh").first() or User.objects.filter(is_appraiser=True).first()
    admin = User.objects.filter(username="admin").first() or User.objects.filter(is_par_admin=True).first()
    return appraiser, admin


def _moment(rnd: Round, days_before_deadline: int) -> datetime | None:
    """A moment before the round's self deadline for past rounds; None (now) for the open round."""
    if rnd.status == RoundStatus.OPEN or rnd.self_deadline is None:
        return None
    return rnd.self_deadline - timedelta(days=days_before_deadline)


def _assess_unit(assessment: Assessment, *, appraiser, admin, rng: random.Random, late: bool, explain: bool) -> None:
    rnd, unit = assessment.round, assessment.unit
    officer = _officer_for(unit)
    quality = _clamp(0.62 + 0.3 * rng.random() + 0.02 * (rnd.year - 2019), 0.5, 0.98)
    leaves = list(self_leaves(assessment))
    na_leaves = {n.pk for n in leaves if n.na_allowed and rng.random() < 0.12}
    report = evidence_services.evidence_upload(
        user=officer,
        assessment_id=assessment.pk,
        node_id=leaves[0].pk,
        uploaded=SimpleUploadedFile(
            f"bao-cao-cchc-{rnd.year}-{unit.code.lower()}.pdf",
            _demo_pdf(_ascii(f"Bao cao ket qua CCHC nam {rnd.year} - {unit.name}")),
            content_type="application/pdf",
        ),
    ).evidence
    score_services.scores_fill_self(
        user=officer,
        assessment_id=assessment.pk,
        entries=[
            score_services.SelfEntry(node_id=node.pk, na=True, na_reason=NA_REASON)
            if node.pk in na_leaves
            else score_services.SelfEntry(
                node_id=node.pk,
                inputs=_self_inputs(node, quality, rng),
                evidence_ids=(report.pk,) if node.evidence_required and node.pk != leaves[0].pk else (),
            )
            for node in leaves
        ],
    )

    submit_at = _moment(rnd, rng.randint(1, 12))
    if late and rnd.self_deadline is not None and submit_at is not None:
        workflow.assessment_grant_extension(
            user=admin,
            assessment_id=assessment.pk,
            kind="self",
            until=rnd.self_deadline + timedelta(days=7),
            now=rnd.self_deadline + timedelta(days=1),
        )
        submit_at = rnd.self_deadline + timedelta(days=3)
    workflow.assessment_submit(user=officer, assessment_id=assessment.pk, now=submit_at)
    workflow.assessment_start_appraisal(user=appraiser, assessment_id=assessment.pk)

    scores = {s.node_id: s for s in LeafScore.objects.filter(assessment=assessment).select_related("node")}
    rejected_na = False
    lowered = []
    to_lower = {n.pk for n in rng.sample(leaves, k=min(len(leaves), rng.randint(2, 5)))}
    for node in leaves:
        s = scores[node.pk]
        if s.self_na:
            if not rejected_na and rng.random() < 0.2:
                rejected_na = True
                score_services.score_save_appraisal(
                    user=appraiser,
                    assessment_id=assessment.pk,
                    node_id=node.pk,
                    expected_version=s.version,
                    inputs=_lowered(node, _self_inputs(node, quality, rng), rng),
                    na_decision="rejected",
                    note="Đơn vị có phát sinh nhiệm vụ trong năm, không chấp nhận đề nghị không phát sinh.",
                )
            else:
                score_services.score_save_appraisal(
                    user=appraiser,
                    assessment_id=assessment.pk,
                    node_id=node.pk,
                    expected_version=s.version,
                    inputs=None,
                    na_decision="confirmed",
                    note="",
                )
        elif node.pk in to_lower:
            app = _lowered(node, s.self_inputs, rng)
            if leaf_points(node=node, inputs=app) != s.self_points:
                score_services.score_save_appraisal(
                    user=appraiser,
                    assessment_id=assessment.pk,
                    node_id=node.pk,
                    expected_version=s.version,
                    inputs=app,
                    note=rng.choice(APPRAISAL_NOTES),
                )
                lowered.append(node)

    if explain and lowered:
        flagged = lowered[: 1 + (len(lowered) > 2)]
        for node in flagged:
            s = LeafScore.objects.get(assessment=assessment, node=node)
            score_services.score_save_appraisal(
                user=appraiser,
                assessment_id=assessment.pk,
                node_id=node.pk,
                expected_version=s.version,
                inputs=s.app_inputs,
                note=s.app_note,
                flagged=True,
                flag_request="Đề nghị đơn vị giải trình và bổ sung tài liệu kiểm chứng cho kết quả tự chấm.",
            )
        workflow.assessment_request_explanations(user=appraiser, assessment_id=assessment.pk)
        explain_at = (
            None
            if rnd.status == RoundStatus.OPEN or not rnd.explanation_deadline
            else rnd.explanation_deadline - timedelta(days=2)
        )
        for node in flagged:
            s = LeafScore.objects.get(assessment=assessment, node=node)
            score_services.score_save_self(
                user=officer,
                assessment_id=assessment.pk,
                node_id=node.pk,
                expected_version=s.version,
                inputs=s.self_inputs,
                note=s.self_note,
                evidence_absence_note=s.evidence_absence_note,
                now=explain_at,
                explanation="Đơn vị đã bổ sung báo cáo chi tiết; kết quả tự chấm phù hợp với tài liệu kiểm chứng.",
            )
        workflow.assessment_respond(user=officer, assessment_id=assessment.pk, now=explain_at)
        workflow.assessment_resume_appraisal(user=appraiser, assessment_id=assessment.pk)
        for node in flagged:  # the explanation convinces the appraiser for every other leaf
            s = LeafScore.objects.get(assessment=assessment, node=node)
            accepted = rng.random() < 0.5
            score_services.score_save_appraisal(
                user=appraiser,
                assessment_id=assessment.pk,
                node_id=node.pk,
                expected_version=s.version,
                inputs=s.self_inputs if accepted else s.app_inputs,
                note="Chấp nhận giải trình của đơn vị."
                if accepted
                else "Giải trình chưa thuyết phục, giữ kết quả thẩm định.",
            )
    workflow.assessment_complete(user=appraiser, assessment_id=assessment.pk)
    workflow.assessment_finalise(user=admin, assessment_id=assessment.pk)


def load_demo_assessments() -> dict:
    """Assess, appraise and finalise the demo units; returns ``created`` (assessments finalised now)."""
    appraiser, admin = _staff()
    if appraiser is None or admin is None:
        return {"created": 0, "message": "no appraiser or admin account: run load_demo_base first"}
    done = 0
    for rnd in Round.objects.order_by("year"):
        keep = JOURNEY_UNITS.get(rnd.year, set())
        assessments = list(
            Assessment.objects.filter(round=rnd)
            .select_related("round", "unit")
            .order_by("group__display_order", "unit__display_order")
        )
        todo = [
            a
            for a in assessments
            if a.unit.code not in keep and a.state == AssessmentState.DRAFT and not a.scores.exists()
        ]
        rng_round = random.Random(f"parindex-demo-{rnd.year}")
        explainers = set(rng_round.sample([a.pk for a in assessments], k=min(2, len(assessments))))
        late_one = rng_round.choice([a.pk for a in assessments]) if assessments else None
        for assessment in todo:
            rng = random.Random(f"parindex-demo-{rnd.year}-{assessment.unit.code}")
            with transaction.atomic():
                _assess_unit(
                    assessment,
                    appraiser=appraiser,
                    admin=admin,
                    rng=rng,
                    late=assessment.pk == late_one,
                    explain=assessment.pk in explainers,
                )
            done += 1
    return {"created": done, "message": f"{done} assessments self-assessed, appraised and finalised"}
