"""Reads of assessments, scores, evidence and history, scoped to what the user may see.

Who may see what is ``parindex.permissions`` (``can_view_assessment``: officers their own unit's
assessments, Home Affairs and leaders all); an assessment outside that scope is 404 here. Views never
query these models directly.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from assessments import completeness, index_rules, workflow
from assessments.models import (
    Assessment,
    AssessmentEvent,
    AssessmentState,
    EvidenceFile,
    Framework,
    LeafScore,
    NaDecision,
    Node,
    Round,
    RoundStatus,
    Source,
)
from assessments.scoring import describe_inputs
from assessments.workflow import Transition
from parindex import permissions as can

ZERO = Decimal("0.00")

# Survey points live in the surveys app, which sits above this one (DESIGN §6: a lower app never imports a
# higher one). The surveys app registers its reader here when it starts: reader(assessment) returns
# {leaf id: points, or None when not measured} for the survey leaves of the unit's current confirmed imports.
# Without a reader (or before any import) the page shows only each survey leaf's maximum.
SurveyPointsReader = Callable[[Assessment], dict[int, Decimal | None]]
_survey_points_reader: SurveyPointsReader | None = None


def register_survey_points_reader(reader: SurveyPointsReader | None) -> None:
    global _survey_points_reader
    _survey_points_reader = reader


def assessments_visible_to(user) -> QuerySet[Assessment]:
    """The assessments ``can_view_assessment`` lets the user read, as a queryset (the same rule, in SQL)."""
    qs = Assessment.objects.select_related("round", "unit", "group")
    if can.can_read_all_assessments(user):
        return qs
    if can.is_officer(user):
        return qs.filter(unit_id=user.unit_id)
    return qs.none()


def assessment_get_for_user(user, pk: int) -> Assessment:
    try:
        return assessments_visible_to(user).get(pk=pk)
    except Assessment.DoesNotExist:
        raise Http404 from None


def round_current() -> Round | None:
    """The open round (the latest if several are open)."""
    return Round.objects.filter(status=RoundStatus.OPEN).order_by("-year").first()


def assessment_current_for_officer(user) -> Assessment | None:
    rnd = round_current()
    if rnd is None or not can.is_officer(user):
        return None
    return assessments_visible_to(user).filter(round=rnd, unit_id=user.unit_id).first()


def evidence_get_for_user(user, *, assessment_pk: int, pk: int) -> EvidenceFile:
    assessment = assessment_get_for_user(user, assessment_pk)
    try:
        return EvidenceFile.objects.get(assessment=assessment, pk=pk)
    except EvidenceFile.DoesNotExist:
        raise Http404 from None


def evidence_files_of(assessment: Assessment) -> list[EvidenceFile]:
    return list(EvidenceFile.objects.filter(assessment=assessment))


@dataclass
class Row:
    """One node of the framework tree with its score (for leaves) and totals over its self leaves."""

    node: Node
    depth: int
    is_leaf: bool
    score: LeafScore | None = None
    self_total: Decimal = ZERO
    self_max: Decimal = ZERO
    app_total: Decimal = ZERO
    app_max: Decimal = ZERO
    self_scored: int = 0
    self_leaves: int = 0
    self_done: int = 0  # self leaves with nothing left to do before submission (assessments.completeness)
    problem: str | None = None  # for a self leaf: what it still lacks (completeness.UNSCORED / EVIDENCE)
    hidden: bool = False  # left out by the page's filter
    last_year: "LastYear | None" = None
    domain_id: int | None = None  # the top-level node this row sits in (the page renders one domain at a time)
    conflict: str = ""  # a refused stale save: who saved what, when (shown on the card with the typed value kept)
    children: list["Row"] = field(default_factory=list)
    # survey leaves: "" no confirmed import yet, "measured" (points set) or "not_measured" (no valid answers)
    survey_state: str = ""
    survey_points: Decimal | None = None

    @property
    def is_self_leaf(self) -> bool:
        return self.is_leaf and self.node.source == Source.SELF

    @property
    def self_inputs_text(self) -> str:
        return describe_inputs(node=self.node, inputs=self.score.self_inputs) if self.score else "—"

    @property
    def app_inputs_text(self) -> str:
        return describe_inputs(node=self.node, inputs=self.score.app_inputs) if self.score else "—"

    @property
    def version(self) -> int:
        return self.score.version if self.score else 0

    @property
    def unfinished(self) -> bool:
        return self.problem is not None

    @property
    def flagged(self) -> bool:
        return bool(self.score and self.score.flagged)

    @property
    def missing_evidence(self) -> bool:
        return self.problem == completeness.EVIDENCE

    @property
    def changed_by_appraiser(self) -> bool:
        """The appraiser's points differ from the unit's, or the unit's N/A claim was rejected."""
        s = self.score
        if s is None:
            return False
        if s.self_na and s.na_decision == NaDecision.REJECTED:
            return True
        return s.app_points is not None and not s.self_na and s.app_points != s.self_points

    @property
    def domain_complete(self) -> bool:
        return self.self_done == self.self_leaves


