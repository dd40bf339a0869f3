"""Notification delivery against broken infrastructure (DESIGN §3): a server that accepts and
never answers, retries lost with their worker or broker, a delivery out of attempts, and two
workers on one row. No notification is lost, none is sent twice at once, and no transaction
is held across network I/O."""

import datetime
import threading
import time

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone

from portal import notifications, tasks
from portal.channels import SMSWebhookChannel, WeComWebhookChannel
from portal.models import Delivery, Notification
from portal.roles import Role
from tests.factories import user_with
from tests.portal.hung_server import HungServer
from tests.threads import at_once, join_all

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def hung_server():
    server = HungServer()
    yield server
    server.stop()


@pytest.fixture
def smtp_at(settings):
    """smtp_at(port, timeout): email goes to a real SMTP client aimed at 127.0.0.1:port."""

    def point(port: int, timeout: float) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_TIMEOUT = timeout
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    return point


class WorkerKilled(BaseException):
    """The worker process dies in the middle of a send (no `except Exception` sees it)."""


def gateway(failures: int = 0, *, error: type[BaseException] = ConnectionError,
            pause: float = 0.0):
    """A stand-in for an external SMS gateway: fails its first `failures` calls with `error`,
    takes `pause` seconds per call, and records the notifications it was asked to send."""

    class Gateway:
        calls: list = []  # noqa: RUF012 - a fresh list per class, that is per test
        lock = threading.Lock()

        def send(self, notification):
            with self.lock:
                self.calls.append(notification.pk)
                count = len(self.calls)
            time.sleep(pause)
            if count <= failures:
                raise error("gateway down")

    return Gateway


@pytest.fixture
def sms_gateway(settings, monkeypatch):
    """sms_gateway(...) installs a fresh `gateway(...)` as the SMS channel and returns it."""

    def install(*args, **kwargs):
        made = gateway(*args, **kwargs)
        monkeypatch.setattr(f"{__name__}.SMS_GATEWAY", made, raising=False)
        settings.NOTIFICATION_CHANNELS = {
            **settings.NOTIFICATION_CHANNELS, "sms": f"{__name__}.SMS_GATEWAY",
        }
        return made

    return install


@pytest.fixture
def worker_like_eager():
    """Eager tasks that retry as a worker would, instead of raising Retry to the caller."""
    from portal.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def outbox(user, channel: str, title: str = "复工提醒") -> Delivery:
    """A notification and its delivery on `channel`, written as `notify` writes them but not
    queued: the test plays the worker."""
    with transaction.atomic():
        [notification] = notifications.notify(recipients=[user], kind="test", title=title,
                                              channels_=())
        return Delivery.objects.create(notification=notification, channel=channel)


def as_if_passed(delivery: Delivery, **delta) -> None:
    """Move the delivery's due time back, as if `delta` had passed."""
    delivery.refresh_from_db()
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=delivery.next_attempt_at - datetime.timedelta(**delta)
    )


