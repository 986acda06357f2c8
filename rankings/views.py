"""Index runs: the rounds and their runs, computing and publishing; old result addresses redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parindex import permissions as can
from parindex.forms import ConfirmActionForm
from rankings import selectors, services
from rankings.dashboard.selectors import rounds_for
from rankings.forms import PublishForm
from rankings.publication import publication_check


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    overviews = selectors.round_overviews_for(user=request.user)
    return render(
        request, "rankings/index.html", {"overviews": overviews, "can_compute": can.can_compute_index(request.user)}
    )


# The ranking and unit pages live on the dashboard (rankings/dashboard/views.py); these old addresses of the
# result pages send browsers and bookmarks there for good. The target checks access; the redirect reveals
# nothing (it answers the same for any id).


def _latest_query(request: HttpRequest) -> str:
    return "?run=provisional" if request.GET.get("view") == "latest" else ""


@login_required
@require_GET
def round_ranking(request: HttpRequest, year: int) -> HttpResponse:
    return redirect(reverse("dashboard:ranking", args=[year]) + _latest_query(request), permanent=True)


@login_required
@require_GET
def unit_result(request: HttpRequest, year: int, unit_id: int) -> HttpResponse:
    return redirect(reverse("dashboard:unit", args=[year, unit_id]) + _latest_query(request), permanent=True)


@login_required
@require_GET
def unit_history(request: HttpRequest, unit_id: int) -> HttpResponse:
    """The years are a section of the unit page: open it at the latest round that has a result to read."""
    rounds = rounds_for(request.user)
    if not rounds:
        raise Http404
    url = reverse("dashboard:unit", args=[rounds[0].year, unit_id]) + _latest_query(request) + "#years"
    return redirect(url, permanent=True)


@login_required
@require_POST
def compute(request: HttpRequest, year: int) -> HttpResponse:
    rnd = selectors.round_by_year(year=year)
    if not can.can_compute_index(request.user, rnd):
        raise PermissionDenied
    run, created = services.index_run_create(round=rnd, user=request.user, trigger="manual")
    if not created:
        messages.info(request, _("A computation of this round is already waiting; it will include your request."))
    return redirect("rankings:run", run_id=run.pk)


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(user=request.user, run_id=run_id)
    template = "rankings/partials/run_status.html" if request.headers.get("HX-Request") else "rankings/run.html"
    return render(
        request,
        template,
        {"run": run, "can_manage": can.can_manage_run(request.user, run), "stuck": services.index_run_is_stuck(run)},
    )


def _run_to_publish(request: HttpRequest, run_id: int):
    run = selectors.run_get(user=request.user, run_id=run_id)
    if not can.can_publish_run(request.user, run):
        raise PermissionDenied
    return run


@login_required
@require_GET
def publish_check(request: HttpRequest, run_id: int) -> HttpResponse:
    """Every reason the run may not be final, then the confirmation (and reason) form that publishes it."""
    run = _run_to_publish(request, run_id)
    check = publication_check(run=run)
    return render(request, "rankings/publish_check.html", {"run": run, "check": check, "form": PublishForm()})


@login_required
@require_POST
def publish(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_to_publish(request, run_id)
    form = PublishForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        services.index_run_publish(
            run=run,
            user=request.user,
            confirmed=data.get("confirm", False),
            reason=data.get("reason", ""),
            seen_check=data.get("check") or None,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        if run.is_published:
            return redirect("dashboard:ranking", year=run.round.year)
        check = publication_check(run=run)
        return render(request, "rankings/publish_check.html", {"run": run, "check": check, "form": form}, status=422)
    messages.success(request, _("The results have been published."))
    return redirect("dashboard:ranking", year=run.round.year)


def _confirmed(request: HttpRequest) -> bool:
    if ConfirmActionForm(request.POST).is_valid():
        return True
    messages.error(request, _("Tick the box to confirm."))
    return False


@login_required
@require_POST
def run_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(user=request.user, run_id=run_id)
    if _confirmed(request):
        try:
            services.index_run_cancel(run=run, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The computation was cancelled."))
    return redirect("rankings:run", run_id=run.pk)


@login_required
@require_POST
def run_retry(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(user=request.user, run_id=run_id)
    if not _confirmed(request):
        return redirect("rankings:run", run_id=run.pk)
    try:
        new = services.index_run_retry(run=run, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("rankings:run", run_id=run.pk)
    messages.success(request, _("The round will be computed again."))
    return redirect("rankings:run", run_id=new.pk)