# The page's filters: name -> which self leaves stay shown.
FILTERS: dict[str, Callable[[Row], bool]] = {
    "unfinished": lambda r: r.unfinished,
    "flagged": lambda r: r.flagged,
    "evidence": lambda r: r.missing_evidence,
    "changed": lambda r: r.changed_by_appraiser,
    "differences": lambda r: r.changed_by_appraiser or r.flagged,
}
FILTER_LABELS = {
    "unfinished": _("Unfinished"),
    "flagged": _("Flagged for explanation"),
    "evidence": _("Missing evidence"),
    "changed": _("Changed by the appraiser"),
    "differences": _("Only differences and flags"),
}


@dataclass(frozen=True)
class LastYear:
    """The unit's finalised result on the same criterion in the previous round."""

    year: int
    points: Decimal | None
    max_points: Decimal
    not_applicable: bool


@dataclass
class Tree:
    framework: Framework | None
    rows: list[Row]
    root: Row

    @property
    def domains(self) -> list[Row]:
        return self.root.children

    def totals_rows(self) -> list[Row]:
        """Domains and criteria (a criterion may itself be a leaf) that hold self leaves."""
        return [r for r in self.rows if r.depth <= 1 and r.self_leaves]

    def row_for(self, node_id: int) -> Row | None:
        return next((r for r in self.rows if r.node.pk == node_id), None)

    def self_leaf_rows(self) -> list[Row]:
        return [r for r in self.rows if r.is_self_leaf]

    def unfinished_rows(self) -> list[Row]:
        return [r for r in self.self_leaf_rows() if r.unfinished]

    @property
    def first_unfinished(self) -> Row | None:
        return next(iter(self.unfinished_rows()), None)

    def flagged_rows(self) -> list[Row]:
        return [r for r in self.self_leaf_rows() if r.flagged]

    def domain_of(self, row: Row) -> Row | None:
        return next((d for d in self.domains if row is d or _contains(d, row)), None)

    @property
    def open_domain(self) -> Row | None:
        """The domain the page opens at: the first with an unfinished leaf, else the first."""
        first = self.first_unfinished
        if first is not None:
            return self.domain_of(first)
        return self.domains[0] if self.domains else None

    @property
    def percent_done(self) -> int:
        total = self.root.self_leaves
        return int(self.root.self_done * 100 / total) if total else 100

    def apply_filter(self, name: str) -> int:
        """Hide the self leaves the filter leaves out, and the headings left empty; answer how many stay."""
        keep = FILTERS[name]

        def visit(row: Row) -> bool:
            if row.is_leaf:
                row.hidden = not (row.is_self_leaf and keep(row))
            else:
                shown = [visit(child) for child in row.children]  # every child visited: each gets its flag
                row.hidden = not any(shown)
            return not row.hidden

        for domain in self.domains:
            visit(domain)
        return sum(1 for r in self.self_leaf_rows() if not r.hidden)


@dataclass
class SubmissionSummary:
    unfinished: list[Row]
    without_evidence: list[Row]  # evidence asked for, none attached, absence explained
    not_applicable: list[Row]


