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
    notifications = [
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
    names = list(dict.fromkeys(channels_))
    if not notifications:
        return []
    if connection.vendor == "postgresql" and names:
        ids = _write_in_one_statement(notifications, names)
    else:
        Notification.objects.bulk_create(notifications)
        deliveries = Delivery.objects.bulk_create(
            [Delivery(notification=n, channel=name) for n in notifications for name in names]
        )
        ids = [delivery.pk for delivery in deliveries]
    if ids:
        transaction.on_commit(lambda: queue(ids), robust=True)
    return notifications


def _values(obj, fields) -> list:
    """`obj`'s values for `fields` as an insert writes them (defaults, auto_now_add)."""
    return [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]


def _write_in_one_statement(notifications: list[Notification], names: list[str]) -> list[int]:
    """Insert the notifications, and for each a delivery per channel in `names`, with one
    statement: one round trip and no query built by the ORM on every change that notifies.
    The notifications get their ids; returns the deliveries' ids."""
    quote = connection.ops.quote_name
    note, meta = Notification._meta, Delivery._meta
    pk, recipient = quote(note.pk.column), quote(note.get_field("recipient").column)
    columns = [field for field in note.concrete_fields if not field.primary_key]
    link, channel = meta.get_field("notification"), meta.get_field("channel")
    # Every delivery starts alike (pending, no attempt yet) but for its channel.
    alike = [field for field in meta.concrete_fields
             if field not in (meta.pk, link, channel)]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"WITH n AS (INSERT INTO {quote(note.db_table)}"
        f" ({', '.join(quote(field.column) for field in columns)})"
        f" VALUES {', '.join([row] * len(notifications))} RETURNING {pk}, {recipient}),"
        f" d AS (INSERT INTO {quote(meta.db_table)} ({quote(link.column)},"
        f" {quote(channel.column)}, {', '.join(quote(field.column) for field in alike)})"
        f" SELECT n.{pk}, c.name, {', '.join(['%s'] * len(alike))}"
        f" FROM n CROSS JOIN (VALUES {', '.join(['(%s)'] * len(names))}) AS c (name)"
        f" RETURNING {quote(meta.pk.column)}, {quote(link.column)})"
        f" SELECT n.{pk}, n.{recipient}, d.{quote(meta.pk.column)}"
        f" FROM n LEFT JOIN d ON d.{quote(link.column)} = n.{pk}"
        f" ORDER BY d.{quote(meta.pk.column)}"
    )
    params = [value for obj in notifications for value in _values(obj, columns)]
    params += _values(Delivery(), alike) + names
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    ids = {recipient_id: notification_id for notification_id, recipient_id, _d in rows}
    for notification in notifications:
        notification.pk = ids[notification.recipient_id]
        notification._state.adding = False
        notification._state.db = connection.alias
    return [delivery_id for _n, _r, delivery_id in rows if delivery_id is not None]


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
