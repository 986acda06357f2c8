"""Security headers, the Content-Security-Policy, the production settings and the request-size guard."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_pages_carry_a_strict_content_security_policy(client, db):
    csp = csp_directives(client.get(reverse("login")))
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert not any("unsafe" in source for sources in csp.values() for source in sources)


def test_pages_carry_the_other_security_headers(client, db):
    response = client.get(reverse("login"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_htmx_is_told_not_to_inject_its_inline_style(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false' in html


def test_health_check_answers_without_database_or_session(client):
    # No db fixture: pytest-django makes any database access in this test an error.
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "sessionid" not in response.cookies


# Production settings (check --deploy without warnings, refusal without a key) are tested in
# tests/test_settings_production.py.


def test_request_larger_than_any_upload_is_refused_before_the_view_with_a_vietnamese_page(client_for, officer_a):
    client = client_for(officer_a)
    too_big = settings.REQUEST_MAX_BYTES + 1
    # The guard reads only the declared length: nothing of the body is read, spooled or parsed.
    response = client.generic(
        "POST",
        reverse("password_change"),
        data=b"x" * 16,
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(too_big),
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "Tệp quá lớn" in html
    assert f"{settings.REQUEST_MAX_BYTES / (1024 * 1024):.0f} MB" in html
    assert response["Content-Security-Policy"]


def test_request_within_the_limit_reaches_the_view(client_for, officer_a, settings):
    settings.REQUEST_MAX_BYTES = 64 * 1024
    client = client_for(officer_a)
    body = {"old_password": "x" * (32 * 1024)}
    assert client.post(reverse("password_change"), body).status_code == 200
    settings.REQUEST_MAX_BYTES = 16 * 1024
    assert client.post(reverse("password_change"), body).status_code == 413


def test_request_cap_covers_the_largest_upload_the_application_allows():
    assert max(settings.EVIDENCE_MAX_BYTES, settings.SURVEY_UPLOAD_MAX_BYTES) < settings.REQUEST_MAX_BYTES
