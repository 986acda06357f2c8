"""Index runs, unit results and publication (DESIGN §2 result and ranking, §5)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from assessments.models import POINTS, RankingGroup, Round, Unit
from rankings import breakdown as breakdown_storage


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Computing")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


class IndexRun(models.Model):
    """One computation of a round from its stored inputs. Results become visible only when it succeeds."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="index_runs")
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
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
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The breakdown nodes of every framework of the run, stored once: {key: {"domains": [{"node_id", "code",
    # "name"}], "criteria": [{"node_id", "parent_id", "code", "name"}]}} (see rankings/breakdown.py).
    catalogue = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("index run")
        verbose_name_plural = _("index runs")
        constraints = [
            models.CheckConstraint(condition=Q(is_published=False) | Q(status="succeeded"), name="only_succeeded_runs_published"),
            # Triggers arriving together (several finalisations, an import) share the one waiting run.
            models.UniqueConstraint(fields=["round"], condition=Q(status="pending"), name="one_pending_run_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.pk}"


class UnitResult(models.Model):
    """One unit's computed index in one run.

    ``breakdown``: {"domains": [{"node_id", "code", "name", "points", "max", "pct"}],
    "criteria": [{"node_id", "parent_id", "code", "name", "points", "max", "pct", "lost"}]} with
    Decimal values as strings (domains carry "lost" as well). ``warnings``: [{"code": str, "message": str, ...}].

    The breakdown is stored compactly in ``breakdown_data`` (numbers per unit, names once per run in
    ``IndexRun.catalogue``, see rankings/breakdown.py); the ``breakdown`` property returns the shape above.
    A breakdown assigned in full is stored and returned as it is.
    """

    # No foreign-key constraints in the database: checking them cost more than computing the whole index
    # (three deferred row checks per result, 11 000 results a run). The rows are written by one function,
    # rankings.services._write_results, in the transaction that holds the run's row lock, with the unit
    # and group ids of the round's assessments; the ORM still cascades a run's deletion to its results and
    # protects units and groups that have results. The run's index is the unique (run, unit) one.
    run = models.ForeignKey(IndexRun, on_delete=models.CASCADE, related_name="results", db_constraint=False,
                            db_index=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    group = models.ForeignKey(RankingGroup, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                              db_index=False)
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
    breakdown_data = models.JSONField(default=dict, blank=True, db_column="breakdown")

    class Meta:
        ordering = ["run", "group__display_order", "rank", "display_order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit"], name="one_result_per_unit_per_run"),
            # Points above a leaf's maximum are corrupt input: the run fails rather than publish over 100 %.
            models.CheckConstraint(condition=Q(total__lte=F("applicable_max")), name="result_total_within_applicable_max"),
            models.CheckConstraint(condition=Q(index_pct__gte=0, index_pct__lte=100), name="result_index_between_0_and_100"),
        ]

    @property
    def breakdown(self) -> dict:
        data = self.breakdown_data
        cached = self.__dict__.get("_breakdown")
        if cached is None or cached[0] is not data:
            cached = (data, breakdown_storage.expand(data, self._run_catalogue))
            self.__dict__["_breakdown"] = cached
        return cached[1]

    @breakdown.setter
    def breakdown(self, value: dict) -> None:
        self.breakdown_data = value

    def _run_catalogue(self) -> dict:
        run = self._state.fields_cache.get("run")
        if run is not None:
            return run.catalogue
        return IndexRun.objects.filter(pk=self.run_id).values_list("catalogue", flat=True).first() or {}

    @property
    def survey_points(self):
        """Điểm điều tra XHH: civil-servant survey and SIPAS together."""
        return self.cs_points + self.sipas_points
