"""Survey definitions per round: checking questions and copying them from an earlier round."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Framework, Node, Round, Source
from surveys.models import SurveyKind, SurveyQuestion


def check_options(options) -> None:
    """Options are a non-empty list of {value, label, fraction}; values unique, fractions in [0, 1]."""
    if not isinstance(options, list) or not options:
        raise ValidationError(_("A question needs at least one answer option."))
    seen = set()
    for i, option in enumerate(options, start=1):
        if not isinstance(option, dict) or "value" not in option:
            raise ValidationError(_("Option %(n)d must have a value.") % {"n": i})
        value = str(option["value"]).strip()
        if not value or value in seen:
            raise ValidationError(
                _("Option %(n)d: the value “%(value)s” is empty or repeated.") % {"n": i, "value": value}
            )
        seen.add(value)
        try:
            fraction = Decimal(str(option.get("fraction", "")))
        except InvalidOperation as exc:
            raise ValidationError(_("Option %(n)d: the fraction must be a number between 0 and 1.") % {"n": i}) from exc
        if not (Decimal(0) <= fraction <= Decimal(1)):
            raise ValidationError(_("Option %(n)d: the fraction must be a number between 0 and 1.") % {"n": i})


def cs_leaf_codes(*, round: Round) -> set[str]:
    """Codes of the civil-servant survey leaves in any framework of the round."""
    return set(
        Node.objects.leaves().filter(framework__round=round, source=Source.CS_SURVEY).values_list("code", flat=True)
    )


def check_question(question: SurveyQuestion) -> None:
    """Rules a question must meet beyond the database constraints (used by the admin form too)."""
    check_options(question.options)
    if question.survey == SurveyKind.SIPAS:
        if not question.element:
            raise ValidationError({"element": _("A SIPAS question belongs to one of the 5 elements.")})
        if question.leaf_code:
            raise ValidationError({"leaf_code": _("A SIPAS question is not mapped to a leaf.")})
        values = {str(o["value"]) for o in question.options}
        if not {"4", "5"} <= values:
            raise ValidationError({"options": _("SIPAS answers are on the 1–5 scale; options 4 and 5 must exist.")})
    else:
        if question.element:
            raise ValidationError({"element": _("Only SIPAS questions have an element.")})
        if question.leaf_code not in cs_leaf_codes(round=question.round):
            raise ValidationError(
                {
                    "leaf_code": _("“%(code)s” is not a civil-servant survey leaf of this round's frameworks.")
                    % {"code": question.leaf_code}
                }
            )


def survey_question_save(*, question: SurveyQuestion) -> SurveyQuestion:
    check_question(question)
    question.full_clean()
    question.save()
    return question


@transaction.atomic
def survey_questions_copy(*, source_round: Round, target_round: Round, replace: bool = False) -> int:
    """Copy every question of one round into another; returns how many were created.

    Civil-servant questions keep their leaf code; those whose code is not a cs_survey leaf of the
    target round are still copied (the admin fixes them), so nothing is lost silently.
    """
    # Lock the target round: two admins copying into it at once would create the questions twice.
    Round.objects.select_for_update().get(pk=target_round.pk)
    if replace:
        SurveyQuestion.objects.filter(round=target_round).delete()
    existing = set(SurveyQuestion.objects.filter(round=target_round).values_list("survey", "code"))
    new = [
        SurveyQuestion(
            round=target_round,
            survey=q.survey,
            code=q.code,
            text=q.text,
            element=q.element,
            leaf_code=q.leaf_code,
            required=q.required,
            order=q.order,
            options=q.options,
        )
        for q in SurveyQuestion.objects.filter(round=source_round)
        if (q.survey, q.code) not in existing
    ]
    SurveyQuestion.objects.bulk_create(new)
    return len(new)


def previous_round(*, round: Round) -> Round | None:
    return Round.objects.filter(year__lt=round.year).order_by("-year").first()


def frameworks_of(round: Round):
    return Framework.objects.filter(round=round).select_related("group")
