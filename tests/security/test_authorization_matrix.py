"""Every URL, every role, GET and POST: the outcome the matrix (authorization_matrix.py) promises."""

from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.security.authorization_matrix import (
    ACCEPTED,
    LOGIN,
    MATRIX,
    NOT_ALLOWED,
    OK,
    OUTCOMES,
    REDIRECT,
    WRITES,
    Route,
)
from tests.security.urls import describe, matches, project_patterns
from tests.security.world import ROLES, World

# The db mark makes pytest-django create the test database; the module-wide world lives in it.
pytestmark = pytest.mark.django_db

ENTRIES = sorted(MATRIX)


def url_for(route: Route, name: str, world: World) -> str:
    return reverse(name, kwargs=route.kwargs(world)) + route.query


def request_as(
    world: World, role: str, method: str, url: str, *, data: dict | None = None, state=None, csrf_checks: bool = False
):
    """One request by one role, its effects rolled back so that roles do not see each other's writes.

    Returns the response and whether ``state(world)`` read something different after it.
    """
    client = Client(enforce_csrf_checks=csrf_checks)
    with transaction.atomic():
        user = world.user(role)
        if user is not None:
            client.force_login(user)
        before = state(world) if state else None
        response = client.get(url) if method == "GET" else client.post(url, data or {})
        changed = (state(world) != before) if state else None
        transaction.set_rollback(True)
    return response, changed


def test_every_url_of_the_project_is_in_the_matrix():
    patterns = project_patterns()
    unnamed = sorted(p.route for p in patterns if p.name is None)
    assert not unnamed, (
        f"URL patterns without a name: {unnamed}. Give each one a name= so that "
        "tests/security/authorization_matrix.py can say who may reach it."
    )
    missing = sorted({p.name for p in patterns} - set(MATRIX))
    assert not missing, (
        f"URLs missing from the authorisation matrix: {missing}. Add an entry for each to MATRIX in "
        "tests/security/authorization_matrix.py (kwargs from the world in tests/security/world.py and the "
        "outcome of GET and POST for every role); see the module docstring for an example."
    )


def test_matrix_names_only_urls_that_exist():
    stale = sorted(set(MATRIX) - {p.name for p in project_patterns()})
    assert not stale, f"MATRIX entries for URLs that no longer exist: {stale}; remove them."


@pytest.mark.parametrize("name", ENTRIES)
def test_matrix_entry_is_complete(name):
    route = MATRIX[name]
    for method, table in (("GET", route.get), ("POST", route.post)):
        assert set(table) == set(ROLES), f"{name} {method}: give an outcome for exactly the roles {ROLES}"
        assert set(table.values()) <= OUTCOMES, f"{name} {method}: unknown outcome in {table}"


@pytest.mark.parametrize("name", ENTRIES)
def test_each_role_gets_the_outcome_the_matrix_promises(name, world):
    route = MATRIX[name]
    url = url_for(route, name, world)
    wrong = []
    for method, table in (("GET", route.get), ("POST", route.post)):
        for role in ROLES:
            data = route.post_data(world) if method == "POST" else None
            try:
                response, changed = request_as(world, role, method, url, data=data, state=route.state)
            except Exception as exc:  # a 500 in production
                wrong.append(f"{role} {method} {url}: raised {exc!r} (expected {table[role]})")
                continue
            if not matches(table[role], response, changed):
                what = "" if changed is None else (", changed the state" if changed else ", changed nothing")
                wrong.append(f"{role} {method} {url}: got {describe(response)}{what}, expected {table[role]}")
    assert not wrong, "\n".join(wrong)


# Outcomes that show the view let the role in: a POST refused for one of these roles without a token can
# only have been refused by the CSRF check (a role the view turns away would prove nothing). A signed-in
# role sent to the login page was let in too (logout); an anonymous one was turned away.
LET_IN = (WRITES, ACCEPTED, OK, REDIRECT)


def _let_in(role: str, outcome: str) -> bool:
    return outcome in LET_IN or (role != "anonymous" and outcome == LOGIN)


def takes_post(route: Route) -> bool:
    """Whether any role's POST reaches a view (anonymous visitors sent to log in prove nothing)."""
    return any(v != NOT_ALLOWED and not (r == "anonymous" and v == LOGIN) for r, v in route.post.items())


def csrf_role(route: Route) -> str | None:
    """The most capable role the view lets in for a POST, or None when no role is let in."""
    return next((r for r in reversed(ROLES) if _let_in(r, route.post[r])), None)


@pytest.mark.parametrize("name", ENTRIES)
def test_post_without_csrf_token_is_refused(name, world):
    """Every form and action checks the CSRF token: a POST without one is a 403 before the view runs.

    The request is made as a role the matrix says the view lets in, so the test fails if CSRF protection
    is removed (checked by taking CsrfViewMiddleware out of MIDDLEWARE once: every one failed except login,
    logout and password_change, whose Django views carry their own csrf_protect and still refused).
    """
    route = MATRIX[name]
    if route.csrf_exempt_reason or not takes_post(route):
        pytest.skip(route.csrf_exempt_reason or "takes no POST")
    role = csrf_role(route)
    assert role is not None, f"{name}: no role is let in for a POST; CSRF cannot be tested through it"
    response, changed = request_as(
        world,
        role,
        "POST",
        url_for(route, name, world),
        data=route.post_data(world),
        state=route.state,
        csrf_checks=True,
    )
    assert not changed, f"{role} POST without CSRF token changed the state"
    assert response.status_code == 403, f"{role} POST without CSRF token: got {describe(response)}"
    assert b"CSRF" in response.content, f"{role} POST without CSRF token: refused, but not by the CSRF check"


@pytest.mark.parametrize("name", [n for n in ENTRIES if takes_post(MATRIX[n])])
def test_every_write_route_is_csrf_tested_as_a_role_it_lets_in(name):
    """A POST route whose only roles are turned away would pass the CSRF test without CSRF: not allowed."""
    route = MATRIX[name]
    if route.csrf_exempt_reason:
        pytest.skip(route.csrf_exempt_reason)
    assert csrf_role(route) is not None, f"{name}: give the role the view lets in an outcome in {LET_IN}"


class InlineCodeFinder(HTMLParser):
    """Inline scripts, styles and event handlers: the Content-Security-Policy blocks all of them."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")
        for key, value in attrs.items():
            if key.startswith("on"):
                self.found.append(f"<{tag} {key}=...> handler")
            if key == "style":
                self.found.append(f"<{tag} style=...> attribute")
            if key in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {key}=javascript:...>")


@pytest.mark.parametrize("name", [n for n in ENTRIES if MATRIX[n].html])
def test_pages_need_no_inline_script_or_style(name, world):
    """Pages work under the CSP (script-src/style-src 'self'): nothing inline for the browser to block."""
    route = MATRIX[name]
    url = url_for(route, name, world)
    problems = []
    for role in ROLES:
        if route.get[role] != OK:
            continue
        response, _ = request_as(world, role, "GET", url)
        if "html" not in response.get("Content-Type", ""):
            continue
        finder = InlineCodeFinder()
        finder.feed(response.content.decode())
        problems += [f"{role}: {p}" for p in sorted(set(finder.found))]
    assert not problems, f"{url}: " + "; ".join(problems)
