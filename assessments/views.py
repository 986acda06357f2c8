"""Assessment pages: read the request, call one selector or service, render. Rules live in the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from assessments import selectors
from assessments.active_content import scan_active_content
from assessments.forms import (
    AppraisalLeafForm,
    EvidenceLinkForm,
    EvidenceUploadForm,
    ExtensionForm,
    ReopenForm,
    SelfLeafForm,
    TransitionForm,
)
from assessments.models import AssessmentState
from assessments.services import evidence as evidence_services
from assessments.services import scores as score_services
from assessments.services import workflow as workflow_services
from assessments.services.scores import StaleEdit
from assessments.workflow import BY_ACTION, Action, check
from parindex import permissions as can

# What the preview frame may show, sandboxed under its own CSP. A PDF may carry JavaScript that a viewer
# would run: a PDF is shown only when the active-content scan finds nothing in it, otherwise downloaded.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}


def _require(rule, request: HttpRequest, assessment) -> None:
    """403 before reading the form when the user's role never may (parindex.permissions: scope was checked
    by the selector, which answered 404; the services check state and deadlines)."""
    if not rule(request.user, assessment):
        raise PermissionDenied


def _version(form) -> int | None:
    """The version the page was rendered with; without it the state checks alone guard the transition."""
    return form.cleaned_data["version"] if form.is_valid() else None


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _detail_url(assessment, node_id: int | None = None) -> str:
    url = reverse("assessments:detail", args=[assessment.pk])
    return f"{url}#leaf-{node_id}" if node_id else url


def _messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _report(request: HttpRequest, change, success) -> None:
    """Carry out a state change: each reason it is refused becomes an error message, else
    ``success(its result)`` the one success message."""
    try:
        done = change()
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, success(done))


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _leaf_forms(row, perms, *, self_form=None, app_form=None):
    node, score = row.node, row.score
    if self_form is None and perms.may_edit_leaf(score):
        self_form = SelfLeafForm.for_score(node=node, score=score, explaining=perms.explaining, prefix=f"s{node.pk}")
    if app_form is None and perms.appraise and score is not None:
        app_form = AppraisalLeafForm.for_score(node=node, score=score, prefix=f"a{node.pk}")
    return self_form, app_form


def _page_context(request, assessment) -> dict:
    perms = selectors.assessment_permissions(request.user, assessment)
    tree = selectors.assessment_tree(assessment)
    show = request.GET.get("show", "")
    if show not in selectors.FILTERS:
        show = ""
    shown_count = tree.apply_filter(show) if show else None
    # One domain is rendered (the one asked for, else the first unfinished); the others load when unfolded.
    asked = request.GET.get("open", "")
    open_all = bool(show) or asked == "all"
    open_domain = (
        next((d for d in tree.domains if asked.isdigit() and d.node.pk == int(asked)), None) or tree.open_domain
    )
    for row in tree.rows:
        if row.is_self_leaf and not row.hidden and (open_all or (open_domain and row.domain_id == open_domain.node.pk)):
            row.self_form, row.app_form = _leaf_forms(row, perms)
    return {
        "assessment": assessment,
        "tree": tree,
        "perms": perms,
        **_navigation(show),
        "shown_count": shown_count,
        "autosave_messages": _autosave_messages(),
        "open_all": open_all,
        "open_domain_id": open_domain.node.pk if open_domain else None,
        "evidence_files": selectors.evidence_files_of(assessment) if perms.edit_self else [],
        "actions": perms.actions,
        "transition_form": TransitionForm(initial={"version": assessment.version}),
        "reopen_form": ReopenForm(initial={"version": assessment.version}),
        "extension_form": ExtensionForm(),
    }


def _autosave_messages() -> dict:
    """The words the autosave script shows, in the page's language (the script holds no text of its own)."""
    return {
        "saving": _("saving…"),
        "unsaved": _("unsaved changes"),
        "failed": _("not saved: connection problem, try again"),
        "conflict": _("a criterion was changed by someone else: see the card"),
        "saved": _("all changes saved ·"),
    }


def _navigation(show: str = "") -> dict:
    return {
        "show": show,
        "show_label": selectors.FILTER_LABELS.get(show, ""),
        "filters": list(selectors.FILTER_LABELS.items()),
    }


