"""Notifications: an outbox written with the change, delivered after commit, at most once."""

import datetime

import pytest
from django.core import mail
from django.db import transaction

from portal import notifications, tasks
from portal.models import Delivery, Notification
from portal.roles import Role
from tests.factories import user_with

pytestmark = pytest.mark.django_db


def flaky_gateway(failures: int):
    """A stand-in for an external SMS gateway that fails its first `failures` calls. Each
    test makes its own, so no count carries over from one test (or run) to the next."""

    calls = []

    class FlakyGateway:
        def send(self, notification):
            calls.append(notification.pk)
            if len(calls) <= failures:
                raise ConnectionError("gateway timeout")

    FlakyGateway.calls = calls
    return FlakyGateway


@pytest.fixture
def flaky_sms(settings, monkeypatch):
    """The SMS channel is a fresh gateway failing twice; the test reads its calls."""
    gateway = flaky_gateway(failures=2)
    # The channel is named by a dotted path (portal.channels): this module's attribute.
    monkeypatch.setattr(f"{__name__}.SMS_GATEWAY", gateway, raising=False)
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS, "sms": f"{__name__}.SMS_GATEWAY",
    }
    return gateway


@pytest.fixture
def worker_like_eager():
    """Eager tasks that retry as a worker would, instead of raising Retry to the caller."""
    from portal.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def test_email_is_sent_only_after_commit(django_capture_on_commit_callbacks):
    user = user_with(Role.ENTERPRISE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            notifications.notify(recipients=[user], kind="test", title="备案成功", body="可以复工")
            assert mail.outbox == []
    assert len(callbacks) == 1
    assert [m.subject for m in mail.outbox] == ["备案成功"]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    user = user_with(Role.ENTERPRISE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notifications.notify(recipients=[user], kind="test", title="x")
            raise RuntimeError("the service failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_notify_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        notifications.notify(recipients=[], kind="x", title="x")


def test_delivery_is_at_most_once():
    user = user_with(Role.ENTERPRISE)
    with transaction.atomic():
        notifications.notify(recipients=[user], kind="t", title="once")
    delivery = Delivery.objects.get()
    assert notifications.deliver(delivery.pk) == "sent"
    assert notifications.deliver(delivery.pk) == "sent"
    assert len(mail.outbox) == 1


def test_user_without_email_is_skipped_not_retried():
    user = user_with(Role.ENTERPRISE, email="")
    with transaction.atomic():
        notifications.notify(recipients=[user], kind="t", title="x")
    delivery = Delivery.objects.get()
    assert notifications.deliver(delivery.pk) == "skipped"
    delivery.refresh_from_db()
    assert delivery.last_error == "no email address"


def test_failing_gateway_is_retried_and_its_error_recorded(flaky_sms, worker_like_eager):
    user = user_with(Role.ENTERPRISE, phone="13812345678")
    with transaction.atomic():
        notifications.notify(recipients=[user], kind="t", title="口罩已到", channels_=["sms"])
    delivery = Delivery.objects.get()
    assert tasks.delivery_send.apply((delivery.pk,)).get() == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert "gateway timeout" in delivery.last_error
    assert flaky_sms.calls == [delivery.notification_id] * 3


def test_sweep_queues_deliveries_whose_queueing_failed():
    user = user_with(Role.ENTERPRISE)
    with transaction.atomic():  # no on_commit runs inside the test transaction: never queued
        notifications.notify(recipients=[user], kind="t", title="补发")
    delivery = Delivery.objects.get()
    assert tasks.delivery_sweep() == 0  # too recent: may still be on its way
    Delivery.objects.filter(pk=delivery.pk).update(  # as if five minutes had passed
        created_at=delivery.created_at - datetime.timedelta(minutes=5),
        next_attempt_at=delivery.next_attempt_at - datetime.timedelta(minutes=5),
    )
    assert tasks.delivery_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert [m.subject for m in mail.outbox] == ["补发"]


def test_inbox_api_lists_own_counts_unread_and_marks_read(client_for):
    me, other = user_with(Role.ENTERPRISE), user_with(Role.ENTERPRISE)
    with transaction.atomic():
        notifications.notify(recipients=[me, other], kind="t", title="一")
        notifications.notify(recipients=[me], kind="t", title="二")
    client = client_for(me)
    listed = client.get("/api/v1/notifications/").json()["results"]
    assert [row["title"] for row in listed] == ["二", "一"]
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    first = listed[1]["id"]
    assert client.post(f"/api/v1/notifications/{first}/read/").json()["read_at"] is not None
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    theirs = Notification.objects.get(recipient=other).pk
    assert client.get(f"/api/v1/notifications/{theirs}/").status_code == 404
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}


def test_inbox_page_shows_unread_badge(client):
    user = user_with(Role.ENTERPRISE)
    with transaction.atomic():
        notifications.notify(recipients=[user], kind="t", title="请按时复工")
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "请按时复工" in page and 'class="badge">1<' in page
    client.post("/notifications/")
    assert 'class="badge"' not in client.get("/notifications/").content.decode()


def test_each_recipient_gets_a_notification_and_a_delivery_per_channel(
    django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """On PostgreSQL the rows are written with one statement: the same rows, ids and queue."""
    me, other = user_with(Role.ENTERPRISE), user_with(Role.ENTERPRISE)
    with django_capture_on_commit_callbacks() as queued, transaction.atomic():
        with django_assert_max_num_queries(2):
            written = notifications.notify(
                recipients=[me, other, me, None], kind="t", title="口罩", body="已到",
                url="/x/", enterprise_id=7, channels_=["email", "sms", "email"],
            )
    assert [n.recipient for n in written] == [me, other]
    for notification in written:
        stored = Notification.objects.get(pk=notification.pk)
        assert (stored.recipient, stored.kind, stored.title, stored.body, stored.url,
                stored.enterprise_id, stored.read_at) == (
                    notification.recipient, "t", "口罩", "已到", "/x/", 7, None)
        assert stored.created_at is not None
        deliveries = stored.deliveries.order_by("channel")
        assert [(d.channel, d.status, d.attempts, d.last_error, d.sent_at) for d in deliveries] \
            == [("email", "pending", 0, "", None), ("sms", "pending", 0, "", None)]
        assert all(d.created_at is not None for d in deliveries)
    assert len(queued) == 1
    assert Delivery.objects.count() == 4


def test_no_recipient_writes_nothing(django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(0):
        assert notifications.notify(recipients=[None], kind="t", title="x") == []
