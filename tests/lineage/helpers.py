"""A published round whose unit B may appeal its criterion 1.2 (tests/lineage/test_appeals.py, the browser)."""

from decimal import Decimal

from assessments.models import LeafScore
from rankings import services
from tests.factories import UserFactory
from tests.rankings.factories import scores, survey, unit_in_round

D = Decimal


def _publish(rnd, admin):
    run, _ = services.index_run_create(round=rnd, user=admin, enqueue=False)
    services.index_run_execute(run_id=run.pk)
    run.refresh_from_db()
    return services.index_run_publish(run=run, user=admin, confirmed=True, reason="kiểm thử")


def appealable_round(round_2021, department_group, admin_user):
    """A 100 %, B 90 % (1.2 appraised at 1 of 2) and C 95 % (1.2: 1,5 of 2): ranks A 1, C 2, B 3."""
    a = unit_in_round(round=round_2021, group=department_group, code="A", order=1)
    b = unit_in_round(round=round_2021, group=department_group, code="B", order=2)
    c = unit_in_round(round=round_2021, group=department_group, code="C", order=3)
    scores(a, {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"})
    scores(b, {"1.1.1": "2", "1.1.2": "2", "1.2": "1", "2.1": "1"})
    scores(c, {"1.1.1": "2", "1.1.2": "2", "1.2": "1.5", "2.1": "1"})
    # B's inputs, as the appraisal recorded them (1.2: the unit claimed 2, the appraiser gave 1).
    inputs = {"1.1.1": {"level": 2}, "1.1.2": {"numerator": 1, "denominator": 1}, "2.1": {"count": 0}}
    for code, value in inputs.items():
        LeafScore.objects.filter(assessment=b, node__code=code).update(self_inputs=value, app_inputs=value)
    LeafScore.objects.filter(assessment=b, node__code="1.2").update(
        self_points=D("2"), self_inputs={"points": "2"}, app_inputs={"points": "1"}
    )
    survey(round_2021, {(x, "2.2"): "1" for x in (a, b, c)}, kind="cs")
    survey(round_2021, {(x, "3"): "2" for x in (a, b, c)}, kind="sipas")
    first = _publish(round_2021, admin_user)
    officer_b = UserFactory(username="officer_b_appeal", is_officer=True, unit=b.unit)
    return {"round": round_2021, "first": first, "b": b, "officer_b": officer_b}


def tied_round(round_2021, department_group, admin_user):
    """A (94,44 %, SIPAS from forms 5, 5, 4, 1: interval 83,56–100) and B (88,89 %, no spread), published:
    statistically tied for ranks 1–2 (tests/lineage/test_intervals.py works the numbers)."""
    from surveys.models import SurveyResponse
    from tests.surveys.factories import sipas_question

    a = unit_in_round(round=round_2021, group=department_group, code="A", order=1)
    b = unit_in_round(round=round_2021, group=department_group, code="B", order=2)
    scores(a, {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"})
    scores(b, {"1.1.1": "1", "1.1.2": "2", "1.2": "2", "2.1": "1"})
    imp = survey(round_2021, {(a, "3"): "1.5", (b, "3"): "2"}, kind="sipas")
    sipas_question(round=round_2021, code="S1", element=1)
    forms = {a: ["5", "5", "4", "1"], b: ["5", "5", "5", "5"]}
    SurveyResponse.objects.bulk_create(
        SurveyResponse(survey_import=imp, unit=x.unit, row_number=i, form_id=f"{x.unit.code}{i}", answers={"S1": v})
        for x, values in forms.items()
        for i, v in enumerate(values, start=2)
    )
    return _publish(round_2021, admin_user)
