"""Index runs, unit results and publication (DESIGN §2 result and ranking, §5)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from assessments.models import POINTS, Node, RankingGroup, Round, Unit


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Computing")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


class IndexRun(models.Model):
    """One computation of a round from its stored inputs. Results become visible only when it succeeds."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="index_runs")
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(_("trigger"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    digest = models.CharField(_("input digest"), max_length=64, blank=True)
    units_count = models.PositiveIntegerField(default=0)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    # Deliveries of the run's task so far, and the last sign of life of its worker (parindex/work.py).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the publication check listed when the run was published, and the administrator's written reason
    # for publishing anyway (required when anything was listed). Kept with the run, which never changes again.
    publish_reason = models.TextField(_("reason for publishing"), blank=True)
    publish_check = models.JSONField(_("publication check"), default=dict, blank=True)
    # A corrected publication (after accepted appeals) names the publication it corrects; that one stays.
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects the publication"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("index run")
        verbose_name_plural = _("index runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(status="succeeded"), name="only_succeeded_runs_published"
            ),
            # Triggers arriving together (several finalisations, an import) share the one waiting run.
            models.UniqueConstraint(fields=["round"], condition=Q(status="pending"), name="one_pending_run_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.pk}"


class UnitResult(models.Model):
    """One unit's computed index in one run; its per-node figures are NodeResult rows.

    ``warnings``: [{"code": str, "message": str, "leaves": [codes], ...}], the message in Vietnamese.
    """

    # The (run, unit) unique index serves every lookup by run.
    run = models.ForeignKey(IndexRun, on_delete=models.CASCADE, related_name="results", db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(RankingGroup, on_delete=models.PROTECT, related_name="+")
    display_order = models.PositiveIntegerField(default=0)
    self_total = models.DecimalField(_("self-assessed points"), **POINTS)
    appraised_total = models.DecimalField(_("appraised points"), **POINTS)
    cs_points = models.DecimalField(_("civil-servant survey points"), **POINTS)
    sipas_points = models.DecimalField(_("SIPAS points"), **POINTS)
    total = models.DecimalField(_("total points"), **POINTS)
    applicable_max = models.DecimalField(_("applicable maximum"), **POINTS)
    index_pct = models.DecimalField(_("index (%)"), **POINTS)
    rank = models.PositiveIntegerField(_("rank"))
    band = models.CharField(_("classification"), max_length=64)
    provisional = models.BooleanField(_("provisional"), default=False)
    warnings = models.JSONField(default=list, blank=True)
    # The margin of error of the survey points and what follows from it (rankings/uncertainty.py).
    survey_margin = models.DecimalField(_("survey margin of error (± points, 95 %)"), null=True, blank=True, **POINTS)
    index_low = models.DecimalField(_("index, 95 % interval low"), null=True, blank=True, **POINTS)
    index_high = models.DecimalField(_("index, 95 % interval high"), null=True, blank=True, **POINTS)
    rank_best = models.PositiveIntegerField(_("best rank within the margin"), null=True, blank=True)
    rank_worst = models.PositiveIntegerField(_("worst rank within the margin"), null=True, blank=True)
    small_sample = models.BooleanField(_("survey sample below the round's minimum"), default=False)

    class Meta:
        ordering = ["run", "group__display_order", "rank", "display_order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit"], name="one_result_per_unit_per_run"),
            # Points above a leaf's maximum are corrupt input: the run fails rather than publish over 100 %.
            models.CheckConstraint(
                condition=Q(total__lte=F("applicable_max")), name="result_total_within_applicable_max"
            ),
            models.CheckConstraint(
                condition=Q(index_pct__gte=0, index_pct__lte=100), name="result_index_between_0_and_100"
            ),
        ]

    @property
    def survey_points(self):
        """Điểm điều tra XHH: civil-servant survey and SIPAS together."""
        return self.cs_points + self.sipas_points

    @property
    def rank_range(self) -> str:
        """ "3" when the margin of error cannot move the rank, else "2–5" (best–worst)."""
        if self.rank_best is None or self.rank_worst is None or self.rank_best == self.rank_worst:
            return str(self.rank)
        return f"{self.rank_best}–{self.rank_worst}"

    @property
    def statistically_tied(self) -> bool:
        return self.rank_best is not None and self.rank_worst is not None and self.rank_best != self.rank_worst

    @property
    def breakdown(self) -> dict:
        """{"domains": [...], "criteria": [...]}: see rankings.selectors.breakdown_of (one query, or none
        when the results were read with rankings.selectors.breakdowns_for)."""
        from rankings.selectors import breakdown_of

        return breakdown_of(self)


class NodeResult(models.Model):
    """One framework node (domain, criterion, sub-criterion) of one unit's result in one run.

    Points and applicable maximum over the applicable leaves below the node (the node itself if a leaf);
    ``pct`` is None when nothing below the node is applicable.
    """

    result = models.ForeignKey(UnitResult, on_delete=models.CASCADE, related_name="nodes", db_index=False)
    # RESTRICT: a framework node with results cannot be deleted, unless its results go in the same
    # deletion (a round deleted with its runs).
    node = models.ForeignKey(Node, on_delete=models.RESTRICT, related_name="+")
    points = models.DecimalField(_("points"), **POINTS)
    max_points = models.DecimalField(_("applicable maximum"), **POINTS)
    pct = models.DecimalField(_("percentage"), null=True, blank=True, **POINTS)
    applicable = models.BooleanField(_("applicable"))

    class Meta:
        constraints = [
            # Also the index of every lookup by result.
            models.UniqueConstraint(fields=["result", "node"], name="one_node_result_per_result"),
            models.CheckConstraint(condition=Q(points__lte=F("max_points")), name="node_points_within_max"),
        ]

    def __str__(self) -> str:
        return f"{self.result_id}:{self.node_id}"


class AppealState(models.TextChoices):
    LODGED = "lodged", _("lodged")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class Appeal(models.Model):
    """A unit's appeal against its published result on named criteria (rankings.appeals has the rules)."""

    run = models.ForeignKey(IndexRun, verbose_name=_("publication"), on_delete=models.PROTECT, related_name="appeals")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="appeals")
    nodes = models.ManyToManyField(Node, verbose_name=_("criteria"), related_name="appeals")
    reason = models.TextField(_("reasons"))
    evidence = models.FileField(_("evidence"), upload_to="appeals/%Y/", blank=True)
    state = models.CharField(_("state"), max_length=16, choices=AppealState.choices, default=AppealState.LODGED)
    lodged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    lodged_at = models.DateTimeField(_("lodged at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        ordering = ["run", "lodged_at", "id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="lodged") | (Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="decided_appeal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.run.round} #{self.pk}"


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    RUNNING = "running", _("being made")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


def _report_path(report: "RunReport", filename: str) -> str:
    return f"reports/{report.run.round.year}/run{report.run_id}-{report.language}.pdf"


class RunReport(models.Model):
    """The official PDF report of one published run in one language: made once in a Celery task (when the run
    is published, or when first asked for), stored, then served from storage. A published run never changes,
    so neither does its report."""

    run = models.ForeignKey(IndexRun, on_delete=models.CASCADE, related_name="reports")
    language = models.CharField(_("language"), max_length=8)
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(_("file"), upload_to=_report_path, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            # Two requests at once (publication and a reader's click) must not make two reports.
            models.UniqueConstraint(fields=["run", "language"], name="one_report_per_run_and_language"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.language}"
