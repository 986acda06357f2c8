"""Frameworks, units, rounds, assessments, scores and evidence (DESIGN §1–§3).

Models hold data and the invariants the database can enforce; every write goes through
``assessments.services`` and every rule of scoring lives in ``assessments.scoring``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

POINTS = {"max_digits": 7, "decimal_places": 2}
VI_COLLATION = "vi-VN-x-icu"


def default_bands() -> list[dict]:
    """Classification bands, highest first; a unit takes the first band whose minimum it reaches."""
    return [
        {"label": "Xuất sắc", "min": "90"},
        {"label": "Tốt", "min": "80"},
        {"label": "Khá", "min": "70"},
        {"label": "Trung bình", "min": "50"},
        {"label": "Yếu", "min": "0"},
    ]


class RankingGroup(models.Model):
    """Khối: units ranked together (departments, districts, later communes)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    display_order = models.PositiveIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["display_order", "code"]
        verbose_name = _("ranking group")
        verbose_name_plural = _("ranking groups")

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(models.QuerySet):
    def active(self) -> "UnitQuerySet":
        return self.filter(active=True)

    def order_by_name(self) -> "UnitQuerySet":
        """Vietnamese alphabetical order (ICU collation on PostgreSQL; code points elsewhere)."""
        if self.db == "default" and settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            return self.order_by(Collate("name", VI_COLLATION), "code")
        return self.order_by("name", "code")


class Unit(models.Model):
    """A department or district-level People's Committee (later: commune)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    group = models.ForeignKey(
        RankingGroup, verbose_name=_("ranking group"), on_delete=models.PROTECT, related_name="units"
    )
    display_order = models.PositiveIntegerField(_("display order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["group__display_order", "display_order", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name


class LineageKind(models.TextChoices):
    MERGER = "merger", _("merger")
    SPLIT = "split", _("split")
    RENAME = "rename", _("rename")


class UnitLineage(models.Model):
    """One link of a unit's ancestry: ``successor`` continues ``predecessor`` from ``effective_date``.

    A merger is several links to one successor, a split several links from one predecessor, a rename one link.
    ``weight`` (optional, 0 < w ≤ 1) is the predecessor's share in a merger's comparison value; when the
    successor's links carry no weights, predecessors count equally (rankings.lineage explains the rule).
    """

    successor = models.ForeignKey(
        Unit, verbose_name=_("successor unit"), on_delete=models.CASCADE, related_name="predecessor_links"
    )
    predecessor = models.ForeignKey(
        Unit, verbose_name=_("predecessor unit"), on_delete=models.CASCADE, related_name="successor_links"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LineageKind.choices)
    effective_date = models.DateField(_("effective from"))
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["successor", "predecessor"]
        verbose_name = _("unit lineage link")
        verbose_name_plural = _("unit lineage")
        constraints = [
            models.UniqueConstraint(fields=["successor", "predecessor"], name="unique_lineage_link"),
            models.CheckConstraint(condition=~Q(successor=models.F("predecessor")), name="lineage_not_own_predecessor"),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | (Q(weight__gt=0) & Q(weight__lte=1)), name="lineage_weight_share"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.get_kind_display()}, {self.effective_date:%d/%m/%Y})"


class RoundStatus(models.TextChoices):
    SETUP = "setup", _("Setting up")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class MissingSurveyPolicy(models.TextChoices):
    EXCLUDE = "exclude", _("Not measured: leaves the applicable maximum")
    ZERO = "zero", _("Not measured: scores 0")


class Round(models.Model):
    """Đợt đánh giá: one year's index."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.SETUP)
    self_deadline = models.DateTimeField(_("self-assessment deadline"), null=True, blank=True)
    explanation_deadline = models.DateTimeField(_("explanation deadline"), null=True, blank=True)
    bands = models.JSONField(_("classification bands"), default=default_bands)
    missing_survey_policy = models.CharField(
        _("survey leaf with no data"),
        max_length=16,
        choices=MissingSurveyPolicy.choices,
        default=MissingSurveyPolicy.EXCLUDE,
    )
    # Below this many valid forms for a unit, a survey's points rest on too few people to publish without a
    # written reason (the publication check lists the unit). 0: no minimum.
    survey_min_forms = models.PositiveIntegerField(_("minimum survey sample (valid forms per unit)"), default=0)
    appeal_working_days = models.PositiveSmallIntegerField(
        _("appeal period (working days after publication)"), default=10
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")

    def __str__(self) -> str:
        return self.title or str(self.year)


class Framework(models.Model):
    """Bộ tiêu chí of one ranking group in one round, with the totals it must add up to."""

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="frameworks")
    group = models.ForeignKey(
        RankingGroup, verbose_name=_("ranking group"), on_delete=models.PROTECT, related_name="frameworks"
    )
    title = models.CharField(_("title"), max_length=255)
    target_total = models.DecimalField(_("target total"), default=Decimal("100"), **POINTS)
    target_self = models.DecimalField(_("target: self-assessment"), default=Decimal("60"), **POINTS)
    target_cs_survey = models.DecimalField(_("target: civil-servant survey"), default=Decimal("16"), **POINTS)
    target_sipas = models.DecimalField(_("target: SIPAS"), default=Decimal("24"), **POINTS)

    class Meta:
        ordering = ["-round__year", "group__display_order"]
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        constraints = [
            models.UniqueConstraint(fields=["round", "group"], name="one_framework_per_round_and_group"),
        ]

    def __str__(self) -> str:
        return self.title

    def target_for_source(self, source: str) -> Decimal:
        return {
            Source.SELF: self.target_self,
            Source.CS_SURVEY: self.target_cs_survey,
            Source.SIPAS: self.target_sipas,
        }[source]