def other_sessions() -> list[str]:
    """The state of every other session on this database (pg_stat_activity)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [state for (state,) in cursor.fetchall()]


def wait_for(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while not (value := predicate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


# --- timeouts, and no transaction across network I/O ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_hung_mail_server_holds_no_transaction_and_the_delivery_is_retried(
    hung_server, smtp_at, settings, on_postgres
):
    """Regression: with an SMTP server that accepts and never answers, a worker sat in
    `delivery_send` for over a minute holding a transaction open ("idle in transaction")."""
    smtp_at(hung_server.port, timeout=2)
    stuck = outbox(user_with(Role.ENTERPRISE), "email", "卡住的邮件")
    other = outbox(user_with(Role.ENTERPRISE, phone=PHONE), "sms", "口罩已到")
    outcome = {}

    def worker():
        try:
            outcome["status"] = notifications.deliver(stuck.pk)
        except notifications.RetryLater as later:
            outcome["retry"] = later
        finally:
            connection.close()

    started = time.monotonic()
    thread = threading.Thread(target=worker, name="hung-worker", daemon=True)
    thread.start()
    assert wait_for(lambda: hung_server.accepted, 5), "the worker never reached the server"

    # While the worker waits on the server, its session holds no transaction,
    assert "idle in transaction" not in other_sessions()
    assert "idle" in other_sessions()
    # the row is claimed, not locked: another worker is told so at once,
    asked = time.monotonic()
    assert notifications.deliver(stuck.pk) == Delivery.Status.SENDING
    assert time.monotonic() - asked < 1
    # and other deliveries and writes flow.
    assert notifications.deliver(other.pk) == Delivery.Status.SENT
    with transaction.atomic():
        notifications.notify(recipients=[other.notification.recipient], kind="t", title="又一条",
                             channels_=())

    join_all([thread], timeout=15, what="hung worker")
    assert time.monotonic() - started < 2 + 3  # the timeout, not a minute
    assert isinstance(outcome.get("retry"), notifications.RetryLater), outcome
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (Delivery.Status.PENDING, 1)
    assert "timed out" in stuck.last_error
    assert stuck.next_attempt_at > timezone.now()

    # The retry, once mail flows again, sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert tasks.delivery_send.apply((stuck.pk,)).get() == Delivery.Status.SENT
    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (Delivery.Status.SENT, 2)
    assert [m.subject for m in mail.outbox] == ["卡住的邮件"]


@pytest.mark.parametrize(("channel", "url_setting"), [
    (SMSWebhookChannel, "SMS_WEBHOOK_URL"), (WeComWebhookChannel, "WECOM_WEBHOOK_URL"),
])
def test_webhook_channels_give_up_on_a_hung_server(hung_server, settings, channel,
                                                   url_setting):
    settings.NOTIFICATION_WEBHOOK_TIMEOUT = 0.5
    setattr(settings, url_setting, f"http://127.0.0.1:{hung_server.port}/hook")
    notification = Notification(recipient=user_with(Role.ENTERPRISE, phone=PHONE), kind="t",
                                title="口罩已到", body="请到仓库领取")
    started = time.monotonic()
    with pytest.raises(OSError, match="timed out"):
        channel().send(notification)
    assert time.monotonic() - started < 3
    assert hung_server.accepted


def test_every_network_channel_has_a_timeout_by_default(settings):
    assert settings.EMAIL_TIMEOUT > 0 and settings.NOTIFICATION_WEBHOOK_TIMEOUT > 0
    smtp = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert smtp.timeout == settings.EMAIL_TIMEOUT


@pytest.mark.django_db(transaction=True)
def test_delivery_refuses_to_send_inside_a_transaction():
    delivery = outbox(user_with(Role.ENTERPRISE), "email")
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        notifications.deliver(delivery.pk)
    assert mail.outbox == []


# --- no notification lost -----------------------------------------------------------------------


def test_a_delivery_whose_retry_was_lost_is_swept_and_sent(sms_gateway):
    """Regression: a delivery attempted once whose retry task was then lost (worker gone,
    broker flushed) was skipped by the sweep and never retried."""
    sms = sms_gateway(failures=1)
    delivery = outbox(user_with(Role.ENTERPRISE, phone=PHONE), "sms")
    with pytest.raises(Retry):  # eager: the retry comes back to us and never runs; lost
        tasks.delivery_send.apply((delivery.pk,)).get()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    assert delivery.next_attempt_at > timezone.now()
    assert tasks.delivery_sweep() == 0  # not due yet: the retry may still come

    as_if_passed(delivery, minutes=3)
    assert tasks.delivery_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
    assert sms.calls == [delivery.notification_id] * 2


def test_the_sweep_queues_a_late_delivery_once_per_grace(settings):
    delivery = outbox(user_with(Role.ENTERPRISE), "email")
    as_if_passed(delivery, minutes=5)
    assert notifications.due_for_sweep() == [delivery.pk]
    assert notifications.due_for_sweep() == []  # a slow queue is not flooded with copies
    as_if_passed(delivery, seconds=settings.DELIVERY_SWEEP_GRACE_SECONDS + 1)
    assert notifications.due_for_sweep() == [delivery.pk]


def test_a_delivery_whose_worker_died_mid_send_is_sent_once_its_claim_lapses(
    sms_gateway, settings
):
    sms = sms_gateway(failures=1, error=WorkerKilled)
    delivery = outbox(user_with(Role.ENTERPRISE, phone=PHONE), "sms")
    with pytest.raises(WorkerKilled):
        notifications.deliver(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENDING, 1)
    # Claimed: no other worker sends it, and the sweep leaves it while the claim holds.
    assert notifications.deliver(delivery.pk) == Delivery.Status.SENDING
    assert tasks.delivery_sweep() == 0

    as_if_passed(delivery, seconds=settings.DELIVERY_CLAIM_SECONDS + 60)
    assert tasks.delivery_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 2)
    assert len(sms.calls) == 2


def test_a_delivery_out_of_attempts_fails_visibly_and_stays_failed(
    sms_gateway, worker_like_eager, settings, client
):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    sms = sms_gateway(failures=99)
    admin = user_with(Role.ADMIN, is_staff=True, is_superuser=True)
    user_with(Role.ADMIN, is_active=False)
    delivery = outbox(user_with(Role.ENTERPRISE, phone=PHONE), "sms", "口罩已到")

    assert tasks.delivery_send.apply((delivery.pk,)).get() == Delivery.Status.FAILED
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        Delivery.Status.FAILED, 3, None)
    assert "gateway down" in delivery.last_error
    assert len(sms.calls) == 3
    # Not retried again: not by the sweep, not by a stray task.
    assert tasks.delivery_sweep() == 0
    assert tasks.delivery_send.apply((delivery.pk,)).get() == Delivery.Status.FAILED
    assert len(sms.calls) == 3

    # Administrators are told in the portal (the failing channel may be the email one).
    [alert] = Notification.objects.filter(kind=notifications.DELIVERY_FAILED)
    assert alert.recipient == admin and "口罩已到" in alert.body and "3" in alert.body
    assert not alert.deliveries.exists()
    assert alert.url == "/admin/portal/delivery/?status__exact=failed"
    # Another failure while that alert is unread adds none.
    second = outbox(user_with(Role.ENTERPRISE, phone=PHONE), "sms", "第二条")
    assert tasks.delivery_send.apply((second.pk,)).get() == Delivery.Status.FAILED
    assert Notification.objects.filter(kind=notifications.DELIVERY_FAILED).count() == 1

    client.force_login(admin)
    page = client.get(alert.url)
    assert page.status_code == 200
    assert page.content.decode().count("口罩已到") == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_delivery_send_it_once(sms_gateway, on_postgres):
    sms = sms_gateway(pause=0.5)
    delivery = outbox(user_with(Role.ENTERPRISE, phone=PHONE), "sms")
    answers = at_once(6, lambda _index: notifications.deliver(delivery.pk))
    assert answers.count(Delivery.Status.SENT) >= 1
    assert set(answers) <= {Delivery.Status.SENT, Delivery.Status.SENDING}
    assert len(sms.calls) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_does_not_wait_for_the_first_ones_send(sms_gateway, on_postgres):
    sms = sms_gateway(pause=2)
    delivery = outbox(user_with(Role.ENTERPRISE, phone=PHONE), "sms")
    first = threading.Thread(target=lambda: (notifications.deliver(delivery.pk),
                                             connection.close()), daemon=True)
    first.start()
    assert wait_for(lambda: sms.calls, 5)
    asked = time.monotonic()
    assert notifications.deliver(delivery.pk) == Delivery.Status.SENDING
    assert time.monotonic() - asked < 1
    join_all([first], timeout=10, what="first worker")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and len(sms.calls) == 1
