"""One small province in which every URL of the authorisation matrix can be built and exercised.

``build_world`` creates, mostly through the same services production uses, one object of each kind a
URL may point at, owned by unit A (whose officer is ``officer_own``); unit B's officer is
``officer_other``. It is built once per test module (see conftest.py) and every request made against
it is rolled back. When a new kind of object gets its own pages, add it here and point the matrix's
kwargs at it.

States available (unit A): 2021 ``assessment_a`` draft, every leaf scored, evidence attached (the
officer may submit); 2020 ``assessment_a_appraisal`` in appraisal; 2019 ``assessment_a_final``
finalised. 2021 has a published run and a newer unpublished one; a SIPAS import waits in preview.
"""

import io
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessments.models import Assessment, EvidenceFile, Framework, LeafScore, Node, RankingGroup, Round, Unit
from notifications.models import Notification, Verb
from parindex.models import User
from rankings.models import Appeal, IndexRun, RunStatus
from rankings.services import index_run_create, index_run_execute
from surveys.models import SurveyImport, SurveyKind
from surveys.services.imports import survey_import_create, survey_import_preview
from tests.assessments.factories import fill, finalised, in_appraisal
from tests.factories import RankingGroupFactory, RoundFactory, UnitFactory, add_to_round, build_framework
from tests.surveys.factories import form_row, header_for, sipas_question, xlsx_bytes

ROLES = ("anonymous", "officer_own", "officer_other", "appraiser", "leader", "admin")


@dataclass
class World:
    round: Round  # 2021, open
    group: RankingGroup
    framework: Framework
    unit_a: Unit
    unit_b: Unit
    assessment_a: Assessment  # draft, complete: may be submitted
    assessment_b: Assessment
    assessment_a_appraisal: Assessment  # 2020, in appraisal
    assessment_a_final: Assessment  # 2019, finalised
    leaf: Node  # self leaf 1.1.1 (rule "levels") of 2021
    leaf_appraisal: Node  # the same leaf in 2020's framework
    score_a: LeafScore
    score_a_appraisal: LeafScore
    evidence_a: EvidenceFile  # attached to leaf 2.1 of assessment_a
    evidence_leaf: Node  # leaf 2.1 of 2021
    survey_import: SurveyImport  # SIPAS 2021, in preview
    run: IndexRun  # 2021, published
    run_unpublished: IndexRun  # 2021, succeeded, newer, not published
    run_stuck: IndexRun  # 2021, running, its worker silent for ten minutes
    import_failed: SurveyImport  # SIPAS 2021, failed with its file kept (retryable)
    users: dict[str, User | None]
    notification: Notification  # unread, told to officer_own
    appeal: Appeal  # lodged by unit A against the published 2021 run, not decided

    def user(self, role: str) -> User | None:
        return self.users[role]


def _user(username: str, **flags) -> User:
    user = User(username=username, full_name=username, **flags)
    user.set_unusable_password()  # personas log in with force_login; no hashing cost
    user.save()
    return user


