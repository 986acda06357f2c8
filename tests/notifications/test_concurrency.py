"""The scheduler firing twice at the same moment on PostgreSQL: one notification, one e-mail."""

import pytest

from notifications import services
from notifications.models import EmailStatus, Notification, Verb
from tests.security.faults import run_concurrently


@pytest.mark.services
def test_the_same_event_told_twice_at_once_makes_one_notification_and_one_email(
    require_postgres, transactional_db, leader, appraiser, smtp_inbox
):
    for user in (leader, appraiser):
        user.email = f"{user.username}@angiang.gov.vn"
        user.save(update_fields=["email"])

    def tell():
        return services.notify(
            recipients=[leader, appraiser],
            key="run-published:race",
            verb=Verb.RESULTS_PUBLISHED,
            text="Kết quả đã được công bố",
            link="/dashboard/2021/",
        )

    outcomes = run_concurrently(tell, tell, tell)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Notification.objects.filter(key="run-published:race").count() == 2
    # Every caller may have queued the e-mails; the row lock lets each one out once.
    assert sorted(m["To"] for m in smtp_inbox.wait_for(2)) == ["appraiser@angiang.gov.vn", "leader@angiang.gov.vn"]
    smtp_inbox.wait_for(3, timeout=1)
    assert len(smtp_inbox.messages) == 2
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}


@pytest.mark.services
def test_the_email_task_delivered_twice_at_once_sends_once(require_postgres, transactional_db, leader, smtp_inbox):
    leader.email = "leader@angiang.gov.vn"
    leader.save(update_fields=["email"])
    note = Notification.objects.create(recipient=leader, key="k", verb=Verb.RESULTS_PUBLISHED, text="t", link="/")
    outcomes = run_concurrently(*[lambda: services.notification_email_send(notification_id=note.pk)] * 3)
    assert sorted(outcomes) == [EmailStatus.SENT] * 3
    smtp_inbox.wait_for(2, timeout=1)
    assert len(smtp_inbox.messages) == 1
