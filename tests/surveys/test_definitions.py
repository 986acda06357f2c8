"""Survey definitions: validation of questions and copying from the previous round."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from surveys.models import SurveyQuestion
from surveys.services.definitions import check_options, survey_question_save, survey_questions_copy
from tests.factories import RoundFactory, build_framework
from tests.surveys.factories import cs_question, sipas_question


def test_cs_question_must_name_a_cs_survey_leaf_of_the_round(round_2021, framework):
    with pytest.raises(ValidationError):
        survey_question_save(
            question=SurveyQuestion(round=round_2021, survey="cs", code="C9", text="?", leaf_code="1.1.1")
        )
    q = survey_question_save(
        question=SurveyQuestion(round=round_2021, survey="cs", code="C1", text="?", leaf_code="2.2")
    )
    assert q.pk


def test_sipas_question_needs_an_element_and_the_satisfied_options(round_2021, framework):
    with pytest.raises(ValidationError):
        survey_question_save(question=SurveyQuestion(round=round_2021, survey="sipas", code="S1", text="?"))
    with pytest.raises(ValidationError):
        survey_question_save(
            question=SurveyQuestion(
                round=round_2021,
                survey="sipas",
                code="S1",
                text="?",
                element=1,
                options=[{"value": "1", "fraction": "0"}, {"value": "2", "fraction": "1"}],
            )
        )


@pytest.mark.parametrize(
    "options",
    [
        [],
        [{"value": "1", "fraction": "1.5"}],
        [{"value": "1", "fraction": "x"}],
        [{"value": "1", "fraction": "0"}, {"value": "1", "fraction": "1"}],
    ],
)
def test_options_are_checked(options):
    with pytest.raises(ValidationError):
        check_options(options)


def test_copy_from_previous_round_keeps_existing_codes(round_2021, framework, department_group):
    r2022 = RoundFactory(year=2022)
    build_framework(round=r2022, group=department_group)
    sipas_question(round=round_2021, code="S1", element=1)
    cs_question(
        round=round_2021,
        code="C1",
        leaf_code="2.2",
        options=[{"value": "a", "label": "A", "fraction": "1"}, {"value": "b", "label": "B", "fraction": "0.3"}],
    )
    sipas_question(round=r2022, code="S1", element=2)
    assert survey_questions_copy(source_round=round_2021, target_round=r2022) == 1
    copied = SurveyQuestion.objects.get(round=r2022, code="C1")
    assert copied.leaf_code == "2.2" and copied.options[1]["fraction"] == "0.3"
    assert SurveyQuestion.objects.get(round=r2022, code="S1").element == 2  # not overwritten


def test_admin_copies_questions_from_the_page_and_the_admin_action(
    round_2021, framework, department_group, admin_user, client_for
):
    r2022 = RoundFactory(year=2022)
    build_framework(round=r2022, group=department_group)
    sipas_question(round=round_2021, code="S1", element=1)
    client = client_for(admin_user)
    client.post(reverse("surveys:questions_copy", args=[2022]))
    assert SurveyQuestion.objects.filter(round=r2022).count() == 1
    SurveyQuestion.objects.filter(round=r2022).delete()
    response = client.post(
        reverse("admin:surveys_surveyquestion_changelist"),
        {"action": "copy_to_next_round", "_selected_action": [SurveyQuestion.objects.get().pk]},
    )
    assert response.status_code == 302
    assert SurveyQuestion.objects.filter(round=r2022).count() == 1


def test_admin_question_form_rejects_a_leaf_code_outside_the_frameworks(round_2021, framework, admin_user, client_for):
    response = client_for(admin_user).post(
        reverse("admin:surveys_surveyquestion_add"),
        {
            "round": round_2021.pk,
            "survey": "cs",
            "code": "C1",
            "text": "?",
            "leaf_code": "9.9",
            "order": 0,
            "options": '[{"value": "1", "label": "x", "fraction": "1"}]',
        },
    )
    assert response.status_code == 200 and not SurveyQuestion.objects.exists()


def test_questions_page_prints_option_fractions_in_vietnamese_format(round_2021, framework, admin_user, client_for):
    # The fractions are stored as decimal strings ("0.25"); the Vietnamese page must read 0,25.
    cs_question(round=round_2021, code="C1")  # default scale: fractions 0, 0.25, 0.5, 0.75, 1
    html = client_for(admin_user).get(reverse("surveys:questions", args=[2021])).content.decode()
    assert "2: 0,25; 3: 0,5; 4: 0,75; 5: 1" in html
    assert "0.25" not in html
