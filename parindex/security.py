"""Request-level protections that are not tied to one app: client address, size cap, extra headers."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
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
