"""Notification delivery with a real Celery worker when the infrastructure breaks: a retry
lost with its worker and broker is still delivered, and a mail server that hangs holds no
transaction, stops no other task, and is retried until the delivery is failed."""

import datetime
import os
import signal

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal import notifications
from portal.models import Delivery
from portal.roles import Role
from tests.factories import user_with
from tests.portal.hung_server import HungServer

from .conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SETTLE_TIMEOUT = 30
RECOVERY_TIMEOUT = 60


def write(user, title: str, channel: str) -> Delivery:
    """A notification through `notify`, queued to the broker once its transaction commits."""
    with transaction.atomic():
        [notification] = notifications.notify(recipients=[user], kind="test", title=title,
                                              channels_=[channel])
    return notification.deliveries.get()


def current(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery


def worker_sessions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [state for (state,) in cursor.fetchall()]


def test_a_retry_lost_with_its_worker_and_broker_is_swept_and_delivered(
    private_redis, worker, producer, tmp_path, monkeypatch
):
    """Regression: a delivery attempted once whose retry was then lost (worker gone, broker
    flushed) was skipped by the sweep and never retried."""
    gateway = tmp_path / "gateway"
    gateway.mkdir()
    (gateway / "down").touch()
    monkeypatch.setenv("SMS_CHANNEL", "tests.integration.gateways.FlagGateway")
    monkeypatch.setenv("PORTAL_IT_GATEWAY_DIR", str(gateway))
    monkeypatch.setenv("DELIVERY_SWEEP_GRACE_SECONDS", "1")
    worker.start(broker_url=private_redis.url)
    producer(broker_url=private_redis.url, queue=worker.queue)

    delivery = write(user_with(Role.ENTERPRISE, phone="13812345678"), "口罩已到", "sms")
    failed_once = wait_until(
        lambda: current(delivery).attempts == 1 and delivery.status == Delivery.Status.PENDING
        and "Retry in" in worker.log(),
        timeout=SETTLE_TIMEOUT,
    )
    assert failed_once, worker.log()[-3000:]
    assert "gateway down" in delivery.last_error

    # The worker dies holding the retry, and the broker loses everything it had.
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    redis.Redis.from_url(private_redis.url).flushall()
    (gateway / "down").unlink()
    Delivery.objects.filter(pk=delivery.pk).update(  # as if the retry's minute had passed
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=2)
    )

    # A new worker with beat: the sweep finds the overdue delivery and sends it.
    worker.start(broker_url=private_redis.url, beat=True, sweep_seconds=1)
    sent = wait_until(lambda: current(delivery).status == Delivery.Status.SENT,
                      timeout=RECOVERY_TIMEOUT)
    assert sent, worker.log()[-3000:]
    assert delivery.attempts == 2
    assert (gateway / "sent.log").read_text().splitlines() == [
        f"{delivery.notification_id}\t口罩已到"
    ]


def test_a_hung_mail_server_stops_no_other_task_and_is_retried_until_failed(
    worker, producer, monkeypatch
):
    """Regression: with an SMTP server that accepts and never answers, a worker sat in
    `delivery_send` for over a minute holding a transaction open."""
    hung = HungServer()
    try:
        monkeypatch.setenv("PORTAL_IT_SMTP_PORT", str(hung.port))
        monkeypatch.setenv("EMAIL_TIMEOUT", "2")
        monkeypatch.setenv("DELIVERY_RETRY_SECONDS", "1")
        monkeypatch.setenv("DELIVERY_MAX_ATTEMPTS", "2")
        worker.start(broker_url=settings.CELERY_BROKER_URL)
        producer(broker_url=settings.CELERY_BROKER_URL, queue=worker.queue)

        email = write(user_with(Role.ENTERPRISE), "卡住的邮件", "email")
        sms = write(user_with(Role.ENTERPRISE, phone="13812345678"), "口罩已到", "sms")
        assert wait_until(lambda: hung.accepted, timeout=SETTLE_TIMEOUT), worker.log()[-3000:]
        # The worker waits on the mail server with no transaction open.
        states = worker_sessions()
        assert states and "idle in transaction" not in states, states

        # The SMS queued behind the stuck email goes out once the timeout frees the worker,
        assert wait_until(lambda: current(sms).status == Delivery.Status.SENT,
                          timeout=SETTLE_TIMEOUT), worker.log()[-3000:]
        # and the email is retried, then failed for the administrators to see.
        assert wait_until(lambda: current(email).status == Delivery.Status.FAILED,
                          timeout=SETTLE_TIMEOUT), worker.log()[-3000:]
        assert email.attempts == 2 and "timed out" in email.last_error
        assert len(hung.accepted) == 2
    finally:
        hung.stop()
