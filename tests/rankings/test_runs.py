"""Index runs: digest and idempotence, atomic writes, publication, coalesced triggers, constant queries."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from assessments.models import LeafScore
from assessments.signals import assessment_finalised, assessment_reopened
from rankings import services
from rankings.models import IndexRun, RunStatus, UnitResult
from rankings.selectors import run_latest_published, run_latest_succeeded
from surveys.signals import survey_import_confirmed
from tests.rankings.conftest import results_by_code
from tests.rankings.factories import score, scores, survey, unit_in_round

FULL = {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"}
FIELDS = (
    "unit_id",
    "group_id",
    "self_total",
    "appraised_total",
    "cs_points",
    "sipas_points",
    "total",
    "applicable_max",
    "index_pct",
    "rank",
    "band",
    "provisional",
    "warnings",
)


def _snapshot(run):
    """Every stored figure of the run's results, with the breakdown as readers see it."""
    results = UnitResult.objects.filter(run=run).order_by("unit_id")
    return [(*(getattr(r, f) for f in FIELDS), r.breakdown) for r in results]


def _units(round, group, n, start=0):
    out = []
    for i in range(start, start + n):
        a = unit_in_round(round=round, group=group, code=f"U{i:03d}", order=i)
        scores(a, {"1.1.1": "2", "1.1.2": str(i % 3), "1.2": "1.5", "2.1": "1"})
        out.append(a)
    return out


def _surveys_for(round, assessments):
    survey(round, {(a, "2.2"): "0.75" for a in assessments}, kind="cs")
    survey(round, {(a, "3"): "1.5" for a in assessments}, kind="sipas")


@pytest.fixture
def three_units(round_2021, framework, department_group):
    units = _units(round_2021, department_group, 3)
    _surveys_for(round_2021, units)
    return units


def test_unchanged_inputs_give_the_same_digest_and_identical_results(round_2021, three_units, compute):
    first = compute(round_2021)
    second = compute(round_2021)
    assert first.pk != second.pk and first.status == second.status == RunStatus.SUCCEEDED
    assert first.digest and first.digest == second.digest
    assert _snapshot(first) == _snapshot(second)


@pytest.mark.parametrize("change", ["score", "na_decision", "survey", "policy", "bands", "leaf_max"])
def test_any_changed_input_changes_the_digest(round_2021, three_units, compute, change):
    before = compute(round_2021).digest
    a = three_units[0]
    if change == "score":
        LeafScore.objects.filter(assessment=a, node__code="2.1").update(app_points=Decimal("0.75"))
    elif change == "na_decision":
        LeafScore.objects.filter(assessment=a, node__code="1.2").update(self_na=True, na_decision="confirmed")
    elif change == "survey":
        survey(round_2021, {(x, "3"): "1.25" for x in three_units}, kind="sipas")
    elif change == "policy":
        round_2021.missing_survey_policy = "zero"
        round_2021.save()
    elif change == "bands":
        round_2021.bands = [{"label": "A", "min": "85"}, {"label": "B", "min": "0"}]
        round_2021.save()
    else:
        from assessments.models import Node

        Node.objects.filter(framework__round=round_2021, code="2.1").update(max_points=Decimal("1.50"))
    assert compute(round_2021).digest != before


def test_failure_inside_the_bulk_write_leaves_previous_results_and_no_partial_run(round_2021, three_units, compute):
    good = compute(round_2021)
    before = _snapshot(good)
    # A corrupt input: appraised points above the leaf's maximum (5 > 2) on the last unit. Its total
    # (5 + 2 + 1,5 + 1 + 0,75 + 1,5 = 11,75) exceeds the applicable maximum 10, which the database
    # refuses while the results are being written.
    LeafScore.objects.filter(assessment=three_units[-1], node__code="1.1.1").update(app_points=Decimal("5.00"))
    run, _ = services.index_run_create(round=round_2021, trigger="test", enqueue=False)
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        services.index_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error
    assert not UnitResult.objects.filter(run=run).exists()
    assert run_latest_succeeded(round=round_2021) == good
    assert _snapshot(good) == before


