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
    DENIED       403 or 404 (another unit's object must not even be confirmed to exist)
    NOT_ALLOWED  405 (the view does not take this method)
    ACCEPTED     the view took the request and handled it: 2xx, 3xx not to the login page, 400, 409 or 422.
                 Use it for a POST of empty data to an action: the role is let in, the empty form is refused.

Adding a page: add one line to MATRIX using the helpers below, e.g.

    "assessments:leaf_edit": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "node": w.leaf.pk},
        get=only("officer_own", "appraiser", "admin"),          # others DENIED, anonymous LOGIN
        post=only("officer_own", outcome=ACCEPTED),
    ),

A 500 is never an acceptable outcome.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.security.world import ROLES, World

OK = "ok"
REDIRECT = "redirect"
LOGIN = "redirect_login"
DENIED = "forbidden_or_404"
NOT_ALLOWED = "method_not_allowed"
ACCEPTED = "accepted"
OUTCOMES = {OK, REDIRECT, LOGIN, DENIED, NOT_ALLOWED, ACCEPTED}

SIGNED_IN = ROLES[1:]
STAFF_OF_HOME_AFFAIRS = ("appraiser", "admin")
RESULT_READERS = ("appraiser", "leader", "admin")  # User.can_read_results


def everyone(outcome: str) -> dict[str, str]:
    """The same outcome for every role, anonymous included (public pages, or 405 for all)."""
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome: str = OK) -> dict[str, str]:
    """Any signed-in role gets ``outcome``; anonymous visitors are sent to the login page."""
    return {"anonymous": LOGIN, **dict.fromkeys(SIGNED_IN, outcome)}


def only(*roles: str, outcome: str = OK, others: str = DENIED) -> dict[str, str]:
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
    # Only for views that must take cross-site POSTs (none so far); say why.
    csrf_exempt_reason: str = ""
    # Responses that are not HTML pages (files, JSON) skip the inline script/style check.
    html: bool = True
    note: str = field(default="", compare=False)


MATRIX: dict[str, Route] = {
    # --- parindex: accounts, home, language, health --------------------------------------------------
    "healthz": Route(get=everyone(OK), post=everyone(NOT_ALLOWED), html=False),
    "home": Route(get=signed_in(OK), post=signed_in(OK)),
    # LoginView(redirect_authenticated_user=True) sends a signed-in user home, whatever the method.
    "login": Route(get={**signed_in(REDIRECT), "anonymous": OK}, post={**signed_in(REDIRECT), "anonymous": OK}),
    # LogoutView takes POST only and always lands on the login page.
    "logout": Route(get=everyone(NOT_ALLOWED), post=everyone(LOGIN)),
    "password_change": Route(get=signed_in(OK), post=signed_in(OK)),
    "password_change_done": Route(get=signed_in(OK), post=signed_in(NOT_ALLOWED)),
    # Django's set_language: redirects back (to "/" without a safe "next"), for anyone.
    "set_language": Route(get=everyone(REDIRECT), post=everyone(REDIRECT)),
    # --- assessments -----------------------------------------------------------------------------------
    # Read pages take GET only; every write is a POST, refused to anyone but the role that may make it
    # (the unit's officers for inputs and files, appraisers for appraisal, admins for finalise/reopen/extensions).
    "assessments:index": Route(get=signed_in(REDIRECT), post=signed_in(NOT_ALLOWED)),
    "assessments:queue": Route(
        kwargs=lambda w: {"round_id": w.round.pk}, get=only(*RESULT_READERS), post=signed_in(NOT_ALLOWED),
    ),
    "assessments:finalise_all": Route(
        kwargs=lambda w: {"round_id": w.round.pk}, get=signed_in(NOT_ALLOWED), post=only("admin", outcome=ACCEPTED),
    ),
    "assessments:detail": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk}, get=only("officer_own", *RESULT_READERS), post=signed_in(NOT_ALLOWED),
    ),
    "assessments:timeline": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk}, get=only("officer_own", *RESULT_READERS), post=signed_in(NOT_ALLOWED),
    ),
    "assessments:transition": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "action": "submit"}, get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=ACCEPTED), note="an empty submit is refused with the list of what is missing",
    ),
    "assessments:reopen": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk}, get=signed_in(NOT_ALLOWED), post=only("admin", outcome=ACCEPTED),
    ),
    "assessments:extension": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk}, get=signed_in(NOT_ALLOWED), post=only("admin", outcome=ACCEPTED),
    ),
    "assessments:leaf_self": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "node_id": w.leaf.pk}, get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=ACCEPTED),
    ),
    "assessments:leaf_appraisal": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "node_id": w.leaf.pk}, get=signed_in(NOT_ALLOWED),
        post=only("appraiser", outcome=ACCEPTED),
    ),
    "assessments:leaf_history": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "node_id": w.leaf.pk}, get=only(*STAFF_OF_HOME_AFFAIRS),
        post=signed_in(NOT_ALLOWED),
    ),
    "assessments:evidence_upload": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "node_id": w.leaf.pk}, get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=ACCEPTED),
    ),
    "assessments:evidence_link": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "node_id": w.leaf.pk}, get=signed_in(NOT_ALLOWED),
        post=only("officer_own", outcome=ACCEPTED),
    ),
    "assessments:evidence_unlink": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "node_id": w.leaf.pk, "evidence_id": w.evidence_a.pk},
        get=signed_in(NOT_ALLOWED), post=only("officer_own", outcome=ACCEPTED),
    ),
    "assessments:evidence_view": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "evidence_id": w.evidence_a.pk},
        get=only("officer_own", *RESULT_READERS), post=signed_in(NOT_ALLOWED), html=False,
    ),
    "assessments:evidence_download": Route(
        kwargs=lambda w: {"pk": w.assessment_a.pk, "evidence_id": w.evidence_a.pk},
        get=only("officer_own", *RESULT_READERS), post=signed_in(NOT_ALLOWED), html=False,
    ),
    # --- surveys ---------------------------------------------------------------------------------------
    # --- rankings: results, dashboards, exports --------------------------------------------------------
    # --- api --------------------------------------------------------------------------------------------
}