def submission_summary(tree: Tree) -> SubmissionSummary:
    leaves = tree.self_leaf_rows()
    return SubmissionSummary(
        unfinished=[r for r in leaves if r.unfinished],
        without_evidence=[
            r
            for r in leaves
            if r.node.evidence_required
            and r.score
            and not r.score.self_na
            and not r.unfinished
            and not r.score.evidence.all()
        ],
        not_applicable=[r for r in leaves if r.score and r.score.self_na],
    )


def leaf_claims_na(assessment: Assessment, node_id: int) -> bool:
    return LeafScore.objects.filter(assessment=assessment, node_id=node_id, self_na=True).exists()


def _contains(parent: Row, row: Row) -> bool:
    return any(child is row or _contains(child, row) for child in parent.children)


def _score_input(score: LeafScore | None) -> index_rules.ScoreInput | None:
    if score is None:
        return None
    return index_rules.ScoreInput(
        self_points=score.self_points,
        app_points=score.app_points,
        self_na=score.self_na,
        na_confirmed=score.self_na and score.na_decision == NaDecision.CONFIRMED,
    )


AGGREGATED = ("self_total", "self_max", "app_total", "app_max", "self_scored", "self_leaves", "self_done")


def previous_round_points(assessment: Assessment) -> dict[str, LastYear]:
    """The unit's finalised points per self-leaf code in its latest earlier round (matched by code).

    Criteria are matched by code until a crosswalk between frameworks exists; a code absent last year has
    nothing beside it. Only a finalised assessment counts: earlier states are not results.
    """
    previous = (
        Assessment.objects.filter(
            unit_id=assessment.unit_id, round__year__lt=assessment.round.year, state=AssessmentState.FINALISED
        )
        .select_related("round")
        .order_by("-round__year")
        .first()
    )
    if previous is None:
        return {}
    found = {}
    for s in (
        LeafScore.objects.filter(assessment=previous)
        .select_related("node")
        .only("node__code", "node__max_points", "app_points", "self_na", "na_decision")
    ):
        confirmed_na = s.self_na and s.na_decision == NaDecision.CONFIRMED
        found[s.node.code] = LastYear(
            year=previous.round.year,
            points=None if confirmed_na else s.app_points,
            max_points=s.node.max_points,
            not_applicable=confirmed_na,
        )
    return found


