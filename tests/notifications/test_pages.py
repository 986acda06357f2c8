"""The bell, the list, mark-as-read and the e-mail setting, as each user sees them."""

import pytest
from django.urls import reverse

from notifications.models import Notification, NotificationPreference, Verb

pytestmark = pytest.mark.django_db


def _note(user, key="k", link="/results/", read=False):
    from django.utils import timezone

    return Notification.objects.create(
        recipient=user,
        key=key,
        verb=Verb.RESULTS_PUBLISHED,
        text=f"Kết quả {key}",
        link=link,
        read_at=timezone.now() if read else None,
    )


def test_bell_shows_the_unread_count_of_the_signed_in_user_only(client_for, leader, appraiser):
    _note(leader, "a")
    _note(leader, "b")
    _note(leader, "c", read=True)
    _note(appraiser, "d")
    html = client_for(leader).get(reverse("home")).content.decode()
    assert 'id="notification-count">2<' in html
    assert "Thông báo: 2 chưa đọc" in html


def test_no_count_when_everything_is_read(client_for, leader):
    _note(leader, "a", read=True)
    html = client_for(leader).get(reverse("home")).content.decode()
    assert 'id="notification-bell"' in html and "notification-count" not in html


def test_list_shows_own_notifications_only(client_for, leader, appraiser):
    _note(leader, "mine")
    _note(appraiser, "theirs")
    html = client_for(leader).get(reverse("notifications:list")).content.decode()
    assert "Kết quả mine" in html and "Kết quả theirs" not in html


def test_opening_a_notification_marks_it_read_and_goes_to_its_link(client_for, leader):
    note = _note(leader, link="/dashboard/")
    response = client_for(leader).post(reverse("notifications:read", kwargs={"pk": note.pk}), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_stored_link_to_another_site_is_not_followed(client_for, leader):
    note = _note(leader, link="https://evil.example/")
    response = client_for(leader).post(reverse("notifications:read", kwargs={"pk": note.pk}), {"open": "1"})
    assert response["Location"] == reverse("notifications:list")


def test_another_users_notification_cannot_be_marked(client_for, leader, appraiser):
    note = _note(appraiser)
    response = client_for(leader).post(reverse("notifications:read", kwargs={"pk": note.pk}))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read_touches_only_the_users_notifications(client_for, leader, appraiser):
    _note(leader, "a")
    _note(leader, "b")
    other = _note(appraiser, "c")
    client_for(leader).post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=leader, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_user_turns_email_off_and_on(client_for, leader):
    client = client_for(leader)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Gửi thông báo cho tôi qua thư điện tử" in page and "checked" in page
    client.post(reverse("notifications:preferences"), {})
    assert NotificationPreference.objects.get(user=leader).email_enabled is False
    client.post(reverse("notifications:preferences"), {"email_enabled": "on"})
    assert NotificationPreference.objects.get(user=leader).email_enabled is True
