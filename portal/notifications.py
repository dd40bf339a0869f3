"""Writing notifications (the outbox) and delivering them (called by Celery tasks)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import channels
from .models import Delivery, Notification

logger = logging.getLogger("portal.notifications")

DEFAULT_CHANNELS = (Delivery.Channel.EMAIL,)


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    enterprise_id: int | None = None,
    channels_: Iterable[str] = DEFAULT_CHANNELS,
) -> list[Notification]:
    """Write one notification per recipient and its deliveries, inside the caller's
    transaction; deliveries are queued only once that transaction commits."""
    if not connection.in_atomic_block:
        raise RuntimeError("notify() must run inside the service's transaction")
    users = list({user.pk: user for user in recipients if user is not None}.values())
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                title=str(title),
                body=str(body),
                url=url,
                enterprise_id=enterprise_id,
            )
            for user in users
        ]
    )
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(notification=notification, channel=name)
            for notification in notifications
            for name in dict.fromkeys(channels_)
        ]
    )
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: queue(ids), robust=True)
    return notifications


def queue(delivery_ids: list[int]) -> None:
    """Hand deliveries to the broker. If it is down they stay pending for the sweep; the
    change that caused them has committed either way."""
    from . import tasks

    for delivery_id in delivery_ids:
        try:
            tasks.delivery_send.delay(delivery_id)
        except (OperationalError, OSError):  # broker unreachable; delivery_sweep retries later
            logger.warning("broker unavailable; delivery %s left for the sweep", delivery_id)
            return


def deliver(delivery_id: int) -> str:
    """Send one delivery at most once: the row is locked, and a sent one is never resent.

    Raises the channel's error for the task to retry with back-off.
    """
    failure = None
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("notification__recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return delivery.status if delivery else "missing"
        delivery.attempts += 1
        try:
            channels.channel(delivery.channel).send(delivery.notification)
        except channels.Skip as reason:
            delivery.status, delivery.last_error = Delivery.Status.SKIPPED, str(reason)
        except Exception as error:  # recorded, then re-raised for the task's retry
            failure = error
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
        else:
            delivery.status, delivery.sent_at = Delivery.Status.SENT, timezone.now()
        delivery.save(update_fields=["status", "attempts", "last_error", "sent_at"])
    if failure is not None:
        raise failure
    return delivery.status


def give_up(delivery_id: int) -> None:
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED
    )


def pending_for_sweep(older_than_seconds: int = 60, limit: int = 500) -> list[int]:
    """Deliveries never attempted a while after they were written: their queueing failed.
    (Attempted ones are in their task's retry cycle and need no second task.)"""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, attempts=0, created_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
