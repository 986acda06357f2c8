"""The results read side: dashboards, the ranking page, the unit page (with its history), trends, downloads.

There is one ranking page and one unit page; the old result URLs under /results/ redirect here
(rankings/views.py). Thin: read through the selectors, which apply parindex.permissions.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from assessments.models import Assessment, Round
from parindex import permissions as can
from rankings import appeals as appeal_rules
from rankings import reports
from rankings import selectors as results
from rankings.dashboard import charts, exports
from rankings.dashboard import selectors as sel
from rankings.forms import AppealDecisionForm, AppealForm
from rankings.models import ReportStatus


def _round(year: int) -> Round:
    return results.round_by_year(year=year)


def asks_for_latest_run(request) -> bool:
    """``?run=provisional`` (older links: ``?view=latest``) asks for the latest run; the selectors grant it only
    to those who may see provisional results."""
    return request.GET.get("run") == "provisional" or request.GET.get("view") == "latest"


def _rounds_nav(user) -> list[Round]:
    return sel.rounds_for(user)


@login_required
@require_safe
def index(request):
    """The latest round with published results (leaders), or the officer's own results."""
    if not can.can_read_ranking(request.user):
        raise PermissionDenied
    rounds = sel.rounds_with_published_results()
    if not rounds:
        if can.can_see_provisional(request.user) and (computed := _rounds_nav(request.user)):
            return redirect(reverse("dashboard:round", args=[computed[0].year]) + "?run=provisional")
        return render(request, "rankings/dashboard/nothing.html", {"rounds": rounds})
    if not can.can_read_dashboards(request.user):
        return redirect("dashboard:ranking", year=rounds[0].year)
    return redirect("dashboard:round", year=rounds[0].year)


@login_required
@require_safe
def round_dashboard(request, year: int):
    round = _round(year)
    provisional = asks_for_latest_run(request)
    board = sel.dashboard_for(user=request.user, round=round, provisional=provisional)
    context = {
        "round": round,
        "rounds": _rounds_nav(request.user),
        "board": board,
        "charts": charts.board_charts(board) if board else [],
        "may_see_provisional": can.can_see_provisional(request.user, round),
        "provisional_requested": provisional,
    }
    context["headline"] = sel.headline_for(board) if board else None
    return render(request, "rankings/dashboard/round.html", context)


@login_required
@require_safe
def ranking(request, year: int):
    """The round's ranking tables: the published run for everyone who reads results, the latest run (marked,
    with what changed) for those who may see provisional results, and the compute and publish buttons."""
    round = _round(year)
    provisional = asks_for_latest_run(request)
    ranking = results.ranking_for(user=request.user, round=round, provisional=provisional)
    return render(
        request,
        "rankings/dashboard/ranking.html",
        {
            "round": round,
            "rounds": _rounds_nav(request.user),
            "ranking": ranking,
            "provisional_requested": provisional and can.can_see_provisional(request.user, round),
        },
    )


@login_required
@require_safe
def my_unit(request):
    user = request.user
    if not can.is_officer(user):
        raise PermissionDenied
    rounds = sel.rounds_with_published_results()
    if not rounds:
        return render(request, "rankings/dashboard/nothing.html", {"rounds": rounds})
    return redirect("dashboard:unit", year=rounds[0].year, unit_id=user.unit_id)


@login_required
@require_safe
def unit_profile(request, year: int, unit_id: int):
    """The one unit page: standing and next steps (published run), the result in detail and every year."""
    round = _round(year)
    profile = sel.unit_profile(user=request.user, unit_id=unit_id, round=round)
    provisional = asks_for_latest_run(request)
    _unit, result = results.unit_result_for(user=request.user, round=round, unit_id=unit_id, provisional=provisional)
    _unit, years = results.unit_history_for(user=request.user, unit_id=unit_id, provisional=provisional)
    return render(
        request,
        "rankings/dashboard/unit.html",
        {
            "round": round,
            "rounds": _rounds_nav(request.user),
            "profile": profile,
            "charts": charts.profile_charts(profile),
            "can_read_dashboards": can.can_read_dashboards(request.user),
            "result": result,
            "years": years,
            "domain_rows": _domain_rows(years),
            "provisional_requested": provisional and can.can_see_provisional(request.user, round),
        },
    )