def test_redelivered_task_of_a_succeeded_run_writes_nothing(round_2021, three_units, compute):
    run = compute(round_2021)
    before = _snapshot(run)
    assert services.index_run_execute(run_id=run.pk) is None
    assert _snapshot(run) == before and UnitResult.objects.filter(run=run).count() == 3


def test_run_left_running_by_a_dead_worker_is_computed_again(round_2021, three_units):
    run, _ = services.index_run_create(round=round_2021, trigger="test", enqueue=False)
    IndexRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    services.index_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.results.count() == 3


def test_published_run_never_changes_after_new_inputs(round_2021, three_units, compute, admin_user):
    published = services.index_run_publish(run=compute(round_2021), user=admin_user, confirmed=True, reason="Kiểm thử")
    before = _snapshot(published)
    scores(three_units[0], {"1.1.1": "0", "1.1.2": "0"})
    later = compute(round_2021)
    assert run_latest_published(round=round_2021) == published
    assert _snapshot(published) == before
    assert _snapshot(later) != before
    with pytest.raises(ValidationError):
        services.index_run_publish(run=published, user=admin_user, confirmed=True, reason="Kiểm thử")
    with pytest.raises(ValidationError):
        services.index_run_delete(run=published, user=admin_user)
    # Executing the published run again is a no-op.
    assert services.index_run_execute(run_id=published.pk) is None
    published.refresh_from_db()
    assert published.is_published and _snapshot(published) == before


def test_only_admins_publish(round_2021, three_units, compute, appraiser, leader):
    run = compute(round_2021)
    for user in (appraiser, leader):
        with pytest.raises(PermissionDenied):
            services.index_run_publish(run=run, user=user, confirmed=True, reason="Kiểm thử")
    run.refresh_from_db()
    assert not run.is_published


def test_failed_run_cannot_be_published(round_2021, three_units, admin_user):
    run, _ = services.index_run_create(round=round_2021, trigger="test", enqueue=False)
    IndexRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)
    with pytest.raises(ValidationError):
        services.index_run_publish(run=run, user=admin_user, confirmed=True, reason="Kiểm thử")


def test_leaders_and_officers_cannot_start_a_run(round_2021, leader, officer_a):
    for user in (leader, officer_a):
        with pytest.raises(PermissionDenied):
            services.index_run_create(round=round_2021, user=user)


