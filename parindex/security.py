"""Request-level protections not tied to one app: client address, size cap, NUL bytes, headers, DB timeout."""

from collections.abc import Callable
from urllib.parse import unquote_plus

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string


def client_ip_address(request: HttpRequest) -> str:
    """The address login lockouts are counted against.

    With DJANGO_TRUSTED_PROXY_COUNT=0 (no proxy) it is REMOTE_ADDR. Behind N trusted proxies each one
    appends the address it received from to X-Forwarded-For, so the client is the N-th entry from the
    right; anything further left was written by the client and cannot be trusted.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than settings.REQUEST_MAX_BYTES with a 413 page.

    Runs before anything reads the body, so an oversized upload is never spooled to disk or parsed.
    The reverse proxy should carry the same limit (nginx ``client_max_body_size``) so the body is not
    even transferred; this is the application's own guard.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_MAX_BYTES
        if length > limit:
            html = render_to_string(
                "parindex/request_too_large.html", {"limit_mb": limit / (1024 * 1024)}, request=None
            )
            response = HttpResponse(html, status=413)
            # The client may still be sending: tell it not to reuse this connection.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: Permissions-Policy and Cross-Origin-Resource-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    query = request.META.get("QUERY_STRING", "")
    return "\x00" in unquote_plus(query)


class RejectNulBytesMiddleware:
    """A NUL byte in the path or the query string gets a 400 page.

    No legitimate address of ParIndex holds one, and PostgreSQL refuses NUL in text parameters with an
    error that would otherwise surface as a 500 (public API, survey results pages).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return HttpResponseBadRequest(render_to_string("400.html", request=None))
        return self.get_response(request)


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in user (pages and exports).

    Such responses hold data of one user's role: neither a shared proxy nor the browser's disk cache may
    keep them (a shared computer's next user could read them back). A view may set a stricter header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "private, no-store"
        return response


class StatementTimeoutMiddleware:
    """Web requests run their PostgreSQL statements under ``settings.DB_STATEMENT_TIMEOUT_MS``.

    A query whose client has gone (the proxy timed out) otherwise keeps running and holding locks. The
    timeout is set on the connection just before the request's first statement (a request that reads no
    data opens no connection) and reset afterwards, so Celery workers and management commands, which
    share the connection settings, are not limited.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = settings.DB_STATEMENT_TIMEOUT_MS
        if not timeout or connection.vendor != "postgresql":
            return self.get_response(request)
        state = {"set": False}

        def set_timeout(execute, sql, params, many, context):
            if not state["set"]:
                context["cursor"].cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(timeout)])
                state["set"] = True
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(set_timeout):
                return self.get_response(request)
        finally:
            if state["set"] and connection.connection is not None and not connection.needs_rollback:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("RESET statement_timeout")
                except DatabaseError:  # a broken connection is closed at the end of the request anyway
                    pass