def _leaf_response(
    request,
    assessment,
    node_id: int,
    *,
    self_form=None,
    app_form=None,
    error: str = "",
    notice: str = "",
    conflict: str = "",
):
    """The leaf fragment and, out of band, the running totals and contents (htmx). Without JavaScript: a
    redirect back to the leaf after a save, or the whole page with the typed values when they were refused."""
    if not _is_htmx(request):
        refused = conflict or any(f is not None and f.errors for f in (self_form, app_form))
        if refused:
            context = _page_context(request, assessment)
            row = context["tree"].row_for(node_id)
            if row is not None:
                row.self_form, row.app_form = _leaf_forms(row, context["perms"], self_form=self_form, app_form=app_form)
                row.conflict = conflict
            return render(request, "assessments/detail.html", context)
        if error:
            messages.error(request, error)
        if notice:
            messages.success(request, notice)
        return redirect(_detail_url(assessment, node_id))
    perms = selectors.assessment_permissions(request.user, assessment)
    tree = selectors.assessment_tree(assessment)
    row = tree.row_for(node_id)
    if row is None:
        raise Http404
    row.self_form, row.app_form = _leaf_forms(row, perms, self_form=self_form, app_form=app_form)
    row.conflict = conflict
    context = {
        "assessment": assessment,
        "tree": tree,
        "perms": perms,
        "row": row,
        "error": error,
        "notice": notice,
        "saved": bool(notice),
        "evidence_files": selectors.evidence_files_of(assessment) if perms.edit_self else [],
        "oob": True,
        **_navigation(),
    }
    html = render_to_string("assessments/partials/leaf.html", context, request=request)
    html += render_to_string("assessments/partials/totals.html", context, request=request)
    html += render_to_string("assessments/partials/contents.html", context, request=request)
    return HttpResponse(html)


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if can.can_read_all_assessments(user):
        rnd = selectors.round_current() or selectors.rounds_visible_to(user).first()
        if rnd is not None:
            return redirect("assessments:queue", round_id=rnd.pk)
    assessment = selectors.assessment_current_for_officer(user)
    if assessment is not None:
        return redirect("assessments:detail", pk=assessment.pk)
    return render(request, "assessments/none.html")


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    return render(request, "assessments/detail.html", _page_context(request, assessment))


