"""One small province in which every URL of the authorisation matrix can be built and exercised.

``build_world`` creates, through the ORM, one object of each kind a URL may point at, owned by unit A
(whose officer is ``officer_own``); unit B's officer is ``officer_other``. When a new kind of object
gets its own pages, add it here and point the matrix's kwargs at it.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentEvent,
    EvidenceFile,
    Framework,
    LeafScore,
    Node,
    RankingGroup,
    Round,
    Unit,
)
from parindex.models import User
from rankings.models import IndexRun, RunStatus, UnitResult
from surveys.models import ImportStatus, SurveyImport, SurveyKind, SurveyQuestion
from tests.factories import add_to_round, build_framework

ROLES = ("anonymous", "officer_own", "officer_other", "appraiser", "leader", "admin")


@dataclass
class World:
    round: Round
    group: RankingGroup
    framework: Framework
    unit_a: Unit
    unit_b: Unit
    assessment_a: Assessment
    assessment_b: Assessment
    leaf: Node  # a self leaf (rule "levels")
    survey_leaf: Node  # a cs_survey leaf
    score_a: LeafScore
    evidence_a: EvidenceFile
    event_a: AssessmentEvent
    survey_question: SurveyQuestion
    survey_import: SurveyImport
    run: IndexRun  # published, with a result per unit
    result_a: UnitResult
    users: dict[str, User | None]

    def user(self, role: str) -> User | None:
        return self.users[role]


def build_world(*, officer_a: User, officer_b: User, appraiser: User, leader: User, admin_user: User) -> World:
    unit_a, unit_b = officer_a.unit, officer_b.unit
    group = unit_a.group
    round_ = Round.objects.get(year=2021)
    framework = Framework.objects.filter(round=round_, group=group).first() or build_framework(round=round_, group=group)
    assessment_a = add_to_round(round=round_, unit=unit_a)
    assessment_b = add_to_round(round=round_, unit=unit_b)
    leaf = Node.objects.get(framework=framework, code="1.1.1")
    survey_leaf = Node.objects.get(framework=framework, code="2.2")
    score_a = LeafScore.objects.create(
        assessment=assessment_a, node=leaf, self_inputs={"level": 2}, self_points=Decimal("2.00"), updated_by=officer_a
    )
    content = b"%PDF-1.4\n% evidence of unit A\n%%EOF\n"
    evidence_a = EvidenceFile(
        assessment=assessment_a, original_name="ke-hoach.pdf", content_type="application/pdf",
        size=len(content), sha256=hashlib.sha256(content).hexdigest(), uploaded_by=officer_a,
    )
    evidence_a.file.save("ke-hoach.pdf", ContentFile(content), save=False)
    evidence_a.save()
    score_a.evidence.add(evidence_a)
    event_a = AssessmentEvent.objects.create(assessment=assessment_a, actor=officer_a, action="note", comment="")
    survey_question = SurveyQuestion.objects.create(
        round=round_, survey=SurveyKind.CS, code="CS1", text="Đánh giá chung", leaf_code=survey_leaf.code
    )
    survey_bytes = b"PK\x05\x06" + b"\x00" * 18  # an empty zip: only its identity matters here
    survey_import = SurveyImport(
        round=round_, survey=SurveyKind.SIPAS, original_name="sipas.xlsx",
        sha256=hashlib.sha256(survey_bytes).hexdigest(), status=ImportStatus.PREVIEW, uploaded_by=admin_user,
    )
    survey_import.file.save("sipas.xlsx", ContentFile(survey_bytes), save=False)
    survey_import.save()
    now = timezone.now()
    run = IndexRun.objects.create(
        round=round_, status=RunStatus.SUCCEEDED, started_by=admin_user, started_at=now, finished_at=now,
        digest="0" * 64, units_count=2, progress_percent=100, is_published=True, published_at=now,
        published_by=admin_user,
    )
    results = []
    for rank, unit in enumerate((unit_a, unit_b), start=1):
        results.append(UnitResult.objects.create(
            run=run, unit=unit, group=group, display_order=unit.display_order, self_total=Decimal("6.00"),
            appraised_total=Decimal("5.00"), cs_points=Decimal("0.50"), sipas_points=Decimal("1.50"),
            total=Decimal("7.00") - rank, applicable_max=Decimal("10.00"), index_pct=Decimal("70.00") - 10 * rank,
            rank=rank, band="Khá" if rank == 1 else "Trung bình",
        ))
    return World(
        round=round_, group=group, framework=framework, unit_a=unit_a, unit_b=unit_b, assessment_a=assessment_a,
        assessment_b=assessment_b, leaf=leaf, survey_leaf=survey_leaf, score_a=score_a, evidence_a=evidence_a,
        event_a=event_a, survey_question=survey_question, survey_import=survey_import, run=run, result_a=results[0],
        users={
            "anonymous": None, "officer_own": officer_a, "officer_other": officer_b, "appraiser": appraiser,
            "leader": leader, "admin": admin_user,
        },
    )