def _domain_rows(years) -> list[dict]:
    """Rows of the side-by-side table: every domain code met in any year, in first-seen order."""
    domains: dict[str, str] = {}
    for res in years:
        for d in res.breakdown.get("domains", []):
            domains.setdefault(d["code"], d["name"])
    return [
        {
            "code": code,
            "name": name,
            "cells": [next((d for d in res.breakdown.get("domains", []) if d["code"] == code), None) for res in years],
        }
        for code, name in domains.items()
    ]


@login_required
@require_safe
def trends(request):
    data = sel.trends_for(user=request.user)
    return render(
        request,
        "rankings/dashboard/trends.html",
        {
            "rounds": _rounds_nav(request.user),
            "trends": [{"trend": t, "charts": charts.trend_charts(t)} for t in data],
        },
    )


def _published_export_board(request, year: int):
    if not can.can_read_dashboards(request.user):
        raise PermissionDenied
    board = sel.published_board(user=request.user, round=_round(year))
    if board is None:
        raise Http404("no published run")
    return board


def _filename(board, ext: str) -> str:
    return f"chi-so-cchc-{board.round.year}-run{board.run.pk}.{ext}"


@login_required
@require_safe
def export_xlsx(request, year: int):
    board = _published_export_board(request, year)
    response = HttpResponse(
        exports.xlsx_bytes(board), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(board, "xlsx")}"'
    return response


@login_required
@require_safe
def export_csv(request, year: int):
    board = _published_export_board(request, year)
    response = HttpResponse(exports.csv_text(board).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(board, "csv")}"'
    return response


def _published_run(request, year: int):
    if not can.can_read_dashboards(request.user):
        raise PermissionDenied
    run = results.run_latest_published(round=_round(year))
    if run is None:
        raise Http404("no published run")
    return run


@login_required
@require_safe
def export_pdf(request, year: int):
    """The stored report; while it is being made, the page that shows its progress."""
    run = _published_run(request, year)
    report = reports.report_request(run=run, language=get_language())
    if report.status != ReportStatus.DONE:
        return redirect("dashboard:report", year=year)
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=f"chi-so-cchc-{run.round.year}-{report.language}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_safe
def report_status(request, year: int):
    run = _published_run(request, year)
    report = reports.report_request(run=run, language=get_language())
    template = (
        "rankings/dashboard/partials/report_status.html"
        if request.headers.get("HX-Request")
        else ("rankings/dashboard/report.html")
    )
    return render(request, template, {"round": run.round, "run": run, "report": report})


# --- appeals (rankings/appeals.py) -------------------------------------------------------------------


@login_required
@require_safe
def appeals(request, year: int):
    """The round's appeal register, with the difference between the first and the corrected publication."""
    round = _round(year)
    register = appeal_rules.register_for(user=request.user, round=round)
    own = None
    if can.is_officer(request.user) and request.user.unit_id:
        own = Assessment.objects.filter(round=round, unit_id=request.user.unit_id).first()
    return render(
        request,
        "rankings/dashboard/appeals.html",
        {
            "round": round,
            "rounds": _rounds_nav(request.user),
            "register": register,
            "may_lodge": own is not None
            and can.can_lodge_appeal(request.user, own)
            and register.deadline is not None
            and timezone.now() <= register.deadline,
            "may_decide": can.can_decide_appeal(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def appeal_lodge(request, year: int):
    round = _round(year)
    assessment = Assessment.objects.filter(round=round, unit_id=getattr(request.user, "unit_id", None)).first()
    if assessment is None or not can.can_lodge_appeal(request.user, assessment):
        raise PermissionDenied
    form = AppealForm(request.POST or None, request.FILES or None, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        try:
            appeal_rules.appeal_lodge(
                user=request.user,
                assessment_id=assessment.pk,
                node_ids=[n.pk for n in form.cleaned_data["nodes"]],
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data.get("evidence"),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Your appeal has been lodged."))
            return redirect("dashboard:appeals", year=year)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "rankings/dashboard/appeal_lodge.html",
        {"round": round, "rounds": _rounds_nav(request.user), "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def appeal_decide(request, appeal_id: int):
    appeal = appeal_rules.appeal_to_decide(user=request.user, appeal_id=appeal_id)
    form = AppealDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal_rules.appeal_decide(
                user=request.user,
                appeal_id=appeal.pk,
                accept=form.cleaned_data["decision"] == "accept",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The decision has been recorded."))
            return redirect("dashboard:appeals", year=appeal.run.round.year)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "rankings/dashboard/appeal_decide.html",
        {"round": appeal.run.round, "rounds": _rounds_nav(request.user), "appeal": appeal, "form": form},
        status=status,
    )
