"""What is due, per role, on the home page: deadlines, counts and links."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AssessmentState, LeafScore
from notifications import selectors
from tests.assessments.factories import appraised, in_appraisal, leaf, submitted
from tests.security.world import result_run

pytestmark = pytest.mark.django_db
S = AssessmentState


@pytest.fixture
def open_round(round_2021):
    round_2021.status = "open"
    round_2021.self_deadline = timezone.now() + timedelta(days=5, hours=2)
    round_2021.explanation_deadline = timezone.now() + timedelta(days=20)
    round_2021.save()
    return round_2021


def texts(items):
    return [i.text for i in items]


def test_officer_sees_the_self_assessment_due_with_days_left_and_a_link(open_round, assessment_a, officer_a):
    [item] = selectors.todo_officer(officer_a)
    assert "chưa nộp" in item.text
    assert item.link == reverse("assessments:detail", kwargs={"pk": assessment_a.pk})
    assert item.days_left == 5 and not item.overdue


def test_officer_sees_the_overdue_self_assessment(open_round, assessment_a, officer_a):
    [item] = selectors.todo_officer(officer_a, now=open_round.self_deadline + timedelta(hours=1))
    assert item.overdue and item.days_left is None


def test_officer_sees_explanations_requested_not_other_units(
    open_round, assessment_a, assessment_b, officer_a, officer_b, appraiser
):
    from assessments.services import workflow

    in_appraisal(officer_a, appraiser, assessment_a)
    LeafScore.objects.filter(assessment=assessment_a, node=leaf(assessment_a, "1.2")).update(
        flagged=True, flag_request="Bổ sung"
    )
    workflow.assessment_request_explanations(user=appraiser, assessment_id=assessment_a.pk)
    [item] = selectors.todo_officer(officer_a)
    assert item.text == "Được yêu cầu giải trình 1 tiêu chí (Chỉ số CCHC năm 2021)"
    assert item.deadline == open_round.explanation_deadline
    # Unit B's officer sees only unit B's draft.
    assert texts(selectors.todo_officer(officer_b)) == ["Tự đánh giá của Sở Tư pháp – Chỉ số CCHC năm 2021: chưa nộp"]


def test_appraiser_sees_waiting_submissions_and_overdue_units(
    open_round, assessment_a, assessment_b, officer_a, appraiser
):
    submitted(officer_a, assessment_a)
    items = selectors.todo_appraiser(appraiser, now=open_round.self_deadline + timedelta(hours=1))
    assert texts(items) == [
        "1 bản tự đánh giá chờ thẩm định (Chỉ số CCHC năm 2021)",
        "1 đơn vị quá hạn: Sở Tư pháp",
    ]
    assert items[0].link == reverse("assessments:queue", kwargs={"round_id": open_round.pk})
    assert items[1].overdue


def test_an_extension_keeps_a_unit_off_the_overdue_list(open_round, assessment_b, appraiser):
    later = open_round.self_deadline + timedelta(days=2)
    Assessment.objects.filter(pk=assessment_b.pk).update(extension_until=later)
    assert selectors.todo_appraiser(appraiser, now=open_round.self_deadline + timedelta(hours=1)) == []


def test_admin_sees_imports_to_confirm_runs_to_publish_and_units_not_finalised(
    open_round, assessment_a, assessment_b, unit_a, officer_a, appraiser, admin_user
):
    import io

    from surveys.models import SurveyKind
    from surveys.services.imports import survey_import_create, survey_import_preview
    from tests.surveys.factories import form_row, header_for, sipas_question, xlsx_bytes

    appraised(officer_a, appraiser, assessment_a)
    result_run(open_round, published=False)
    sipas_question(round=open_round, code="S1", element=1)
    imp = survey_import_create(
        round=open_round,
        survey=SurveyKind.SIPAS,
        fileobj=io.BytesIO(xlsx_bytes(header_for(["S1"]), [form_row("SNV", "F1", [5])])),
        name="sipas-2021.xlsx",
        user=admin_user,
        enqueue=False,
    )
    survey_import_preview(import_id=imp.pk)
    items = selectors.todo_admin(admin_user)
    found = texts(items)
    assert found[0].startswith("Tệp khảo sát chờ xác nhận: SIPAS") and found[0].endswith("– sipas-2021.xlsx")
    assert items[0].link == reverse("surveys:import_detail", kwargs={"pk": imp.pk})
    assert found[1].startswith("Kết quả Chỉ số CCHC năm 2021 đã tính nhưng chưa công bố")
    assert found[2] == "2 đơn vị chưa chốt kết quả (Chỉ số CCHC năm 2021), 1 đơn vị sẵn sàng để chốt"


def test_a_published_run_is_not_to_publish_and_is_news_for_leaders(open_round, unit_a, admin_user, leader):
    result_run(open_round, published=True)
    assert selectors.runs_to_publish() == []
    [item] = selectors.todo_leader(leader)
    assert item.text.startswith("Công bố mới: kết quả Chỉ số CCHC năm 2021")
    assert item.link == reverse("dashboard:round", kwargs={"year": 2021})
    assert selectors.todo_leader(leader, now=timezone.now() + timedelta(days=31)) == []


def test_home_page_shows_each_roles_list_to_that_role_only(open_round, assessment_a, officer_a, client_for):
    html = client_for(officer_a).get(reverse("home")).content.decode()
    assert 'id="todo-officer"' in html and "Việc cần làm" in html
    assert "chưa nộp" in html and 'id="todo-admin"' not in html


def _home_queries(client, user) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


def test_home_page_queries_do_not_grow_with_the_number_of_units(open_round, framework, department_group, client):
    from tests.factories import UnitFactory, UserFactory, add_to_round

    everyone = UserFactory(username="all_roles", is_appraiser=True, is_leader=True, is_par_admin=True)

    def add_units(start, n):
        for i in range(start, start + n):
            a = add_to_round(round=open_round, unit=UnitFactory(code=f"U{i:03d}", group=department_group))
            state = [S.DRAFT, S.SUBMITTED, S.EXPLAINED, S.APPRAISED][i % 4]
            Assessment.objects.filter(pk=a.pk).update(state=state)

    add_units(0, 4)
    few = _home_queries(client, everyone)
    add_units(4, 40)
    assert _home_queries(client, everyone) == few