class Level(models.TextChoices):
    DOMAIN = "domain", _("Domain")
    CRITERION = "criterion", _("Criterion")
    SUB_CRITERION = "sub_criterion", _("Sub-criterion")


class Source(models.TextChoices):
    SELF = "self", _("Self-assessment and appraisal")
    CS_SURVEY = "cs_survey", _("Civil-servant survey")
    SIPAS = "sipas", _("SIPAS")


class Rule(models.TextChoices):
    LEVELS = "levels", _("Levels")
    RATIO = "ratio", _("Ratio")
    DEDUCTION = "deduction", _("Deduction per violation")
    MANUAL = "manual", _("Points entered")


class NodeQuerySet(models.QuerySet):
    def leaves(self) -> "NodeQuerySet":
        """Scored nodes: those with no children."""
        return self.filter(~Exists(Node.objects.filter(parent=OuterRef("pk"))))


class Node(models.Model):
    """One node of a framework tree: domain → criterion → optional sub-criterion.

    Leaves carry a source; self leaves carry a rule and its parameters in ``params``:
    levels ``{"levels": [{"label": str, "points": "1.00"}]}``; ratio ``{"bands": [{"threshold":
    "80", "points": "1.00"}]}`` (bands optional); deduction ``{"per_item": "0.25"}``; manual
    ``{"step": "0.25"}``. Decimals are stored as strings, never floats.
    """

    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.CASCADE, related_name="nodes"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    code = models.CharField(_("code"), max_length=32)
    name = models.TextField(_("name"))
    max_points = models.DecimalField(_("maximum points"), validators=[MinValueValidator(Decimal("0"))], **POINTS)
    order = models.PositiveIntegerField(_("order"), default=0)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, blank=True)
    rule = models.CharField(_("rule"), max_length=16, choices=Rule.choices, blank=True)
    params = models.JSONField(_("rule parameters"), default=dict, blank=True)
    na_allowed = models.BooleanField(_("not applicable allowed"), default=False)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    guidance = models.TextField(_("scoring guidance"), blank=True)

    objects = NodeQuerySet.as_manager()

    class Meta:
        ordering = ["framework", "order", "id"]
        verbose_name = _("framework node")
        verbose_name_plural = _("framework nodes")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="unique_node_code_per_framework"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="node_max_points_non_negative"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="node_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class CrosswalkKind(models.TextChoices):
    SAME = "same", _("same")
    RENAMED = "renamed", _("renamed")
    SPLIT = "split", _("split")
    MERGED = "merged", _("merged")
    NEW = "new", _("new")
    RETIRED = "retired", _("retired")