def assessment_tree(assessment: Assessment) -> Tree:
    """The framework tree in order with scores and running totals (self and appraised) per node.

    Self total counts the unit's points over leaves it did not claim N/A; appraised total counts the
    appraiser's points over leaves not confirmed N/A. Survey leaves are listed but carry no self points.
    """
    framework = Framework.objects.filter(round_id=assessment.round_id, group_id=assessment.group_id).first()
    root = Row(node=Node(code="", name="", max_points=ZERO), depth=-1, is_leaf=False)
    if framework is None:
        return Tree(framework=None, rows=[], root=root)
    nodes = list(Node.objects.filter(framework=framework).order_by("order", "id"))
    scores = {
        s.node_id: s
        for s in LeafScore.objects.filter(assessment=assessment)
        .select_related("updated_by")
        .prefetch_related("evidence")
    }
    children: dict[int | None, list[Node]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    rows: list[Row] = []
    survey_points = _survey_points_reader(assessment) if _survey_points_reader is not None else {}
    last_year = previous_round_points(assessment)

    def build(node: Node, depth: int, domain_id: int | None = None) -> Row:
        kids = children.get(node.pk, [])
        domain_id = domain_id or node.pk
        row = Row(node=node, depth=depth, is_leaf=not kids, score=scores.get(node.pk), domain_id=domain_id)
        rows.append(row)
        if kids:
            for kid in kids:
                child = build(kid, depth + 1, domain_id)
                row.children.append(child)
                for attr in AGGREGATED:
                    setattr(row, attr, getattr(row, attr) + getattr(child, attr))
        elif node.source == Source.SELF:
            s = row.score
            row.self_leaves = 1
            score = _score_input(s)
            row.self_total, row.self_max = index_rules.claimed_by_unit(score, node.max_points)
            row.app_total, row.app_max = index_rules.as_appraised(score, node.max_points)
            if s is not None and (s.self_na or s.self_inputs is not None):
                row.self_scored = 1
            row.problem = completeness.leaf_problem(node, s)
            row.self_done = 0 if row.problem else 1
            row.last_year = last_year.get(node.code)
        elif node.pk in survey_points:
            row.survey_points = survey_points[node.pk]
            row.survey_state = "not_measured" if row.survey_points is None else "measured"
        return row

    for top in children.get(None, []):
        root.children.append(build(top, 0))
        for attr in AGGREGATED:
            setattr(root, attr, getattr(root, attr) + getattr(root.children[-1], attr))
    return Tree(framework=framework, rows=rows, root=root)


@dataclass
class QueueRow:
    assessment: Assessment
    self_total: Decimal
    app_total: Decimal | None
    flagged: int  # leaves flagged now (waiting for, or just given, an explanation)
    explanation_rounds: int  # how many times explanations were requested, from the timeline
    deadline: object = None  # of the unit's next step (appraisal_queue_filtered)
    overdue: bool = False
    gap: Decimal | None = None  # |self total − appraised total|


def appraisal_queue(user, *, round: Round) -> list[QueueRow]:
    """Every unit of the round with state, submission, lateness, totals and flagged leaves (Home Affairs, leaders)."""
    if not can.can_read_all_assessments(user):
        raise PermissionDenied
    assessments = list(
        assessments_visible_to(user)
        .filter(round=round)
        .annotate(
            # distinct: the two joins (scores, events) multiply each other's rows
            flagged_count=Count("scores", filter=Q(scores__flagged=True), distinct=True),
            # the action name services.workflow.Action.REQUEST records on the timeline
            request_count=Count("events", filter=Q(events__action="request_explanations"), distinct=True),
        )
    )
    totals: dict[int, list[Decimal]] = {a.pk: [ZERO, ZERO] for a in assessments}
    for s in LeafScore.objects.filter(assessment__round=round).only(
        "assessment_id", "self_points", "self_na", "app_points", "na_decision"
    ):
        t = totals.get(s.assessment_id)
        if t is None:
            continue
        score = _score_input(s)
        t[0] += index_rules.claimed_by_unit(score, ZERO)[0]
        t[1] += index_rules.as_appraised(score, ZERO)[0]
    appraised_states = {
        AssessmentState.IN_APPRAISAL,
        AssessmentState.EXPLANATION_REQUESTED,
        AssessmentState.EXPLAINED,
        AssessmentState.APPRAISED,
        AssessmentState.FINALISED,
    }
    return [
        QueueRow(
            assessment=a,
            self_total=totals[a.pk][0],
            app_total=totals[a.pk][1] if a.state in appraised_states else None,
            flagged=a.flagged_count,
            explanation_rounds=a.request_count,
        )
        for a in assessments
    ]


QUEUE_SORTS = {
    "deadline": _("Deadline"),
    "submitted": _("Submitted at"),
    "gap": _("Self − appraised gap"),
}


def _queue_deadline(a: Assessment):
    """The deadline the unit's next step runs against (an extension counts), or None."""
    if a.state == AssessmentState.DRAFT:
        return max(filter(None, [a.round.self_deadline, a.extension_until]), default=None)
    if a.state == AssessmentState.EXPLANATION_REQUESTED:
        return max(filter(None, [a.round.explanation_deadline, a.explanation_extension_until]), default=None)
    return None


@dataclass
class QueueView:
    rows: list[QueueRow]
    counts: list[tuple[str, str, int]]  # state, label, count over the whole round
    total: int


def appraisal_queue_filtered(
    user,
    *,
    round: Round,
    state: str = "",
    group: str = "",
    mine: bool = False,
    overdue: bool = False,
    sort: str = "",
    now=None,
) -> QueueView:
    """The queue narrowed and ordered as the appraiser asks; counts per state are over the whole round.

    "Mine": a workflow step of the table is open to this user now. "Overdue": the deadline of the unit's next
    step (self-assessment in draft, explanation when requested) has passed.
    """
    from django.utils import timezone

    now = now or timezone.now()
    rows = appraisal_queue(user, round=round)
    for r in rows:
        r.deadline = _queue_deadline(r.assessment)
        r.overdue = r.deadline is not None and now > r.deadline
        r.gap = abs(r.self_total - r.app_total) if r.app_total is not None else None
    present = {r.assessment.state for r in rows}
    counts = [
        (value, label, sum(1 for r in rows if r.assessment.state == value))
        for value, label in AssessmentState.choices
        if value in present
    ]
    shown = rows
    if state:
        shown = [r for r in shown if r.assessment.state == state]
    if group:
        shown = [r for r in shown if str(r.assessment.group_id) == group]
    if mine:
        shown = [r for r in shown if workflow.actions_for(user, r.assessment)]
    if overdue:
        shown = [r for r in shown if r.overdue]
    if sort == "deadline":
        shown = sorted(shown, key=lambda r: (r.deadline is None, r.deadline or now))
    elif sort == "submitted":
        shown = sorted(shown, key=lambda r: (r.assessment.submitted_at is None, r.assessment.submitted_at or now))
    elif sort == "gap":
        shown = sorted(shown, key=lambda r: (r.gap is None, -(r.gap or ZERO)))
    return QueueView(rows=shown, counts=counts, total=len(rows))


def rounds_visible_to(user) -> QuerySet[Round]:
    return Round.objects.filter(assessments__in=assessments_visible_to(user)).distinct().order_by("-year")


def round_get(pk: int) -> Round:
    try:
        return Round.objects.get(pk=pk)
    except Round.DoesNotExist:
        raise Http404 from None


EVENT_LABELS = {
    "submit": _("Submitted"),
    "withdraw": _("Withdrawn to draft"),
    "start_appraisal": _("Appraisal started"),
    "request_explanations": _("Explanations requested"),
    "respond": _("Explanations sent"),
    "resume_appraisal": _("Appraised again"),
    "complete": _("Appraisal completed"),
    "finalise": _("Finalised"),
    "reopen": _("Reopened"),
    "extend_self": _("Self-assessment extension granted"),
    "extend_explanation": _("Explanation extension granted"),
}


def _state_label(state: str) -> str:
    return str(AssessmentState(state).label) if state in AssessmentState.values else state


def assessment_timeline(assessment: Assessment) -> list[AssessmentEvent]:
    """The assessment's events in order, with readable labels."""
    events = list(AssessmentEvent.objects.filter(assessment=assessment).select_related("actor").order_by("at", "id"))
    for e in events:
        e.action_label = EVENT_LABELS.get(e.action, e.action)
        e.from_label, e.to_label = _state_label(e.from_state), _state_label(e.to_state)
    return events


HISTORY_FIELDS = [
    "self_inputs",
    "self_points",
    "self_na",
    "self_na_reason",
    "self_note",
    "evidence_absence_note",
    "app_inputs",
    "app_points",
    "app_note",
    "na_decision",
    "flagged",
    "flag_request",
    "explanation",
]


@dataclass
class HistoryEntry:
    when: object
    who: object
    reason: str
    changes: list[tuple[str, str, str]]


def leaf_history(user, *, assessment: Assessment, node_id: int) -> tuple[Node, list[HistoryEntry]]:
    """Who changed what on one leaf, newest first (appraisers and admins only).

    Each record is compared with the one before it by django-simple-history's ``diff_against``; the first
    record with a blank record (the model's defaults), so it lists what the leaf was created with.
    """
    if not can.can_see_leaf_history(user, assessment):
        raise PermissionDenied
    score = LeafScore.objects.filter(assessment=assessment, node_id=node_id).select_related("node").first()
    if score is None:
        node = Node.objects.filter(pk=node_id, framework__round=assessment.round).first()
        if node is None:
            raise Http404
        return node, []
    records = list(score.history.all().select_related("history_user").order_by("history_date", "history_id"))
    order = {name: i for i, name in enumerate(HISTORY_FIELDS)}
    entries = []
    previous = score.history.model()  # blank: every field at its default
    for record in records:
        delta = record.diff_against(previous, included_fields=HISTORY_FIELDS)
        changes = [
            (
                str(LeafScore._meta.get_field(c.field).verbose_name),
                _show(score.node, c.field, c.old),
                _show(score.node, c.field, c.new),
            )
            for c in sorted(delta.changes, key=lambda c: order[c.field])
        ]
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                reason=_reason_label(record.history_change_reason or ""),
                changes=changes,
            )
        )
        previous = record
    entries.reverse()
    return score.node, entries


