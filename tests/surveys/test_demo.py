"""The demo surveys: definitions for 2019–2021, deterministic imports, one district unmeasured in 2021."""

from decimal import Decimal

from assessments.demo import load_demo_base
from assessments.models import Node, Round
from surveys.demo import load_demo_surveys
from surveys.models import SurveyImport, SurveyLeafResult, SurveyQuestion, SurveyUnitResult
from surveys.selectors import survey_points_for_round


def test_demo_surveys_are_defined_imported_and_idempotent(db):
    load_demo_base()
    first = load_demo_surveys()
    assert first["created"] > 0
    for year in (2019, 2020, 2021):
        round_ = Round.objects.get(year=year)
        assert SurveyQuestion.objects.filter(round=round_, survey="sipas").count() == 22
        assert set(SurveyQuestion.objects.filter(round=round_, survey="sipas").values_list("element", flat=True)) == {
            1,
            2,
            3,
            4,
            5,
        }
        cs_leaves = set(
            Node.objects.leaves().filter(framework__round=round_, source="cs_survey").values_list("code", flat=True)
        )
        assert cs_leaves and cs_leaves == set(
            SurveyQuestion.objects.filter(round=round_, survey="cs").values_list("leaf_code", flat=True)
        )
        assert SurveyImport.objects.filter(round=round_, is_current=True).count() == 2
        pcts = list(
            SurveyUnitResult.objects.filter(survey_import__round=round_, sipas_pct__isnull=False).values_list(
                "sipas_pct", flat=True
            )
        )
        assert pcts and all(Decimal("80") <= p <= Decimal("99") for p in pcts)
    r2021 = Round.objects.get(year=2021)
    unmeasured = SurveyLeafResult.objects.filter(survey_import__round=r2021, points__isnull=True)
    assert list(unmeasured.values_list("unit__code", "leaf__source")) == [("891", "sipas")]
    points = survey_points_for_round(round=r2021)
    assert len(points.imports) == 2 and sum(v is not None for v in points.leaf_points.values()) > 200
    digest = sorted((k, v) for k, v in points.leaf_points.items())
    assert load_demo_surveys()["created"] == 0
    assert sorted(survey_points_for_round(round=r2021).leaf_points.items()) == digest