@login_required
@require_safe
def domain(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    """One domain's criteria, loaded when the officer unfolds it (the page renders only the open one)."""
    assessment = selectors.assessment_get_for_user(request.user, pk)
    perms = selectors.assessment_permissions(request.user, assessment)
    tree = selectors.assessment_tree(assessment)
    row = next((d for d in tree.domains if d.node.pk == node_id), None)
    if row is None:
        raise Http404
    for r in tree.rows:
        if r.is_self_leaf and r.domain_id == node_id:
            r.self_form, r.app_form = _leaf_forms(r, perms)
    return render(
        request,
        "assessments/partials/domain_body.html",
        {
            "assessment": assessment,
            "tree": tree,
            "perms": perms,
            "domain": row,
            "evidence_files": selectors.evidence_files_of(assessment) if perms.edit_self else [],
        },
    )


@login_required
@require_safe
def submit_review(request: HttpRequest, pk: int) -> HttpResponse:
    """What will be submitted, before it is: totals, criteria without evidence with their explanations, N/A
    claims; or, while anything is unfinished, the count and a link to each unfinished criterion."""
    assessment = selectors.assessment_get_for_user(request.user, pk)
    _require(can.can_edit_self_scores, request, assessment)
    tree = selectors.assessment_tree(assessment)
    step = next(
        (t for t in selectors.assessment_permissions(request.user, assessment).actions if t.action == "submit"), None
    )
    return render(
        request,
        "assessments/submit_review.html",
        {
            "assessment": assessment,
            "tree": tree,
            "summary": selectors.submission_summary(tree),
            "step": step,
        },
    )


@login_required
@require_POST
def accept_untouched(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    _require(can.can_appraise, request, assessment)
    _report(
        request,
        lambda: score_services.scores_accept_untouched(user=request.user, assessment_id=assessment.pk),
        lambda codes: _("The unit's values accepted on %(n)s criteria.") % {"n": len(codes)},
    )
    return redirect(_detail_url(assessment))


@login_required
@require_POST
def leaf_self_save(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    _require(can.can_edit_self_scores, request, assessment)
    node = _self_leaf(assessment, node_id)
    # The same fields as the page showed: a form sent back with errors must not grow an explanation box in draft.
    explaining = selectors.assessment_permissions(request.user, assessment).explaining
    form = SelfLeafForm(request.POST, node=node, explaining=explaining, prefix=f"s{node_id}")
    if not form.is_valid():
        return _leaf_response(request, assessment, node_id, self_form=form)
    data = form.cleaned_data
    try:
        score_services.score_save_self(
            user=request.user,
            assessment_id=assessment.pk,
            node_id=node_id,
            expected_version=data["version"],
            inputs=form.inputs(),
            na=data.get("na", False),
            na_reason=data.get("na_reason", ""),
            note=data.get("note", ""),
            evidence_absence_note=data.get("evidence_absence_note", ""),
            explanation=data.get("explanation"),
        )
    except StaleEdit as exc:
        retry = _retry_form(SelfLeafForm, request, exc, node=node, explaining=explaining, prefix=f"s{node_id}")
        return _leaf_response(request, assessment, node_id, self_form=retry, conflict=exc.messages[0])
    except ValidationError as exc:
        _apply_errors(form, exc)
        return _leaf_response(request, assessment, node_id, self_form=form)
    return _leaf_response(request, assessment, node_id, notice=_("Saved."))


@login_required
@require_POST
def leaf_appraise_save(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    _require(can.can_appraise, request, assessment)
    node = _self_leaf(assessment, node_id)
    # The N/A decision exists only where the unit claimed N/A: the same fields as the page showed.
    self_na = selectors.leaf_claims_na(assessment, node_id)
    form = AppraisalLeafForm(request.POST, node=node, self_na=self_na, prefix=f"a{node_id}")
    if not form.is_valid():
        return _leaf_response(request, assessment, node_id, app_form=form)
    data = form.cleaned_data
    try:
        score_services.score_save_appraisal(
            user=request.user,
            assessment_id=assessment.pk,
            node_id=node_id,
            expected_version=data["version"],
            inputs=form.inputs(),
            note=data.get("app_note", ""),
            na_decision=data.get("na_decision") or None,
            flagged=data.get("flagged", False),
            flag_request=data.get("flag_request", ""),
        )
    except StaleEdit as exc:
        retry = _retry_form(AppraisalLeafForm, request, exc, node=node, self_na=self_na, prefix=f"a{node_id}")
        return _leaf_response(request, assessment, node_id, app_form=retry, conflict=exc.messages[0])
    except ValidationError as exc:
        _apply_errors(form, exc)
        return _leaf_response(request, assessment, node_id, app_form=form)
    return _leaf_response(request, assessment, node_id, notice=_("Saved."))


def _retry_form(form_class, request, exc: StaleEdit, *, prefix: str, **kwargs):
    """The refused form with what the user typed, now based on the other person's version: saving it again
    is a deliberate overwrite, made after seeing their value beside one's own."""
    data = request.POST.copy()
    data[f"{prefix}-version"] = str(exc.current.version)
    form = form_class(data, prefix=prefix, **kwargs)
    form.is_valid()
    return form


def _self_leaf(assessment, node_id: int):
    tree = selectors.assessment_tree(assessment)
    row = tree.row_for(node_id)
    if row is None or not row.is_self_leaf:
        raise Http404
    return row.node


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    _require(can.can_edit_self_scores, request, assessment)
    _self_leaf(assessment, node_id)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _leaf_response(
            request, assessment, node_id, error=" ".join(e for errs in form.errors.values() for e in errs)
        )
    try:
        result = evidence_services.evidence_upload(
            user=request.user, assessment_id=assessment.pk, node_id=node_id, uploaded=form.cleaned_data["file"]
        )
    except ValidationError as exc:
        return _leaf_response(request, assessment, node_id, error=" ".join(_messages_of(exc)))
    notice = (
        _("This file was already uploaded; it is now linked to this criterion too.")
        if result.reused
        else _("File attached.")
    )
    return _leaf_response(request, assessment, node_id, notice=notice)


@login_required
@require_POST
def evidence_link(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    _require(can.can_edit_self_scores, request, assessment)
    _self_leaf(assessment, node_id)
    form = EvidenceLinkForm(request.POST)
    if not form.is_valid():
        return _leaf_response(request, assessment, node_id, error=_("Choose a file."))
    try:
        evidence_services.evidence_link(
            user=request.user, assessment_id=assessment.pk, node_id=node_id, evidence_id=form.cleaned_data["evidence"]
        )
    except ValidationError as exc:
        return _leaf_response(request, assessment, node_id, error=" ".join(_messages_of(exc)))
    return _leaf_response(request, assessment, node_id, notice=_("File attached."))


@login_required
@require_POST
def evidence_unlink(request: HttpRequest, pk: int, node_id: int, evidence_id: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    _require(can.can_edit_self_scores, request, assessment)
    _self_leaf(assessment, node_id)
    try:
        evidence_services.evidence_unlink(
            user=request.user, assessment_id=assessment.pk, node_id=node_id, evidence_id=evidence_id
        )
    except ValidationError as exc:
        return _leaf_response(request, assessment, node_id, error=" ".join(_messages_of(exc)))
    return _leaf_response(request, assessment, node_id, notice=_("File removed from this criterion."))


# A PDF that names an action or script may run it in a viewer: such a file is offered as a download only.
def _runs_nothing(evidence) -> bool:
    """A PDF may be shown in the preview frame only when the active-content scan finds nothing in it."""
    with evidence.file.open("rb") as stream:
        return not scan_active_content(stream, "pdf")


def _serve_evidence(request: HttpRequest, pk: int, evidence_id: int, *, inline: bool) -> FileResponse:
    evidence = selectors.evidence_get_for_user(request.user, assessment_pk=pk, pk=evidence_id)
    inline = inline and evidence.content_type in INLINE_TYPES
    try:
        if inline and evidence.content_type == "application/pdf" and not _runs_nothing(evidence):
            inline = False
    except FileNotFoundError:
        raise Http404(_("The file is no longer in storage.")) from None
    try:
        stream = evidence.file.open("rb")
    except FileNotFoundError:
        # The row outlived its file (storage restored from an older backup, file removed by hand): not a server error.
        raise Http404(_("The file is no longer in storage.")) from None
    response = FileResponse(
        stream,
        as_attachment=not inline,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if inline:
        # Shown inside the assessment page's preview frame: the file runs nothing and reaches nothing.
        response["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; script-src 'self'; img-src 'self'; frame-ancestors 'self'"
        )
    return response


@login_required
@require_safe
def evidence_download(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    return _serve_evidence(request, pk, evidence_id, inline=False)


@login_required
@require_safe
def evidence_view(request: HttpRequest, pk: int, evidence_id: int) -> FileResponse:
    return _serve_evidence(request, pk, evidence_id, inline=True)


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    service = workflow_services.SERVICES.get(action)
    if service is None:
        raise Http404
    if BY_ACTION[action].needs_confirmation and not _confirmed(request):
        _require(BY_ACTION[action].rule, request, assessment)
        return _to_confirmation(request, assessment, action)
    try:
        service(user=request.user, assessment_id=assessment.pk, expected_version=_version(TransitionForm(request.POST)))
    except ValidationError as exc:
        # A refused submission lists every unfinished leaf under one heading: show them as a compact list.
        for i, message in enumerate(_messages_of(exc)):
            messages.error(request, message, extra_tags="problem" if i else "")
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": BY_ACTION[action].label})
    return redirect(_detail_url(assessment))


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    _require(BY_ACTION[Action.REOPEN].rule, request, assessment)
    if not _confirmed(request):
        return _to_confirmation(request, assessment, Action.REOPEN)
    _report(
        request,
        lambda: workflow_services.assessment_reopen(
            user=request.user,
            assessment_id=assessment.pk,
            reason=request.POST.get("reason", ""),
            expected_version=_version(TransitionForm(request.POST)),
        ),
        lambda _done: _("The assessment was reopened."),
    )
    return redirect(_detail_url(assessment))


@login_required
@require_POST
def extension(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    form = ExtensionForm(request.POST)
    valid = form.is_valid()
    _report(
        request,
        lambda: workflow_services.assessment_grant_extension(
            user=request.user,
            assessment_id=assessment.pk,
            kind=form.cleaned_data["kind"] if valid else "",
            until=form.cleaned_data["until"] if valid else None,
        ),
        lambda _done: _("Extension granted."),
    )
    return redirect(_detail_url(assessment))


@login_required
@require_safe
def queue(request: HttpRequest, round_id: int) -> HttpResponse:
    user = request.user
    if not can.can_read_all_assessments(user):
        raise PermissionDenied
    rnd = selectors.round_get(round_id)
    q = request.GET
    chosen = {
        "state": q.get("state", "") if q.get("state", "") in AssessmentState.values else "",
        "group": q.get("group", "") if q.get("group", "").isdigit() else "",
        "mine": q.get("mine") == "1",
        "overdue": q.get("overdue") == "1",
        "sort": q.get("sort", "") if q.get("sort", "") in selectors.QUEUE_SORTS else "",
    }
    view = selectors.appraisal_queue_filtered(user, round=rnd, **chosen)
    all_rows = selectors.appraisal_queue(user, round=rnd) if any(chosen.values()) else view.rows
    return render(
        request,
        "assessments/queue.html",
        {
            "round": rnd,
            "rows": view.rows,
            "counts": view.counts,
            "total": view.total,
            "chosen": chosen,
            "rounds": selectors.rounds_visible_to(user),
            "sorts": list(selectors.QUEUE_SORTS.items()),
            "groups": sorted({(r.assessment.group_id, str(r.assessment.group)) for r in all_rows}),
            "appraised_count": sum(1 for r in all_rows if r.assessment.state == AssessmentState.APPRAISED),
        },
    )


def _confirmed(request: HttpRequest) -> bool:
    """The confirmation box of an action with consequences (assessments.workflow) was ticked."""
    return request.POST.get("confirm") in ("on", "true", "1")


def _to_confirmation(request: HttpRequest, assessment, action: str) -> HttpResponse:
    messages.error(request, _("Read the consequences and confirm first."))
    return redirect("assessments:confirm", pk=assessment.pk, action=action)


@login_required
@require_safe
def confirm(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """What an action with consequences will change (read from the workflow table), then the form that takes it."""
    assessment = selectors.assessment_get_for_user(request.user, pk)
    step = BY_ACTION.get(action)
    if step is None or not step.needs_confirmation:
        raise Http404
    try:
        check(request.user, assessment, action)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return redirect(_detail_url(assessment))
    is_reopen = action == Action.REOPEN
    return render(
        request,
        "assessments/confirm.html",
        {
            "assessment": assessment,
            "step": step,
            "to_state": AssessmentState(step.to_state).label,
            "action_url": reverse("assessments:reopen", args=[assessment.pk])
            if is_reopen
            else reverse("assessments:transition", args=[assessment.pk, action]),
            "reopen_form": ReopenForm() if is_reopen else None,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def finalise_all(request: HttpRequest, round_id: int) -> HttpResponse:
    """GET: the appraised units and the consequences of finalising (the workflow table's); POST: finalise them."""
    rnd = selectors.round_get(round_id)
    if not can.can_finalise_assessment(request.user):
        raise PermissionDenied
    if request.method != "POST":
        step = BY_ACTION[Action.FINALISE]
        return render(
            request,
            "assessments/confirm_all.html",
            {
                "round": rnd,
                "step": step,
                "to_state": AssessmentState(step.to_state).label,
                "assessments": selectors.appraised_in_round(request.user, round=rnd),
            },
        )
    if not _confirmed(request):
        messages.error(request, _("Read the consequences and confirm first."))
        return redirect("assessments:finalise_all", round_id=rnd.pk)
    _report(
        request,
        lambda: workflow_services.assessments_finalise_appraised(user=request.user, round=rnd),
        lambda done: _("%(n)s assessments finalised.") % {"n": len(done)},
    )
    return redirect("assessments:queue", round_id=rnd.pk)


@login_required
@require_safe
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-assessment on one printable page, with the official heading and the head of unit's signature."""
    assessment = selectors.assessment_get_for_user(request.user, pk)
    return render(
        request,
        "assessments/sheet.html",
        {
            "assessment": assessment,
            "tree": selectors.assessment_tree(assessment),
            "now": timezone.localtime(),
        },
    )


@login_required
@require_safe
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    return render(
        request,
        "assessments/timeline.html",
        {
            "assessment": assessment,
            "events": selectors.assessment_timeline(assessment),
        },
    )


@login_required
@require_safe
def leaf_history(request: HttpRequest, pk: int, node_id: int) -> HttpResponse:
    assessment = selectors.assessment_get_for_user(request.user, pk)
    node, entries = selectors.leaf_history(request.user, assessment=assessment, node_id=node_id)
    return render(
        request, "assessments/leaf_history.html", {"assessment": assessment, "node": node, "entries": entries}
    )


@login_required
@require_safe
def framework_diff(request: HttpRequest, old_year: int, new_year: int) -> HttpResponse:
    """How the criteria of one year's frameworks continue into a later year's (the crosswalk)."""
    diffs = selectors.framework_diffs_for(user=request.user, old_year=old_year, new_year=new_year)
    return render(
        request, "assessments/framework_diff.html", {"diffs": diffs, "old_year": old_year, "new_year": new_year}
    )
