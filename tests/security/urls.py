"""Enumerate the project's URL patterns and judge responses against the matrix's outcomes."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.static import serve

from tests.security.authorization_matrix import (
    ACCEPTED,
    FORBIDDEN,
    HIDDEN,
    LOGIN,
    NO_WRITE,
    NOT_ALLOWED,
    OK,
    REDIRECT,
    WRITES,
)

# Django's admin has its own test (test_admin_access.py): it has its own login and staff rule.
EXCLUDED_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class FoundPattern:
    name: str | None  # full name with namespaces, None when the pattern has no name
    route: str


def project_patterns() -> list[FoundPattern]:
    """Every URL pattern reachable from ROOT_URLCONF, outside the admin and static/media serving."""
    found: list[FoundPattern] = []

    def walk(patterns, namespace: str, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in EXCLUDED_NAMESPACES:
                    continue
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
                walk(p.url_patterns, ns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                if p.callback is serve:  # MEDIA_URL in DEBUG (django.conf.urls.static)
                    continue
                name = f"{namespace}:{p.name}" if namespace and p.name else p.name
                found.append(FoundPattern(name=name, route=prefix + str(p.pattern)))

    walk(get_resolver().url_patterns, "", "")
    return found


def is_login_redirect(response) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    return urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)


def matches(expected: str, response, changed: bool | None = None) -> bool:
    code = response.status_code
    if expected in (WRITES, NO_WRITE):
        assert changed is not None, "WRITES/NO_WRITE need the route's state()"
        handled = code < 500 and not is_login_redirect(response)
        return handled and changed == (expected == WRITES)
    if expected == OK:
        return 200 <= code < 300
    if expected == REDIRECT:
        return 300 <= code < 400 and not is_login_redirect(response)
    if expected == LOGIN:
        return is_login_redirect(response)
    if expected == FORBIDDEN:
        return code == 403
    if expected == HIDDEN:
        return code == 404
    if expected == NOT_ALLOWED:
        return code == 405
    if expected == ACCEPTED:
        return 200 <= code < 300 or (300 <= code < 400 and not is_login_redirect(response)) or code in (400, 409, 422)
    raise ValueError(f"unknown outcome {expected!r}")


def describe(response) -> str:
    where = f" → {response['Location']}" if response.has_header("Location") else ""
    return f"{response.status_code}{where}"
