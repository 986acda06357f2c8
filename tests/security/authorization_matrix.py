"""Who may do what on every URL of ParIndex: the table test_authorization_matrix.py checks.

Every named URL of the project (except Django's admin, checked separately, and static/media files)
must have an entry in MATRIX, keyed by its full name (``"namespace:name"``). An entry says how to
build the URL's kwargs from the test world (tests/security/world.py) and the outcome each role gets
for a GET and for a POST with no form data (the test client does not check CSRF there; the separate
CSRF test does).

Roles: anonymous, officer_own (officer of unit A, which owns every object in the world),
officer_other (officer of unit B), appraiser, leader, admin (par admin, staff and superuser).

Outcomes:
    OK           2xx
    REDIRECT     3xx to somewhere other than the login page
    LOGIN        3xx to the login page (what an anonymous visitor gets on a protected page)
    FORBIDDEN    403: the role never has this page or action (parindex.permissions, rule 2)
    HIDDEN       404: the object is outside the user's scope, answered like an id that does not exist
                 (another unit's object must not even be confirmed to exist; parindex.permissions, rule 1)
    NOT_ALLOWED  405 (the view does not take this method)
    ACCEPTED     the view took the request and handled it: 2xx, 3xx not to the login page, 400, 409 or 422.
                 Use it for a POST of empty data to an action: the role is let in, the empty form is refused.
    WRITES       the POST changed what ``state`` reads (and the answer is no 5xx and no login redirect):
                 the positive control that ``post_data`` is a real, valid change.
    NO_WRITE     whatever the answer (a message, a redirect, 403, 404; never a 5xx or a login redirect),
                 what ``state`` reads is unchanged: the role may reach the page but not make the change.

For actions that change something, give ``post_data`` (a valid change, built from the world) and
``state`` (reads what the change would alter); then WRITES for the roles that may make it and NO_WRITE
or FORBIDDEN/HIDDEN for the others prove the refusal is the rule's doing, not an incomplete form.

Adding a page: add one line to MATRIX using the helpers below, e.g.

    "assessments:leaf_edit": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "node": w.leaf.pk},
        get=only("officer_own", "appraiser", "admin"),          # others FORBIDDEN, anonymous LOGIN
        post=only("officer_own", outcome=ACCEPTED),
    ),

A 500 is never an acceptable outcome.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from assessments.models import Assessment, EvidenceFile, LeafScore
from notifications.models import Notification, NotificationPreference
from rankings.models import Appeal, IndexRun
from surveys.models import SurveyImport
from tests.security.world import ROLES, World, pdf_upload

OK = "ok"
REDIRECT = "redirect"
LOGIN = "redirect_login"
FORBIDDEN = "forbidden"
HIDDEN = "not_found"
NOT_ALLOWED = "method_not_allowed"
ACCEPTED = "accepted"
WRITES = "writes"
NO_WRITE = "no_write"
OUTCOMES = {OK, REDIRECT, LOGIN, FORBIDDEN, HIDDEN, NOT_ALLOWED, ACCEPTED, WRITES, NO_WRITE}

SIGNED_IN = ROLES[1:]
STAFF_OF_HOME_AFFAIRS = ("appraiser", "admin")
RESULT_READERS = ("appraiser", "leader", "admin")  # parindex.permissions.can_read_dashboards


def everyone(outcome: str) -> dict[str, str]:
    """The same outcome for every role, anonymous included (public pages, or 405 for all)."""
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome: str = OK) -> dict[str, str]:
    """Any signed-in role gets ``outcome``; anonymous visitors are sent to the login page."""
    return {"anonymous": LOGIN, **dict.fromkeys(SIGNED_IN, outcome)}


def only(*roles: str, outcome: str = OK, others: str = FORBIDDEN) -> dict[str, str]:
    """The listed roles get ``outcome``, other signed-in roles ``others``, anonymous the login page."""
    unknown = set(roles) - set(SIGNED_IN)
    assert not unknown, f"unknown roles {unknown}"
    return {"anonymous": LOGIN, **{r: (outcome if r in roles else others) for r in SIGNED_IN}}


def no_kwargs(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Route:
    get: dict[str, str]
    post: dict[str, str]
    kwargs: Callable[[World], dict[str, Any]] = no_kwargs
    query: str = ""  # appended to the URL, e.g. "?round=2021"
    post_data: Callable[[World], dict[str, Any]] = no_kwargs
    state: Callable[[World], Any] | None = None  # needed by WRITES / NO_WRITE
    # Only for views that must take cross-site POSTs (none so far); say why.
    csrf_exempt_reason: str = ""
    # Responses that are not HTML pages (files, JSON) skip the inline script/style check.
    html: bool = True
    note: str = field(default="", compare=False)


# --- small builders for kwargs, probes and state readers --------------------------------------------------
def _a(w: World) -> dict:
    return {"pk": w.assessment_a.pk}


def _leaf(w: World) -> dict:
    return {"pk": w.assessment_a.pk, "node_id": w.leaf.pk}


def _year(w: World) -> dict:
    return {"year": w.round.year}


def _import(w: World) -> dict:
    return {"pk": w.survey_import.pk}


def _assessment_state(pk_of: Callable[[World], int]) -> Callable[[World], tuple]:
    return lambda w: Assessment.objects.filter(pk=pk_of(w)).values_list("state", "version", "extension_until").get()


def _score_state(w: World, score: LeafScore) -> tuple:
    s = LeafScore.objects.get(pk=score.pk)
    return s.self_inputs, s.app_inputs, s.version, sorted(s.evidence.values_list("pk", flat=True))


def _evidence_leaf_links(w: World) -> list[int]:
    return sorted(
        LeafScore.objects.get(assessment=w.assessment_a, node=w.evidence_leaf).evidence.values_list("pk", flat=True)
    )


def _survey_upload() -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.surveys.factories import form_row, header_for, xlsx_bytes

    content = xlsx_bytes(header_for(["S1"]), [form_row("SNV", "F9", [3])])
    return {"file": SimpleUploadedFile("sipas-moi.xlsx", content)}


# Pages that only read: the same outcome whatever the method (these views do not restrict it; a POST
# is rendered like a GET and changes nothing).
def read_page(table: dict[str, str], **kw) -> Route:
    return Route(get=table, post=table, **kw)


# Pages that only read and take GET only (POST: 405 once signed in).
def get_page(table: dict[str, str], **kw) -> Route:
    return Route(get=table, post=signed_in(NOT_ALLOWED), **kw)


READERS_OF_UNIT_A = only("officer_own", "appraiser", "leader", "admin", others=HIDDEN)  # officer_other: 404
HOME_AFFAIRS_AND_LEADERS = only("appraiser", "leader", "admin")

MATRIX: dict[str, Route] = {
    # --- parindex: accounts, home, language, health --------------------------------------------------
    "healthz": Route(get=everyone(OK), post=everyone(NOT_ALLOWED), html=False),
    "home": read_page(signed_in(OK)),
    # LoginView(redirect_authenticated_user=True) sends a signed-in user home, whatever the method.
    "login": read_page({**signed_in(REDIRECT), "anonymous": OK}),
    # LogoutView takes POST only and always lands on the login page.
    "logout": Route(get=everyone(NOT_ALLOWED), post=everyone(LOGIN)),
    "password_change": read_page(signed_in(OK)),
    "password_change_done": Route(get=signed_in(OK), post=signed_in(NOT_ALLOWED)),
    # Django's set_language: redirects back (to "/" without a safe "next"), for anyone.
    "set_language": read_page(everyone(REDIRECT)),
    # --- assessments -----------------------------------------------------------------------------------
    # Officers land on their own unit's assessment, the others on the appraisal queue.
    "assessments:index": get_page(signed_in(REDIRECT)),
    "assessments:queue": get_page(HOME_AFFAIRS_AND_LEADERS, kwargs=lambda w: {"round_id": w.round.pk}),
    # Nothing is appraised in 2021: the admin's request is handled and finalises nothing.
    # GET: the confirmation page (consequences, the units); POST without the confirmation box goes back to it.
    "assessments:finalise_all": Route(
        kwargs=lambda w: {"round_id": w.round.pk},
        get=only("admin"),
        post=only("admin", outcome=ACCEPTED),
    ),
    # The consequences of reopening unit A's finalised 2019 assessment, and the form that reopens it.
    "assessments:confirm": get_page(
        only("admin") | {"officer_other": HIDDEN},
        kwargs=lambda w: {"pk": w.assessment_a_final.pk, "action": "reopen"},
    ),
    "assessments:detail": get_page(READERS_OF_UNIT_A, kwargs=_a),
    "assessments:timeline": get_page(READERS_OF_UNIT_A, kwargs=_a),
    # One domain's criteria, loaded when unfolded: whoever reads the assessment.
    "assessments:domain": get_page(
        READERS_OF_UNIT_A, kwargs=lambda w: {"pk": w.assessment_a.pk, "node_id": w.leaf.parent.parent_id}
    ),
    # The summary before submitting: the unit's own officer only (others see the assessment, not this step).
    "assessments:submit_review": get_page(only("officer_own") | {"officer_other": HIDDEN}, kwargs=_a),
    # Accepting the unit's values on untouched criteria: the appraiser (unit A is a draft in the world: refused
    # by state, nothing written); the others are turned away by role.
    "assessments:accept_untouched": Route(
        kwargs=_a,
        get=signed_in(NOT_ALLOWED),
        post=only("appraiser", outcome=ACCEPTED) | {"officer_other": HIDDEN},
    ),
    "assessments:sheet": get_page(READERS_OF_UNIT_A, kwargs=_a),
    # Submitting unit A's complete draft: only its officer.
    "assessments:transition": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "action": "submit"},
        get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=WRITES, others=NO_WRITE) | {"officer_other": HIDDEN},
        post_data=lambda w: {"version": w.assessment_a.version},
        state=_assessment_state(lambda w: w.assessment_a.pk),
    ),
    # Reopening unit A's finalised 2019 assessment: only an administrator.
    "assessments:reopen": Route(
        kwargs=lambda w: {"pk": w.assessment_a_final.pk},
        get=signed_in(NOT_ALLOWED),
        post=only("admin", outcome=WRITES, others=NO_WRITE) | {"officer_other": HIDDEN},
        post_data=lambda w: {
            "version": w.assessment_a_final.version,
            "reason": "Sai sót số liệu báo cáo",
            "confirm": "on",
        },
        state=_assessment_state(lambda w: w.assessment_a_final.pk),
    ),
    "assessments:extension": Route(
        kwargs=_a,
        get=signed_in(NOT_ALLOWED),
        post=only("admin", outcome=WRITES, others=NO_WRITE) | {"officer_other": HIDDEN},
        post_data=lambda w: {"kind": "self", "until": "2031-01-15T17:00"},
        state=_assessment_state(lambda w: w.assessment_a.pk),
    ),
    # Self inputs: only the unit's officer; the appraiser never edits them, the leader reads only.
    "assessments:leaf_self": Route(
        kwargs=_leaf,
        get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=WRITES, others=NO_WRITE) | {"officer_other": HIDDEN},
        post_data=lambda w: {f"s{w.leaf.pk}-version": w.score_a.version, f"s{w.leaf.pk}-level": "1"},
        state=lambda w: _score_state(w, w.score_a),
    ),
    # Appraisal inputs on unit A's 2020 assessment (in appraisal): appraisers only (an admin is not one by default).
    "assessments:leaf_appraisal": Route(
        kwargs=lambda w: {"pk": w.assessment_a_appraisal.pk, "node_id": w.leaf_appraisal.pk},
        get=signed_in(NOT_ALLOWED),
        post=only("appraiser", outcome=WRITES, others=NO_WRITE) | {"officer_other": HIDDEN},
        post_data=lambda w: {
            f"a{w.leaf_appraisal.pk}-version": w.score_a_appraisal.version,
            f"a{w.leaf_appraisal.pk}-level": "1",
            f"a{w.leaf_appraisal.pk}-app_note": "Kế hoạch ban hành muộn so với quy định",
        },
        state=lambda w: _score_state(w, w.score_a_appraisal),
    ),
    # The change history of a leaf (who, when, old and new values) is for Home Affairs.
    # The criteria crosswalk between two years: every signed-in role reads it (criteria are not secret).
    "assessments:framework_diff": get_page(signed_in(OK), kwargs=lambda w: {"old_year": 2020, "new_year": 2021}),
    "assessments:leaf_history": get_page(only("appraiser", "admin") | {"officer_other": HIDDEN}, kwargs=_leaf),
    "assessments:evidence_upload": Route(
        kwargs=_leaf,
        get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=WRITES, others=NO_WRITE) | {"officer_other": HIDDEN},
        post_data=lambda w: {"file": pdf_upload()},
        state=lambda w: EvidenceFile.objects.filter(assessment=w.assessment_a).count(),
    ),
    "assessments:evidence_link": Route(
        kwargs=_leaf,
        get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=WRITES, others=NO_WRITE) | {"officer_other": HIDDEN},
        post_data=lambda w: {"evidence": w.evidence_a.pk},
        state=lambda w: _score_state(w, w.score_a),
    ),
    "assessments:evidence_unlink": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "node_id": w.evidence_leaf.pk, "evidence_id": w.evidence_a.pk},
        get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=WRITES, others=NO_WRITE) | {"officer_other": HIDDEN},
        state=_evidence_leaf_links,
    ),
    "assessments:evidence_view": get_page(
        READERS_OF_UNIT_A,
        kwargs=lambda w: {"pk": w.assessment_a.pk, "evidence_id": w.evidence_a.pk},
        html=False,
    ),
    "assessments:evidence_download": get_page(
        READERS_OF_UNIT_A,
        kwargs=lambda w: {"pk": w.assessment_a.pk, "evidence_id": w.evidence_a.pk},
        html=False,
    ),
    # --- surveys ---------------------------------------------------------------------------------------
    "surveys:index": read_page(signed_in(REDIRECT)),
    # Non-admins are sent on to the results page.
    "surveys:round": read_page(only("admin", others=REDIRECT), kwargs=_year),
    "surveys:results": read_page(signed_in(OK), kwargs=_year),
    "surveys:unit_results": read_page(
        READERS_OF_UNIT_A, kwargs=lambda w: {"year": w.round.year, "code": w.unit_a.code}
    ),
    "surveys:questions": read_page(only("admin"), kwargs=_year),
    # 2020 has no questions to copy: the admin's request is handled and copies nothing.
    "surveys:questions_copy": Route(kwargs=_year, get=signed_in(NOT_ALLOWED), post=only("admin", outcome=ACCEPTED)),
    "surveys:template": read_page(
        only("admin"), kwargs=lambda w: {"year": w.round.year, "survey": "sipas"}, html=False
    ),
    "surveys:upload": Route(
        kwargs=lambda w: {"year": w.round.year, "survey": "sipas"},
        get=signed_in(NOT_ALLOWED),
        post=only("admin", outcome=WRITES),
        post_data=lambda w: _survey_upload(),
        state=lambda w: SurveyImport.objects.count(),
    ),
    "surveys:import_detail": read_page(only("admin"), kwargs=_import),
    "surveys:import_progress": read_page(only("admin"), kwargs=_import),
    "surveys:import_confirm": Route(
        kwargs=_import,
        get=signed_in(NOT_ALLOWED),
        post=only("admin", outcome=WRITES),
        state=lambda w: SurveyImport.objects.filter(pk=w.survey_import.pk).values_list("status", flat=True).get(),
    ),
    "surveys:import_cancel": Route(
        kwargs=_import,
        get=signed_in(NOT_ALLOWED),
        post=only("admin", outcome=WRITES),
        state=lambda w: SurveyImport.objects.filter(pk=w.survey_import.pk).values_list("status", flat=True).get(),
    ),
    # Stuck work: an admin retries it, confirming with the ticked box.
    "surveys:import_retry": Route(
        kwargs=lambda w: {"pk": w.import_failed.pk},
        get=signed_in(NOT_ALLOWED),
        post=only("admin", outcome=WRITES),
        post_data=lambda w: {"confirm": "on"},
        state=lambda w: SurveyImport.objects.filter(pk=w.import_failed.pk).values_list("status", "attempts").get(),
    ),
    # Reading a previewed workbook from another sheet: the admin's empty choice is refused with a message.
    "surveys:import_sheet": Route(kwargs=_import, get=signed_in(NOT_ALLOWED), post=only("admin", outcome=ACCEPTED)),
    # The world's import is in preview, not superseded: the administrator's request is handled and refused
    # with a message (tests/surveys/test_replacement.py restores a superseded one).
    "surveys:import_restore": Route(
        kwargs=_import,
        get=signed_in(NOT_ALLOWED),
        post=only("admin", outcome=ACCEPTED),
    ),
    # --- rankings: results, runs, publication ------------------------------------------------------------
    "rankings:index": get_page(signed_in(OK)),
    # The old result pages redirect (301) to the one ranking page and the one unit page of the dashboard, whose
    # entries below say who may read them; the redirect itself answers the same for any id.
    "rankings:round": get_page(signed_in(REDIRECT), kwargs=_year),
    "rankings:unit": get_page(signed_in(REDIRECT), kwargs=lambda w: {"year": w.round.year, "unit_id": w.unit_a.pk}),
    "rankings:unit_history": get_page(signed_in(REDIRECT), kwargs=lambda w: {"unit_id": w.unit_a.pk}),
    # Computing makes a provisional run; appraisers may ask for one too (parindex.permissions.can_compute_index).
    "rankings:compute": Route(
        kwargs=_year,
        get=signed_in(NOT_ALLOWED),
        post=only("appraiser", "admin", outcome=WRITES),
        state=lambda w: IndexRun.objects.count(),
    ),
    "rankings:run": get_page(only("appraiser", "admin"), kwargs=lambda w: {"run_id": w.run.pk}),
    "rankings:publish": Route(
        kwargs=lambda w: {"run_id": w.run_unpublished.pk},
        get=signed_in(NOT_ALLOWED),
        post=only("admin", outcome=WRITES),
        post_data=lambda w: {"confirm": "on", "reason": "Đơn vị B chưa chốt; công bố theo chỉ đạo"},
        state=lambda w: IndexRun.objects.filter(pk=w.run_unpublished.pk).values_list("is_published", flat=True).get(),
    ),
    # The publication check is the administrator's page before publishing.
    "rankings:publish_check": get_page(only("admin"), kwargs=lambda w: {"run_id": w.run_unpublished.pk}),
    "rankings:run_cancel": Route(
        kwargs=lambda w: {"run_id": w.run_stuck.pk},
        get=signed_in(NOT_ALLOWED),
        post=only("admin", outcome=WRITES),
        post_data=lambda w: {"confirm": "on"},
        state=lambda w: IndexRun.objects.filter(pk=w.run_stuck.pk).values_list("status", flat=True).get(),
    ),
    "rankings:run_retry": Route(
        kwargs=lambda w: {"run_id": w.run_stuck.pk},
        get=signed_in(NOT_ALLOWED),
        post=only("admin", outcome=WRITES),
        post_data=lambda w: {"confirm": "on"},
        state=lambda w: IndexRun.objects.count(),
    ),
    # --- dashboard: the results read side (dashboards, the ranking page, the unit page, exports) -----------
    # Leaders (and Home Affairs) go to the round's dashboard, officers to the published ranking.
    "dashboard:index": get_page(signed_in(REDIRECT)),
    "dashboard:trends": get_page(HOME_AFFAIRS_AND_LEADERS),
    "dashboard:my_unit": get_page(only("officer_own", "officer_other", outcome=REDIRECT)),
    "dashboard:round": get_page(HOME_AFFAIRS_AND_LEADERS, kwargs=_year),
    "dashboard:ranking": get_page(signed_in(OK), kwargs=_year),
    "dashboard:unit": get_page(READERS_OF_UNIT_A, kwargs=lambda w: {"year": w.round.year, "unit_id": w.unit_a.pk}),
    # Appeals (rankings/appeals.py): the register is published with the results; an officer lodges for their own
    # unit only (officer_other lodges for unit B, which leaves unit A's appeals unchanged); Home Affairs decide.
    "dashboard:appeals": get_page(signed_in(OK), kwargs=_year),
    "dashboard:appeal_lodge": Route(
        kwargs=_year,
        get=only("officer_own", "officer_other"),
        post=only("officer_own", outcome=WRITES) | {"officer_other": NO_WRITE},
        post_data=lambda w: {"nodes": [w.leaf.pk], "reason": "Đề nghị chấm lại"},
        state=lambda w: Appeal.objects.filter(unit=w.unit_a).count(),
    ),
    "dashboard:appeal_decide": Route(
        kwargs=lambda w: {"appeal_id": w.appeal.pk},
        get=only("appraiser", "admin"),
        post=only("appraiser", "admin", outcome=WRITES),
        post_data=lambda w: {"decision": "reject", "reason": "Không có căn cứ mới"},
        state=lambda w: Appeal.objects.filter(pk=w.appeal.pk).values_list("state", flat=True).get(),
    ),
    "dashboard:export_xlsx": get_page(HOME_AFFAIRS_AND_LEADERS, kwargs=_year, html=False),
    "dashboard:export_csv": get_page(HOME_AFFAIRS_AND_LEADERS, kwargs=_year, html=False),
    # The stored report, or (not made yet) its progress page.
    "dashboard:export_pdf": get_page(only("appraiser", "leader", "admin", outcome=ACCEPTED), kwargs=_year, html=False),
    "dashboard:report": get_page(HOME_AFFAIRS_AND_LEADERS, kwargs=_year),
    # --- notifications: each user's own list, bell and e-mail setting ------------------------------------
    "notifications:list": get_page(signed_in(OK)),
    # Marking read: only the recipient; another user's notification is not found.
    "notifications:read": Route(
        kwargs=lambda w: {"pk": w.notification.pk},
        get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=WRITES, others=HIDDEN),  # another user's notification is out of scope
        state=lambda w: Notification.objects.filter(pk=w.notification.pk).values_list("read_at", flat=True).get(),
    ),
    # Everyone may mark their own notifications read; nobody else's.
    "notifications:read_all": Route(
        get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=WRITES, others=NO_WRITE),
        state=lambda w: Notification.objects.filter(pk=w.notification.pk).values_list("read_at", flat=True).get(),
    ),
    # An empty form turns e-mail off for the user who posts it, never for anyone else.
    "notifications:preferences": Route(
        get=signed_in(OK),
        post=only("officer_own", outcome=WRITES, others=NO_WRITE),
        state=lambda w: list(
            NotificationPreference.objects.filter(user=w.user("officer_own")).values_list("email_enabled", flat=True)
        ),
    ),
    # --- api: public, read-only open data of published runs ----------------------------------------------
    "api:schema": Route(get=everyone(OK), post=everyone(NOT_ALLOWED), html=False),
    # The API's documentation page: public like the API it describes.
    "api:docs": Route(get=everyone(OK), post=everyone(NOT_ALLOWED)),
    "api:rounds": Route(get=everyone(OK), post=everyone(NOT_ALLOWED), html=False),
    "api:groups": Route(get=everyone(OK), post=everyone(NOT_ALLOWED), html=False),
    "api:units": Route(get=everyone(OK), post=everyone(NOT_ALLOWED), html=False),
    "api:results": Route(kwargs=_year, get=everyone(OK), post=everyone(NOT_ALLOWED), html=False),
    "api:result": Route(
        kwargs=lambda w: {"year": w.round.year, "unit": w.unit_a.code},
        get=everyone(OK),
        post=everyone(NOT_ALLOWED),
        html=False,
    ),
}
