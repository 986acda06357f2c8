"""Survey pages: thin views over surveys.selectors (reads, access) and surveys.services (writes)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex import permissions as can
from parindex.forms import ConfirmActionForm
from surveys import selectors
from surveys.forms import ConfirmForm, UploadForm
from surveys.models import ImportStatus, SurveyKind
from surveys.services import definitions
from surveys.services.imports import (
    ImportRefused,
    is_stuck,
    survey_import_cancel,
    survey_import_choose_sheet,
    survey_import_confirm,
    survey_import_create,
    survey_import_retry,
)
from surveys.services.replacement import replacement_preview, survey_import_restore
from surveys.spreadsheet import survey_template

RUNNING = (ImportStatus.PENDING, ImportStatus.PARSING)


def _survey(survey: str) -> str:
    if survey not in SurveyKind.values:
        raise Http404
    return survey


def _admin_round(request: HttpRequest, year: int):
    if not can.can_manage_surveys(request.user):
        raise PermissionDenied
    return selectors.round_for_user(user=request.user, year=year)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not can.can_read_survey_results(request.user):
        raise PermissionDenied
    rounds = list(selectors.rounds_for_user(user=request.user))
    if not rounds:
        raise Http404
    return redirect("surveys:round", year=rounds[0].year)


@login_required
def round_overview(request: HttpRequest, year: int) -> HttpResponse:
    round_ = selectors.round_for_user(user=request.user, year=year)
    if not can.can_manage_surveys(request.user):
        return redirect("surveys:results", year=year)
    questions = selectors.questions_for_admin(user=request.user, round=round_)
    return render(
        request,
        "surveys/round.html",
        {
            "round": round_,
            "rounds": selectors.rounds_for_user(user=request.user),
            "imports": selectors.imports_for_admin(user=request.user, round=round_),
            "sipas_count": len(questions[SurveyKind.SIPAS]),
            "cs_count": len(questions[SurveyKind.CS]),
            "upload_form": UploadForm(),
            "surveys": SurveyKind.choices,
        },
    )


@login_required
def questions(request: HttpRequest, year: int) -> HttpResponse:
    round_ = _admin_round(request, year)
    return render(
        request,
        "surveys/questions.html",
        {
            "round": round_,
            "questions": selectors.questions_for_admin(user=request.user, round=round_),
            "previous": definitions.previous_round(round=round_),
        },
    )


@login_required
@require_POST
def questions_copy(request: HttpRequest, year: int) -> HttpResponse:
    round_ = _admin_round(request, year)
    previous = definitions.previous_round(round=round_)
    if previous is None:
        messages.error(request, _("There is no earlier round to copy from."))
    else:
        n = definitions.survey_questions_copy(source_round=previous, target_round=round_)
        messages.success(request, _("%(n)d questions copied from %(round)s.") % {"n": n, "round": previous})
    return redirect("surveys:questions", year=year)


@login_required
def template_download(request: HttpRequest, year: int, survey: str) -> HttpResponse:
    round_ = _admin_round(request, year)
    content = survey_template(round=round_, survey=_survey(survey))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="mau_{survey}_{round_.year}.xlsx"'
    return response


@login_required
@require_POST
def upload(request: HttpRequest, year: int, survey: str) -> HttpResponse:
    round_ = _admin_round(request, year)
    survey = _survey(survey)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("surveys:round", year=year)
    f = form.cleaned_data["file"]
    try:
        imp = survey_import_create(
            round=round_,
            survey=survey,
            fileobj=f,
            name=f.name,
            user=request.user,
            allow_reimport=form.cleaned_data["allow_reimport"],
        )
    except ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("surveys:round", year=year)
    return redirect("surveys:import_detail", pk=imp.pk)


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    imp = selectors.import_for_admin(user=request.user, import_id=pk)
    return render(
        request,
        "surveys/import_detail.html",
        {
            "imp": imp,
            "running": imp.status in RUNNING,
            "confirm_form": ConfirmForm(),
            "retryable": bool(imp.file)
            and (imp.status in (ImportStatus.FAILED, ImportStatus.PENDING) or is_stuck(imp)),
            "units": imp.summary.get("units", []),
            "problems_total": imp.summary.get("problems_total", 0),
            "replacement": replacement_preview(imp=imp),
        },
    )


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    imp = selectors.import_for_admin(user=request.user, import_id=pk)
    response = render(request, "surveys/partials/progress.html", {"imp": imp, "running": imp.status in RUNNING})
    if imp.status not in RUNNING:
        response["HX-Refresh"] = "true"  # reading finished: reload the page to show the preview
    return response


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    imp = selectors.import_for_admin(user=request.user, import_id=pk)
    form = ConfirmForm(request.POST)
    form.is_valid()
    # Replacing the current import needs the explicit confirmation under its per-unit preview.
    if replacement_preview(imp=imp) is not None and request.POST.get("confirm_replace") != "on":
        messages.error(request, _("Read what the replacement changes and tick the confirmation."))
        return redirect("surveys:import_detail", pk=pk)
    try:
        survey_import_confirm(
            import_id=imp.pk, user=request.user, accept_invalid=form.cleaned_data.get("accept_invalid", False)
        )
    except ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("surveys:import_detail", pk=pk)
    messages.success(request, _("Import confirmed: the survey points of the round now come from this file."))
    return redirect("surveys:results", year=imp.round.year)


@login_required
@require_POST
def import_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    imp = selectors.import_for_admin(user=request.user, import_id=pk)
    try:
        survey_import_choose_sheet(import_id=imp.pk, user=request.user, sheet_name=request.POST.get("sheet", ""))
    except ImportRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The file will be read again from the chosen sheet."))
    return redirect("surveys:import_detail", pk=pk)


@login_required
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    imp = selectors.import_for_admin(user=request.user, import_id=pk)
    if not ConfirmActionForm(request.POST).is_valid():
        messages.error(request, _("Tick the box to confirm."))
        return redirect("surveys:import_detail", pk=pk)
    try:
        survey_import_retry(import_id=imp.pk, user=request.user)
    except ImportRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The file will be read again."))
    return redirect("surveys:import_detail", pk=pk)


@login_required
@require_POST
def import_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """A superseded import comes back as a new import of its stored file, to review and confirm."""
    imp = selectors.import_for_admin(user=request.user, import_id=pk)
    try:
        new = survey_import_restore(import_id=imp.pk, user=request.user)
    except ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("surveys:import_detail", pk=pk)
    messages.success(request, _("The file was imported again: review it and confirm to make it current."))
    return redirect("surveys:import_detail", pk=new.pk)


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    imp = selectors.import_for_admin(user=request.user, import_id=pk)
    if imp.status in RUNNING and not ConfirmActionForm(request.POST).is_valid():
        # Stopping work that may still be running is confirmed explicitly (a preview is cancelled at once).
        messages.error(request, _("Tick the box to confirm."))
        return redirect("surveys:import_detail", pk=pk)
    try:
        survey_import_cancel(import_id=imp.pk, user=request.user)
    except ImportRefused as exc:
        messages.error(request, exc.message)
        return redirect("surveys:import_detail", pk=pk)
    messages.success(request, _("Import cancelled; its forms were discarded."))
    return redirect("surveys:round", year=imp.round.year)


@login_required
def results(request: HttpRequest, year: int) -> HttpResponse:
    round_ = selectors.round_for_user(user=request.user, year=year)
    rows = selectors.survey_results_for_round(user=request.user, round=round_)
    return render(
        request,
        "surveys/results.html",
        {
            "round": round_,
            "rows": rows,
            "rounds": selectors.rounds_for_user(user=request.user),
            "is_admin": can.can_manage_surveys(request.user),
        },
    )


@login_required
def unit_results(request: HttpRequest, year: int, code: str) -> HttpResponse:
    round_ = selectors.round_for_user(user=request.user, year=year)
    rows = selectors.survey_results_for_round(user=request.user, round=round_, unit_code=code)
    return render(request, "surveys/unit_results.html", {"round": round_, "row": rows[0]})
