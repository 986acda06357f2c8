"""Survey definitions, imports, respondent rows and per-unit survey results (DESIGN §2, §4)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assessments.models import POINTS, Node, Round, Unit


class SurveyKind(models.TextChoices):
    SIPAS = "sipas", _("SIPAS (citizens' and organisations' satisfaction)")
    CS = "cs", _("Survey of cadres, civil servants and public employees")


class SipasElement(models.IntegerChoices):
    ACCESS = 1, _("Access to public administrative services")
    PROCEDURES = 2, _("Administrative procedures")
    CIVIL_SERVANTS = 3, _("Civil servants handling the case")
    RESULTS = 4, _("Results of service delivery")
    FEEDBACK = 5, _("Receiving and handling feedback")


def default_options() -> list[dict]:
    """Five-point scale; a civil-servant answer v counts as the fraction (v−1)/4."""
    labels = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
    fractions = ["0", "0.25", "0.5", "0.75", "1"]
    return [{"value": str(i + 1), "label": labels[i], "fraction": fractions[i]} for i in range(5)]


class SurveyQuestion(models.Model):
    """One question of a round's survey: a SIPAS element question or a civil-servant leaf question.

    A civil-servant question names a ``cs_survey`` leaf by its *code*, not by a node: departments
    and districts have separate frameworks in a round, and the code is resolved in the framework of
    each unit's ranking group. A framework without a ``cs_survey`` leaf of that code simply does not
    use the question. ``options`` are ``[{"value": "1", "label": str, "fraction": "0"}, ...]``
    (fractions are decimal strings in [0, 1]; SIPAS counts answers 4 and 5 as satisfied).
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="survey_questions")
    survey = models.CharField(_("survey"), max_length=8, choices=SurveyKind.choices)
    code = models.CharField(_("code"), max_length=32)
    text = models.TextField(_("question"))
    element = models.PositiveSmallIntegerField(_("SIPAS element"), choices=SipasElement.choices, null=True, blank=True)
    leaf_code = models.CharField(_("framework leaf code"), max_length=32, blank=True)
    required = models.BooleanField(_("answer required"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    options = models.JSONField(_("answer options"), default=default_options)

    class Meta:
        ordering = ["round", "survey", "order", "code"]
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        constraints = [
            models.UniqueConstraint(fields=["round", "survey", "code"], name="unique_question_code"),
            models.CheckConstraint(
                condition=(
                    Q(survey="sipas", element__isnull=False, leaf_code="")
                    | (Q(survey="cs", element__isnull=True) & ~Q(leaf_code=""))
                ),
                name="question_target_matches_survey",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:60]}"

    @property
    def option_fractions(self) -> list[tuple[str, Decimal]]:
        """(value, fraction) pairs with the fraction as a Decimal, so templates print it in the user's locale."""
        return [(o["value"], Decimal(str(o["fraction"]))) for o in self.options]


class ImportStatus(models.TextChoices):
    # A context keeps these apart from the same English words used by other apps (e.g. "Rejected").
    PENDING = "pending", pgettext_lazy("survey import status", "Waiting")
    PARSING = "parsing", pgettext_lazy("survey import status", "Reading")
    PREVIEW = "preview", pgettext_lazy("survey import status", "Ready for review")
    REJECTED = "rejected", pgettext_lazy("survey import status", "Rejected")
    CONFIRMING = "confirming", pgettext_lazy("survey import status", "Saving")
    CONFIRMED = "confirmed", pgettext_lazy("survey import status", "Confirmed")
    SUPERSEDED = "superseded", pgettext_lazy("survey import status", "Replaced by a later import")
    CANCELLED = "cancelled", pgettext_lazy("survey import status", "Cancelled")
    FAILED = "failed", pgettext_lazy("survey import status", "Failed")


class SurveyImport(models.Model):
    """One uploaded survey file; at most one confirmed import is current per round and survey."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="survey_imports")
    survey = models.CharField(_("survey"), max_length=8, choices=SurveyKind.choices)
    file = models.FileField(_("file"), upload_to="surveys/%Y/")
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    is_current = models.BooleanField(_("current"), default=False)
    accepted_invalid = models.BooleanField(_("invalid forms accepted"), default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    progress_rows = models.PositiveIntegerField(default=0)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Deliveries of the preview task so far, and the last sign of life of the worker reading (parindex/work.py).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Set on an import made by restoring a superseded one from its stored file (surveys.services.replacement).
    restored_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="restorations",
        verbose_name=_("restored from"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey import")
        verbose_name_plural = _("survey imports")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "survey"], condition=Q(is_current=True), name="one_current_import_per_survey"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_survey_display()} {self.round} – {self.original_name}"


class SurveyResponse(models.Model):
    """One respondent's form. Invalid forms are kept with their reasons and never scored."""

    # Indexed by the composite index below only: one index less to maintain on 100 000-row imports.
    survey_import = models.ForeignKey(SurveyImport, on_delete=models.CASCADE, related_name="responses", db_index=False)
    unit = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    row_number = models.PositiveIntegerField()
    form_id = models.CharField(max_length=64)
    attributes = models.JSONField(default=dict)
    # {question code: option value as text}; blank answers are absent. Aggregates read it in SQL
    # (jsonb_each_text / json_each), so one row per form is written, never one row per answer.
    answers = models.JSONField(default=dict)
    valid = models.BooleanField(default=True)
    invalid_reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["survey_import", "row_number"]
        indexes = [models.Index(fields=["survey_import", "valid", "unit"], name="survey_resp_import_valid_unit")]


class SurveyUnitResult(models.Model):
    """Per-unit figures of one confirmed import (computed in the database at confirmation)."""

    survey_import = models.ForeignKey(SurveyImport, on_delete=models.CASCADE, related_name="unit_results")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    respondents = models.PositiveIntegerField(default=0)
    valid_forms = models.PositiveIntegerField(default=0)
    invalid_forms = models.PositiveIntegerField(default=0)
    # SIPAS only: {"1": "91.25", ...} element % (2 places) over elements with valid answers.
    element_pct = models.JSONField(default=dict, blank=True)
    sipas_pct = models.DecimalField(null=True, blank=True, **POINTS)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey_import", "unit"], name="one_survey_result_per_unit")]


class SurveyLeafResult(models.Model):
    """Points of one survey leaf for one unit from one confirmed import; ``points`` None = not measured."""

    survey_import = models.ForeignKey(SurveyImport, on_delete=models.CASCADE, related_name="leaf_results")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    leaf = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    valid_answers = models.PositiveIntegerField(default=0)
    points = models.DecimalField(null=True, blank=True, **POINTS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey_import", "unit", "leaf"], name="one_leaf_result_per_unit")
        ]
