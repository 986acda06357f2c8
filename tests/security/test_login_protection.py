"""Password guessing is stopped per user name and address, with a cool-off; sessions expire."""

from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

ATTACKER = "10.0.0.66"
COLLEAGUE = "10.0.0.7"


def login(username: str, password: str, address: str) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response


def fail_until_locked(username: str, address: str) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _, response = login(username, "wrong-password", address)
    assert response.status_code == 429


def test_repeated_failures_lock_the_user_at_that_address_even_with_the_right_password(officer_a, password):
    fail_until_locked("officer_a", ATTACKER)
    client, response = login("officer_a", password, ATTACKER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_do_not_lock(officer_a, password):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login("officer_a", "wrong-password", ATTACKER)
    _, response = login("officer_a", password, ATTACKER)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_lockout_is_per_user_and_address(officer_a, officer_b, password):
    fail_until_locked("officer_a", ATTACKER)
    # The same person from another address, and another person from the attacker's address, still get in.
    _, same_user_elsewhere = login("officer_a", password, COLLEAGUE)
    _, other_user_same_address = login("officer_b", password, ATTACKER)
    assert same_user_elsewhere.status_code == 302
    assert other_user_same_address.status_code == 302


def test_lock_lifts_after_the_cool_off(officer_a, password):
    fail_until_locked("officer_a", ATTACKER)
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    # The clock moves on: the failures are now older than the cool-off period.
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - timedelta(minutes=1))
    _, response = login("officer_a", password, ATTACKER)
    assert response.status_code == 302


def test_attempts_during_a_lockout_do_not_extend_it(officer_a, password):
    fail_until_locked("officer_a", ATTACKER)
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    # The lockout has one minute left; the attacker keeps trying (with the right password too).
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off + timedelta(minutes=1))
    for attempt in ("wrong-password", password):
        _, response = login("officer_a", attempt, ATTACKER)
        assert response.status_code == 429
    # Two minutes later the lockout has ended as first set: the attempts made during it did not restart it.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    _, response = login("officer_a", password, ATTACKER)
    assert response.status_code == 302


def test_readme_says_how_to_set_the_trusted_proxy_count():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    deployment = readme.split("### Deployment on several machines", 1)[1].split("\n### ", 1)[0]
    assert "DJANGO_TRUSTED_PROXY_COUNT=1" in deployment


def test_lockout_page_is_in_vietnamese(officer_a):
    fail_until_locked("officer_a", ATTACKER)
    _, response = login("officer_a", "wrong-password", ATTACKER)
    html = response.content.decode()
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in html
    assert "Too many failed logins" not in html


def test_client_address_behind_trusted_proxies_is_taken_from_forwarded_for(officer_a, password, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.1.1.1"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"spoofed, {ATTACKER}").post(
            reverse("login"), {"username": "officer_a", "password": "wrong"}
        )
    # Another client behind the same proxy is not locked out by the attacker's failures...
    ok = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=COLLEAGUE).post(
        reverse("login"), {"username": "officer_a", "password": password}
    )
    assert ok.status_code == 302
    # ...while the attacker is, whatever it writes at the left of the header.
    locked = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}").post(
        reverse("login"), {"username": "officer_a", "password": password}
    )
    assert locked.status_code == 429


def test_session_expires_after_the_configured_age(officer_a, password):
    client, response = login("officer_a", password, COLLEAGUE)
    assert response.status_code == 302
    session = Session.objects.get(session_key=client.session.session_key)
    expected = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs(session.expire_date - expected) < timedelta(minutes=1)
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600  # a working day, not weeks
    assert client.get(reverse("home")).status_code == 200
    # The working day is over: the server no longer honours the cookie.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken"])
def test_cookies_are_not_kept_after_the_browser_closes_nor_sent_cross_site(officer_a, password, cookie):
    client, _ = login("officer_a", password, COLLEAGUE)
    client.get(reverse("password_change"))  # a form page sets the CSRF cookie
    morsel = client.cookies[cookie]
    assert morsel["samesite"] == "Lax"
    if cookie == "sessionid":
        assert morsel["httponly"]
        assert not morsel["max-age"] and not morsel["expires"]  # SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_admin_login_refuses_a_non_staff_officer(officer_a, client, password):
    response = client.post(reverse("admin:login"), {"username": "officer_a", "password": password})
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session


def change_password(client, old: str, new: str = "Mật-khẩu-mới-2026!"):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new})


def test_guessing_the_current_password_on_the_change_form_is_limited(officer_a, password, client_for):
    client = client_for(officer_a)
    for _ in range(settings.PASSWORD_CHANGE_FAILURE_LIMIT):
        response = change_password(client, "a-guess")
        assert response.status_code == 200 and "old_password" in response.context["form"].errors
    # The limit is reached: even the right current password is refused now, and nothing changes.
    response = change_password(client, password)
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["old_password"]] == ["password_change_locked"]
    officer_a.refresh_from_db()
    assert officer_a.check_password(password)


def test_password_change_works_again_after_the_cool_off(officer_a, password, client_for):
    from parindex.models import PasswordChangeFailure

    client = client_for(officer_a)
    for _ in range(settings.PASSWORD_CHANGE_FAILURE_LIMIT):
        change_password(client, "a-guess")
    PasswordChangeFailure.objects.update(
        at=timezone.now() - timedelta(minutes=settings.PASSWORD_CHANGE_COOLOFF_MINUTES, seconds=1)
    )
    response = change_password(client, password)
    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert officer_a.check_password("Mật-khẩu-mới-2026!")
    assert not PasswordChangeFailure.objects.filter(user=officer_a).exists()


def test_another_users_failures_do_not_limit_this_user(officer_a, officer_b, password, client):
    client.force_login(officer_b)
    for _ in range(settings.PASSWORD_CHANGE_FAILURE_LIMIT):
        change_password(client, "a-guess")
    client.force_login(officer_a)
    assert change_password(client, password).status_code == 302