# The services record these change reasons on a leaf's history (as stable English codes); the page reads them
# in the user's language. An unknown reason is shown as recorded.
REASON_LABELS = {
    "created": _("criterion opened"),
    "self": _("self-assessment saved"),
    "appraisal": _("appraisal saved"),
    "appraisal started": _("appraisal started (inputs taken from the unit's)"),
    "explanation received": _("explanation received"),
    "appraisal accepted": _("the unit's value accepted by the appraiser"),
}
REASON_PREFIXES = {
    "evidence added: ": _("evidence added: %(name)s"),
    "evidence linked: ": _("evidence linked: %(name)s"),
    "evidence removed: ": _("evidence removed: %(name)s"),
}


def _reason_label(reason: str) -> str:
    if reason in REASON_LABELS:
        return str(REASON_LABELS[reason])
    for prefix, label in REASON_PREFIXES.items():
        if reason.startswith(prefix):
            return str(label) % {"name": reason[len(prefix) :]}
    return reason


def _show(node: Node, name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if name == "na_decision":
        return str(NaDecision(value).label)
    if name.endswith("_inputs"):
        return describe_inputs(node=node, inputs=value)
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    return str(value)


@dataclass(frozen=True)
class Permissions:
    """What the user may do on one assessment page: the workflow table and the access rules, read once.

    The services check the same table again when the user acts.
    """

    edit_self: bool  # the unit may change leaves (all in draft; flagged ones when explanations are requested)
    explaining: bool
    appraise: bool
    see_appraisal: bool
    see_history: bool
    admin: bool  # the administrator's tools (reopen, extensions)
    actions: tuple[Transition, ...]  # the buttons

    def may_edit_leaf(self, score: LeafScore | None) -> bool:
        if not self.edit_self:
            return False
        return not self.explaining or bool(score and score.flagged)


def assessment_permissions(user, assessment: Assessment) -> Permissions:
    return Permissions(
        edit_self=workflow.allowed(user, assessment, workflow.Action.EDIT_SELF),
        explaining=assessment.state == AssessmentState.EXPLANATION_REQUESTED,
        appraise=workflow.allowed(user, assessment, workflow.Action.APPRAISE),
        see_appraisal=bool(can.can_see_appraisal(user, assessment)),
        see_history=bool(can.can_see_leaf_history(user, assessment)),
        admin=bool(can.can_reopen_assessment(user, assessment) or can.can_grant_extension(user, assessment)),
        actions=tuple(workflow.actions_for(user, assessment)),
    )


# --- criteria crosswalk --------------------------------------------------------------------------


@dataclass
class FrameworkDiff:
    group_name: str
    old: Framework
    new: Framework
    rows: list  # assessments.services.crosswalk.DiffRow

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row.kind_label] = out.get(row.kind_label, 0) + 1
        return out