def result_run(round_: Round, *, published: bool) -> IndexRun:
    """A real index run of the round's stored inputs (rankings.services), published or not."""
    run, _created = index_run_create(round=round_, enqueue=False)
    index_run_execute(run_id=run.pk)
    if published:
        IndexRun.objects.filter(pk=run.pk).update(is_published=True, published_at=timezone.now())
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def build_world() -> World:
    group = RankingGroupFactory(code="department", name="Sở, ban, ngành", display_order=1)
    unit_a = UnitFactory(code="SNV", name="Sở Nội vụ", group=group, display_order=1)
    unit_b = UnitFactory(code="STP", name="Sở Tư pháp", group=group, display_order=2)
    users = {
        "anonymous": None,
        "officer_own": _user("officer_a", is_officer=True, unit=unit_a),
        "officer_other": _user("officer_b", is_officer=True, unit=unit_b),
        "appraiser": _user("appraiser", is_appraiser=True),
        "leader": _user("leader", is_leader=True),
        "admin": _user("admin", is_par_admin=True, is_staff=True, is_superuser=True),
    }
    officer, appraiser, admin = users["officer_own"], users["appraiser"], users["admin"]

    frameworks = {}
    for year in (2019, 2020, 2021):
        rnd = RoundFactory(year=year, status="open")
        frameworks[year] = build_framework(round=rnd, group=group)
    round_ = Round.objects.get(year=2021)

    def leaf_of(year: int, code: str) -> Node:
        return Node.objects.get(framework=frameworks[year], code=code)

    assessment_a = add_to_round(round=round_, unit=unit_a)
    assessment_b = add_to_round(round=round_, unit=unit_b)
    fill(officer, assessment_a)
    a2020 = add_to_round(round=Round.objects.get(year=2020), unit=unit_a)
    in_appraisal(officer, appraiser, a2020)
    a2019 = add_to_round(round=Round.objects.get(year=2019), unit=unit_a)
    finalised(officer, appraiser, admin, a2019)
    for a in (assessment_a, a2020, a2019):
        a.refresh_from_db()

    sipas_question(round=round_, code="S1", element=1)
    content = xlsx_bytes(header_for(["S1"]), [form_row("SNV", "F1", [5]), form_row("STP", "F2", [4])])
    survey_import = survey_import_create(
        round=round_,
        survey=SurveyKind.SIPAS,
        fileobj=io.BytesIO(content),
        name="sipas-2021.xlsx",
        user=admin,
        enqueue=False,
    )
    survey_import = survey_import_preview(import_id=survey_import.pk)

    run = result_run(round_, published=True)
    run_unpublished = result_run(round_, published=False)

    run_stuck = IndexRun.objects.create(
        round=round_,
        status="running",
        started_at=timezone.now() - timedelta(minutes=10),
        heartbeat_at=timezone.now() - timedelta(minutes=10),
        attempts=1,
    )
    import_failed = survey_import_create(
        round=round_,
        survey=SurveyKind.SIPAS,
        fileobj=io.BytesIO(content),
        name="sipas-2021-lan-2.xlsx",
        user=admin,
        enqueue=False,
        allow_reimport=True,
    )
    SurveyImport.objects.filter(pk=import_failed.pk).update(status="failed", error="worker lost")
    import_failed.refresh_from_db()

    evidence_leaf = leaf_of(2021, "2.1")
    notification = Notification.objects.create(
        recipient=users["officer_own"],
        key="world:explanation",
        verb=Verb.EXPLANATION_REQUESTED,
        text="Yêu cầu giải trình 1 tiêu chí",
        link=f"/assessments/{assessment_a.pk}/",
    )
    appeal = Appeal.objects.create(
        run=run, unit=unit_a, reason="Đề nghị chấm lại tiêu chí 1.1.1", lodged_by=users["officer_own"]
    )
    appeal.nodes.set([leaf_of(2021, "1.1.1")])
    return World(
        appeal=appeal,
        round=round_,
        group=group,
        framework=frameworks[2021],
        unit_a=unit_a,
        unit_b=unit_b,
        assessment_a=assessment_a,
        assessment_b=assessment_b,
        assessment_a_appraisal=a2020,
        assessment_a_final=a2019,
        leaf=leaf_of(2021, "1.1.1"),
        leaf_appraisal=leaf_of(2020, "1.1.1"),
        score_a=LeafScore.objects.get(assessment=assessment_a, node=leaf_of(2021, "1.1.1")),
        score_a_appraisal=LeafScore.objects.get(assessment=a2020, node=leaf_of(2020, "1.1.1")),
        evidence_a=EvidenceFile.objects.get(assessment=assessment_a),
        evidence_leaf=evidence_leaf,
        survey_import=survey_import,
        run=run,
        run_unpublished=run_unpublished,
        users=users,
        notification=notification,
        run_stuck=run_stuck,
        import_failed=import_failed,
    )


def pdf_upload(name: str = "bien-ban.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% another document\n%%EOF\n", content_type="application/pdf")
