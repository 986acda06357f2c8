"""Result pages: rounds, ranking tables, a unit's result and history, computing and publishing runs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parindex.forms import ConfirmActionForm
from rankings import selectors, services


def _wants_latest(request: HttpRequest) -> bool:
    return request.GET.get("view") == "latest" and selectors.may_see_provisional(request.user)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    overviews = selectors.round_overviews_for(user=request.user)
    return render(request, "rankings/index.html", {"overviews": overviews,
                                                   "can_compute": selectors.may_see_provisional(request.user)})


@login_required
@require_GET
def round_ranking(request: HttpRequest, year: int) -> HttpResponse:
    rnd = selectors.round_by_year(year=year)
    ranking = selectors.ranking_for(user=request.user, round=rnd, provisional=_wants_latest(request))
    return render(request, "rankings/round.html", {
        "round": rnd, "ranking": ranking, "can_compute": selectors.may_see_provisional(request.user),
        "latest_view": _wants_latest(request),
    })


@login_required
@require_GET
def unit_result(request: HttpRequest, year: int, unit_id: int) -> HttpResponse:
    rnd = selectors.round_by_year(year=year)
    unit, result = selectors.unit_result_for(user=request.user, round=rnd, unit_id=unit_id,
                                             provisional=_wants_latest(request))
    return render(request, "rankings/unit.html", {"round": rnd, "unit": unit, "result": result,
                                                  "latest_view": _wants_latest(request)})


@login_required
@require_GET
def unit_history(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit, results = selectors.unit_history_for(user=request.user, unit_id=unit_id, provisional=_wants_latest(request))
    # Rows of the side-by-side table: every domain code met in any year, in first-seen order.
    domains: dict[str, str] = {}
    for res in results:
        for d in res.breakdown.get("domains", []):
            domains.setdefault(d["code"], d["name"])
    rows = []
    for code, name in domains.items():
        cells = []
        for res in results:
            found = next((d for d in res.breakdown.get("domains", []) if d["code"] == code), None)
            cells.append(found)
        rows.append({"code": code, "name": name, "cells": cells})
    return render(request, "rankings/unit_history.html", {"unit": unit, "results": results, "domain_rows": rows,
                                                          "latest_view": _wants_latest(request)})


@login_required
@require_POST
def compute(request: HttpRequest, year: int) -> HttpResponse:
    rnd = selectors.round_by_year(year=year)
    if not selectors.may_see_provisional(request.user):
        raise PermissionDenied
    run, created = services.index_run_create(round=rnd, user=request.user, trigger="manual")
    if not created:
        messages.info(request, _("A computation of this round is already waiting; it will include your request."))
    return redirect("rankings:run", run_id=run.pk)


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for(user=request.user, run_id=run_id)
    template = "rankings/partials/run_status.html" if request.headers.get("HX-Request") else "rankings/run.html"
    return render(request, template, {"run": run, "can_manage": request.user.is_admin_role,
                                      "stuck": services.index_run_is_stuck(run)})


@login_required
@require_POST
def publish(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for(user=request.user, run_id=run_id)
    try:
        services.index_run_publish(run=run, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The results have been published."))
    return redirect("rankings:round", year=run.round.year)


def _confirmed(request: HttpRequest) -> bool:
    if ConfirmActionForm(request.POST).is_valid():
        return True
    messages.error(request, _("Tick the box to confirm."))
    return False


@login_required
@require_POST
def run_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_for(user=request.user, run_id=run_id)
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
    run = selectors.run_for(user=request.user, run_id=run_id)
    if not _confirmed(request):
        return redirect("rankings:run", run_id=run.pk)
    try:
        new = services.index_run_retry(run=run, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("rankings:run", run_id=run.pk)
    messages.success(request, _("The round will be computed again."))
    return redirect("rankings:run", run_id=new.pk)
