"""The notification outbox with a real Celery worker and a real Redis broker: a filing's
notification is delivered once its submission commits, and still delivered when the broker was
down at submit time and came back later."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from enterprises.services import membership_add
from filings import services as filing_services
from filings.models import MEASURES, Filing
from portal.models import Delivery, Notification
from portal.roles import Role
from tests.enterprises import factories as registry
from tests.factories import user_with

from .conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERY_TIMEOUT = 30
RECOVERY_TIMEOUT = 60


@pytest.fixture
def member():
    """An enterprise user (with an email address) who acts for one enterprise."""
    user = user_with(Role.ENTERPRISE, display_name="董叶明")
    membership_add(user=user, enterprise=registry.enterprise(), actor=None)
    return user


def file_for_resumption(member) -> Filing:
    """A complete draft, submitted: the service commits, then queues its notification."""
    enterprise = member.memberships.get().enterprise
    draft = filing_services.filing_create(
        actor=member,
        enterprise=enterprise,
        planned_resume_date=timezone.localdate() + datetime.timedelta(days=1),
        employees_total=120,
        employees_returning=96,
        employees_from_outside=12,
        commitment_accepted=True,
        signer_name="董叶明",
        **dict.fromkeys(MEASURES, True),
    )
    return filing_services.filing_submit(filing=draft, actor=member)


def email_delivery(member) -> Delivery:
    notification = Notification.objects.get(recipient=member, kind="filing.filed")
    return notification.deliveries.get(channel=Delivery.Channel.EMAIL)


def settled(delivery):
    """The delivery's status once it is no longer pending, else None."""
    delivery.refresh_from_db()
    return delivery.status if delivery.status != Delivery.Status.PENDING else None


def test_worker_delivers_filing_notification_after_submission_commits(
    worker, producer, member
):
    worker.start(broker_url=settings.CELERY_BROKER_URL)
    producer(broker_url=settings.CELERY_BROKER_URL, queue=worker.queue)

    filing = file_for_resumption(member)

    assert filing.status == Filing.Status.FILED and filing.number
    delivery = email_delivery(member)
    status = wait_until(lambda: settled(delivery), timeout=DELIVERY_TIMEOUT)
    assert status == Delivery.Status.SENT, worker.log()[-3000:]
    assert delivery.attempts == 1
    subjects = wait_until(worker.mail_subjects, timeout=5)
    assert subjects == [delivery.notification.title]
    assert filing.number in subjects[0]


def test_submission_commits_when_broker_is_down_and_is_delivered_when_it_returns(
    private_redis, worker, producer, member
):
    # A worker with beat (sweeping every second) runs through the whole outage.
    worker.start(broker_url=private_redis.url, beat=True, sweep_seconds=1)
    producer(broker_url=private_redis.url, queue=worker.queue)

    private_redis.stop()
    assert not private_redis.is_up()
    filing = file_for_resumption(member)

    filing.refresh_from_db()  # committed and decided, though nothing reached the broker
    assert filing.status == Filing.Status.FILED and filing.number
    delivery = email_delivery(member)
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 0)
    # As if the minute the sweep leaves for an ordinary queueing had passed.
    Delivery.objects.filter(pk=delivery.pk).update(
        created_at=delivery.created_at - datetime.timedelta(minutes=2),
        next_attempt_at=delivery.next_attempt_at - datetime.timedelta(minutes=2),
    )

    private_redis.start()
    status = wait_until(lambda: settled(delivery), timeout=RECOVERY_TIMEOUT)
    assert status == Delivery.Status.SENT, worker.log()[-3000:]
    assert delivery.attempts == 1
    assert worker.mail_subjects() == [delivery.notification.title]