def test_burst_of_triggers_coalesces_into_one_run(round_2021, three_units, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assessment_finalised.send(sender=None, round_id=round_2021.pk, assessment_id=three_units[0].pk)
        assessment_finalised.send(sender=None, round_id=round_2021.pk, assessment_id=three_units[1].pk)
        assessment_reopened.send(sender=None, round_id=round_2021.pk, assessment_id=three_units[2].pk)
        survey_import_confirmed.send(sender=None, round_id=round_2021.pk, survey="sipas", import_id=1)
    runs = list(IndexRun.objects.filter(round=round_2021))
    assert len(runs) == 1
    assert runs[0].status == RunStatus.SUCCEEDED and runs[0].trigger.startswith("assessment_finalised")
    assert runs[0].results.count() == 3


def test_waiting_run_is_reused_and_a_new_one_made_once_it_started(round_2021, three_units):
    first, created = services.index_run_create(round=round_2021, trigger="a", enqueue=False)
    again, created_again = services.index_run_create(round=round_2021, trigger="b", enqueue=False)
    assert created and not created_again and again.pk == first.pk
    IndexRun.objects.filter(pk=first.pk).update(status=RunStatus.RUNNING)
    # Inputs may have changed after the running run read them: a new waiting run is made.
    later, created_later = services.index_run_create(round=round_2021, trigger="c", enqueue=False)
    assert created_later and later.pk != first.pk


def test_a_second_waiting_run_is_refused_by_the_database(round_2021):
    from django.db import IntegrityError, transaction

    IndexRun.objects.create(round=round_2021)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndexRun.objects.create(round=round_2021)


def _queries_for_run(round):
    run, _ = services.index_run_create(round=round, trigger="test", enqueue=False)
    with CaptureQueriesContext(connection) as ctx:
        services.index_run_execute(run_id=run.pk)
    assert IndexRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_number_of_units(
    round_2021, framework, department_group, django_assert_max_num_queries
):
    small = _units(round_2021, department_group, 3)
    _surveys_for(round_2021, small)
    few = _queries_for_run(round_2021)
    many_units = small + _units(round_2021, department_group, 40, start=3)
    _surveys_for(round_2021, many_units)
    run, _ = services.index_run_create(round=round_2021, enqueue=False)
    with django_assert_max_num_queries(few):
        services.index_run_execute(run_id=run.pk)
    assert _queries_for_run(round_2021) == few
    # 20 for the index, 3 more for the margin of error (current imports; per import its questions and one
    # aggregate; the round's minimum sample when one is set).
    assert few <= 25


def test_compute_index_command_computes_and_publishes(round_2021, three_units, admin_user, capsys):
    call_command("compute_index", "--round", "2021", "--publish")
    run = run_latest_published(round=round_2021)
    assert run is not None and run.results.count() == 3
    r = results_by_code(run)
    # U000: 2 + 0 + 1,5 + 1 + 0,75 + 1,5 = 6,75 / 10 → 67,50 %
    assert r["U000"].index_pct == Decimal("67.50")
    assert "published" in capsys.readouterr().out


def test_unit_without_framework_gets_a_warning(round_2021, framework, department_group, district_group, compute):
    a = unit_in_round(round=round_2021, group=district_group, code="X", order=1)
    score  # noqa: B018 - the district has no framework in this round
    r = results_by_code(compute(round_2021))["X"]
    assert r.applicable_max == 0 and r.index_pct == 0
    assert [w["code"] for w in r.warnings] == ["no_framework"]
    assert a.unit.code == "X"


def test_finalising_through_the_workflow_recomputes_the_round_once(
    round_2021, framework, department_group, admin_user, django_capture_on_commit_callbacks
):
    from assessments.models import Assessment
    from assessments.services.workflow import assessment_reopen, assessments_finalise_appraised

    units = _units(round_2021, department_group, 3)
    _surveys_for(round_2021, units)
    Assessment.objects.filter(pk__in=[a.pk for a in units]).update(state="appraised")
    with django_capture_on_commit_callbacks(execute=True):
        finalised = assessments_finalise_appraised(user=admin_user, round=round_2021)
    assert len(finalised) == 3
    run = IndexRun.objects.get(round=round_2021)  # three finalisations, one run
    assert run.status == RunStatus.SUCCEEDED and not any(r.provisional for r in run.results.all())

    with django_capture_on_commit_callbacks(execute=True):
        assessment_reopen(user=admin_user, assessment_id=units[0].pk, reason="Sai sót số liệu")
    latest = IndexRun.objects.filter(round=round_2021).latest("id")
    assert latest.pk != run.pk and latest.trigger.startswith("assessment_reopened")
    assert latest.results.get(unit=units[0].unit).provisional


def test_a_failing_run_triggered_by_a_finalisation_does_not_break_the_finalisation(
    round_2021, three_units, django_capture_on_commit_callbacks
):
    # Corrupt input (5 points on a 2-point leaf): U002's total 5 + 2 + 1,5 + 1 + 0,75 + 1,5 = 11,75 > 10,
    # which the database refuses.
    LeafScore.objects.filter(assessment=three_units[-1], node__code="1.1.1").update(app_points=Decimal("5.00"))
    with django_capture_on_commit_callbacks(execute=True):
        assessment_finalised.send(sender=None, round_id=round_2021.pk, assessment_id=three_units[0].pk)
    run = IndexRun.objects.get(round=round_2021)
    assert run.status == RunStatus.FAILED and run.error
    assert not run.results.exists()
    # The admin reads a Vietnamese sentence, never the database's text (constraint names, SQL).
    with translation.override("vi"):
        expected = services._failure_message(IntegrityError(), run.pk)
    assert run.error == expected
    assert "result_" not in run.error and "constraint" not in run.error.lower()


def test_warnings_keep_leaf_codes_with_quotes_backslashes_and_line_breaks(round_2021, three_units, compute):
    from assessments.models import Node

    odd = 'x"y\\z\nw'
    Node.objects.filter(framework__round=round_2021, code="1.1.1").update(code=odd)
    LeafScore.objects.filter(assessment=three_units[0], node__code=odd).delete()
    result = compute(round_2021).results.get(unit=three_units[0].unit)
    unscored = next(w for w in result.warnings if w["code"] == "unscored")
    assert unscored["leaves"] == [odd]


def test_failed_run_shows_admins_a_vietnamese_message_and_no_sql(
    round_2021, three_units, caplog, client_for, admin_user
):
    LeafScore.objects.filter(assessment=three_units[-1], node__code="1.1.1").update(app_points=Decimal("5.00"))
    run, _ = services.index_run_create(round=round_2021, trigger="test", enqueue=False)
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        services.index_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    for leaked in ("result_", "INSERT", "SELECT", "constraint", "CHECK", "rankings_"):
        assert leaked not in run.error, run.error
    # Points above a maximum: the admin is told so in Vietnamese; the database's text is in the log.
    assert "điểm" in run.error
    assert any(r.exc_info and f"index run {run.pk}" in r.getMessage() for r in caplog.records)
    page = client_for(admin_user).get(reverse("rankings:run", kwargs={"run_id": run.pk})).content.decode()
    assert "result_" not in page and "rankings_" not in page


def test_names_and_labels_with_quotes_backslashes_and_tabs_survive_the_write(round_2021, three_units, compute):
    from assessments.models import Node

    odd = 'Tiêu chí "đặc biệt" \\ C:\\thư mục\tcó tab\nvà dòng mới'
    Node.objects.filter(framework__round=round_2021, code="1.1").update(name=odd)
    round_2021.bands = [{"label": 'Nhóm "A"\\1\t', "min": "0"}]
    round_2021.save()
    result = compute(round_2021).results.first()
    assert result.band == 'Nhóm "A"\\1\t'
    assert next(c for c in result.breakdown["criteria"] if c["code"] == "1.1")["name"] == odd


def test_no_run_is_requested_while_recomputation_is_paused(round_2021, three_units, django_capture_on_commit_callbacks):
    from rankings.receivers import recompute_paused

    with django_capture_on_commit_callbacks(execute=True), recompute_paused():
        assessment_finalised.send(sender=None, round_id=round_2021.pk, assessment_id=three_units[0].pk)
    assert not IndexRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assessment_finalised.send(sender=None, round_id=round_2021.pk, assessment_id=three_units[0].pk)
    assert IndexRun.objects.count() == 1


def test_node_with_results_cannot_be_deleted_but_its_round_can(round_2021, three_units, compute):
    from django.db.models import RestrictedError

    from assessments.models import Node, Round
    from rankings.models import NodeResult
    from surveys.models import SurveyImport

    run = compute(round_2021)
    node = Node.objects.get(framework__round=round_2021, code="1.1.1")
    assert NodeResult.objects.filter(result__run=run, node=node).count() == len(three_units)
    LeafScore.objects.filter(assessment__round=round_2021).delete()  # scores protect their leaves too
    with pytest.raises(RestrictedError):
        node.delete()
    # Deleting the round takes its runs, results and node rows with its framework.
    SurveyImport.objects.filter(round=round_2021).delete()
    round_2021.delete()
    assert not Round.objects.filter(pk=round_2021.pk).exists()
    assert not NodeResult.objects.exists()