class NodeCrosswalk(models.Model):
    """How a criterion or sub-criterion of one year's framework continues into a later year's.

    ``same``/``renamed``: one old node, one new node. ``split``: one old node, several links to new nodes.
    ``merged``: several old nodes linked to one new node. ``new`` has no old node, ``retired`` no new node.
    """

    old_node = models.ForeignKey(
        Node,
        verbose_name=_("earlier node"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="crosswalk_out",
    )
    new_node = models.ForeignKey(
        Node, verbose_name=_("later node"), null=True, blank=True, on_delete=models.CASCADE, related_name="crosswalk_in"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CrosswalkKind.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["new_node__framework", "new_node__order", "old_node__order", "id"]
        verbose_name = _("criteria crosswalk link")
        verbose_name_plural = _("criteria crosswalk")
        constraints = [
            models.UniqueConstraint(fields=["old_node", "new_node"], name="unique_crosswalk_link"),
            models.CheckConstraint(
                condition=(
                    Q(kind="new", old_node__isnull=True, new_node__isnull=False)
                    | Q(kind="retired", old_node__isnull=False, new_node__isnull=True)
                    | (~Q(kind__in=["new", "retired"]) & Q(old_node__isnull=False, new_node__isnull=False))
                ),
                name="crosswalk_ends_match_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_node or '–'} → {self.new_node or '–'} ({self.get_kind_display()})"


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_APPRAISAL = "in_appraisal", _("In appraisal")
    EXPLANATION_REQUESTED = "explanation_requested", _("Explanation requested")
    EXPLAINED = "explained", _("Explained")
    APPRAISED = "appraised", _("Appraised")
    FINALISED = "finalised", _("Finalised")


class Assessment(models.Model):
    """One unit's self-assessment and its appraisal in one round.

    Its existence puts the unit in scope for the round; ``group`` is the unit's ranking group in
    that round (units change type over the years).
    """

    round = models.ForeignKey(Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="assessments")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assessments")
    group = models.ForeignKey(
        RankingGroup, verbose_name=_("ranking group"), on_delete=models.PROTECT, related_name="assessments"
    )
    state = models.CharField(_("state"), max_length=32, choices=AssessmentState.choices, default=AssessmentState.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_late = models.BooleanField(_("submitted late"), default=False)
    extension_until = models.DateTimeField(_("self-assessment extension until"), null=True, blank=True)
    explanation_extension_until = models.DateTimeField(_("explanation extension until"), null=True, blank=True)
    explained_late = models.BooleanField(_("explained late"), default=False)
    appraisal_round = models.PositiveSmallIntegerField(_("appraisal round"), default=1)
    appraised_at = models.DateTimeField(_("appraised at"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    # Incremented by every transition: a transition is applied only to the version the user saw.
    version = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "group__display_order", "unit__display_order", "unit__code"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="one_assessment_per_unit_and_round"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.round}"


class NaDecision(models.TextChoices):
    PENDING = "", _("Not decided")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class EvidenceFile(models.Model):
    """A document a unit attached (tài liệu kiểm chứng); one file may back several leaves."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence_files")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Codes of assessments.active_content found when the file was uploaded (or by scan_evidence_active_content):
    # macros, DDE, external links, JavaScript. Readers are warned; the file is still served as an attachment.
    active_content = models.JSONField(_("active content"), default=list, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "sha256"], name="evidence_stored_once_per_assessment"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def active_content_labels(self) -> list[str]:
        from assessments.active_content import ACTIVE_CONTENT_LABELS

        return [str(ACTIVE_CONTENT_LABELS.get(code, code)) for code in self.active_content]


class LeafScore(models.Model):
    """The unit's and the appraiser's inputs for one self leaf; points are derived from inputs.

    Inputs by rule: levels ``{"level": index}``; ratio ``{"numerator": n, "denominator": d}``;
    deduction ``{"count": k}``; manual ``{"points": "1.25"}``.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="scores")
    self_inputs = models.JSONField(_("self-assessment inputs"), null=True, blank=True)
    self_points = models.DecimalField(_("self-assessed points"), null=True, blank=True, **POINTS)
    self_na = models.BooleanField(_("claimed not applicable"), default=False)
    self_na_reason = models.TextField(_("reason for not applicable"), blank=True)
    self_note = models.TextField(_("unit's note"), blank=True)
    evidence_absence_note = models.TextField(_("explanation of missing evidence"), blank=True)
    evidence = models.ManyToManyField(EvidenceFile, blank=True, related_name="scores")
    app_inputs = models.JSONField(_("appraisal inputs"), null=True, blank=True)
    app_points = models.DecimalField(_("appraised points"), null=True, blank=True, **POINTS)
    app_note = models.TextField(_("appraiser's note"), blank=True)
    na_decision = models.CharField(
        _("not-applicable decision"), max_length=16, choices=NaDecision.choices, blank=True, default=""
    )
    flagged = models.BooleanField(_("explanation requested"), default=False)
    flag_request = models.TextField(_("explanation request"), blank=True)
    explanation = models.TextField(_("unit's explanation"), blank=True)
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    # Incremented by every save: an edit made from a stale page is refused, not applied.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[evidence])

    class Meta:
        ordering = ["assessment", "node__order", "node_id"]
        verbose_name = _("leaf score")
        verbose_name_plural = _("leaf scores")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "node"], name="one_score_per_leaf"),
            models.CheckConstraint(
                condition=Q(self_points__gte=0) | Q(self_points__isnull=True), name="self_points_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(app_points__gte=0) | Q(app_points__isnull=True), name="app_points_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} – {self.node.code}"


class AssessmentEvent(models.Model):
    """The timeline of an assessment: every transition with who, when and why."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(_("from"), max_length=32, blank=True)
    to_state = models.CharField(_("to"), max_length=32, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("assessment event")
        verbose_name_plural = _("assessment events")