def framework_diffs_for(*, user, old_year: int, new_year: int) -> list[FrameworkDiff]:
    """The crosswalk between two years' frameworks, one table per ranking group present in both years."""
    from assessments.services.crosswalk import crosswalk_diff

    if not can.can_compare_frameworks(user):
        raise PermissionDenied
    if old_year >= new_year:
        raise Http404
    frameworks = Framework.objects.filter(round__year__in=(old_year, new_year)).select_related("round", "group")
    by_group: dict[int, dict[int, Framework]] = {}
    for fw in frameworks:
        by_group.setdefault(fw.group_id, {})[fw.round.year] = fw
    diffs = []
    for pair in sorted(by_group.values(), key=lambda p: next(iter(p.values())).group.display_order):
        if old_year in pair and new_year in pair:
            old, new = pair[old_year], pair[new_year]
            diffs.append(
                FrameworkDiff(group_name=new.group.name, old=old, new=new, rows=crosswalk_diff(old=old, new=new))
            )
    if not diffs:
        raise Http404
    return diffs


def appraised_in_round(user, *, round: Round) -> list[Assessment]:
    """The round's appraised assessments, the ones "finalise all" would finalise."""
    return list(
        assessments_visible_to(user)
        .filter(round=round, state=AssessmentState.APPRAISED)
        .select_related("unit")
        .order_by("unit__code")
    )
