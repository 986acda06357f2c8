"""Personas with e-mail addresses and a real SMTP server (tests/notifications/smtp.py) for each test."""

import pytest

from tests.notifications.smtp import smtp_server


@pytest.fixture
def smtp_inbox(settings):
    with smtp_server(settings) as inbox:
        yield inbox


@pytest.fixture
def with_emails(officer_a, officer_b, appraiser, leader, admin_user):
    for user in (officer_a, officer_b, appraiser, leader, admin_user):
        user.email = f"{user.username}@angiang.gov.vn"
        user.save(update_fields=["email"])
    return {
        "officer_a": officer_a,
        "officer_b": officer_b,
        "appraiser": appraiser,
        "leader": leader,
        "admin": admin_user,
    }
