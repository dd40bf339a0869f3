"""Writing notifications (the outbox) and delivering them (called by Celery tasks)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from . import channels
from .models import Delivery, Notification, User

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


class RetryLater(Exception):
    """A send failed; the delivery is pending again and due in `seconds`."""

    def __init__(self, error: Exception, seconds: int):
        super().__init__(f"{type(error).__name__}: {error}")
        self.error, self.seconds = error, seconds


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones: doubling from
    DELIVERY_RETRY_SECONDS (1 min, 2, 4 … 32 min by default)."""
    return settings.DELIVERY_RETRY_SECONDS * 2 ** max(attempts - 1, 0)


def deliver(delivery_id: int) -> str:
    """Send one delivery, never from inside a transaction, and never twice at once.

    The row is claimed (pending → sending) in a short transaction of its own, sent with no
    transaction open (a hung server holds no lock and no "idle in transaction" session),
    and its outcome recorded in another. A second worker finds it claimed and sends
    nothing; a claim whose worker died lapses after DELIVERY_CLAIM_SECONDS and the sweep
    queues it again. Returns the delivery's status; raises RetryLater when it will be
    retried. After DELIVERY_MAX_ATTEMPTS failures it is failed and administrators are told.
    """
    claimed = _claim(delivery_id)
    if isinstance(claimed, str):
        return claimed
    delivery = claimed
    try:
        channels.channel(delivery.channel).send(delivery.notification)
    except channels.Skip as reason:
        _record(delivery, status=Delivery.Status.SKIPPED, last_error=str(reason))
        return Delivery.Status.SKIPPED
    except Exception as error:  # any failure of the channel is retried, then given up
        return _failed(delivery, error)
    _record(delivery, status=Delivery.Status.SENT, sent_at=timezone.now())
    return Delivery.Status.SENT


def _claim(delivery_id: int) -> Delivery | str:
    """The delivery, claimed by this worker; or its status when it is not to be sent now."""
    now = timezone.now()
    # durable: the claim must commit before the send, so it may not join a caller's
    # transaction (and the send may not run inside one).
    with transaction.atomic(durable=True):
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "missing"
        lapsed = (
            delivery.status == Delivery.Status.SENDING
            and delivery.next_attempt_at is not None
            and delivery.next_attempt_at <= now
        )
        if delivery.status != Delivery.Status.PENDING and not lapsed:
            return delivery.status
        delivery.status = Delivery.Status.SENDING
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=settings.DELIVERY_CLAIM_SECONDS)
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery


def _record(delivery: Delivery, **outcome) -> bool:
    """Write the outcome of this worker's attempt, if its claim still holds (the attempt
    count names the claim: a worker that took over a lapsed one counted another)."""
    updated = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.SENDING, attempts=delivery.attempts
    ).update(**{"next_attempt_at": None, **outcome})
    if not updated:
        logger.warning("delivery %s: claim lapsed before attempt %s ended; outcome %s dropped",
                       delivery.pk, delivery.attempts, outcome.get("status"))
    return bool(updated)


def _failed(delivery: Delivery, error: Exception) -> str:
    last_error = f"{type(error).__name__}: {error}"[:2000]
    if delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        with transaction.atomic():
            if _record(delivery, status=Delivery.Status.FAILED, last_error=last_error):
                delivery.last_error = last_error
                _alert_administrators(delivery)
        logger.error("delivery %s failed after %s attempts: %s", delivery.pk,
                     delivery.attempts, last_error)
        return Delivery.Status.FAILED
    seconds = retry_delay(delivery.attempts)
    _record(delivery, status=Delivery.Status.PENDING, last_error=last_error,
            next_attempt_at=timezone.now() + timedelta(seconds=seconds))
    raise RetryLater(error, seconds)


DELIVERY_FAILED = "portal.delivery.failed"


def _alert_administrators(delivery: Delivery) -> None:
    """Tell the administrators, in the portal only (the failing channel may be email),
    that a notification was not delivered: one unread alert at a time, naming the latest."""
    from .roles import Role

    admins = User.objects.filter(
        Q(groups__name=Role.ADMIN) | Q(is_superuser=True), is_active=True
    ).distinct()
    alerted = set(
        Notification.objects.filter(kind=DELIVERY_FAILED, read_at__isnull=True)
        .values_list("recipient_id", flat=True)
    )
    recipients = [admin for admin in admins if admin.pk not in alerted]
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            recipients=recipients,
            kind=DELIVERY_FAILED,
            title=_("A notification could not be delivered"),
            body=_(
                "“%(title)s” to %(recipient)s by %(channel)s failed %(attempts)s times and "
                "will not be retried: %(error)s. Failed deliveries are listed in the admin."
            ) % {
                "title": delivery.notification.title,
                "recipient": delivery.notification.recipient,
                "channel": delivery.get_channel_display(),
                "attempts": delivery.attempts,
                "error": delivery.last_error,
            },
            url=_failed_list_url(),
            channels_=(),
        )


def _failed_list_url() -> str:
    try:
        return reverse("admin:portal_delivery_changelist") + "?status__exact=failed"
    except NoReverseMatch:  # the admin lists deliveries only where it is installed
        return ""


def due_for_sweep(*, grace_seconds: int | None = None, limit: int = 500) -> list[int]:
    """Deliveries past due by more than the grace: their queueing failed at commit (broker
    down), their retry task was lost (worker gone, broker flushed), or the worker sending
    them died (the claim lapsed). Their due time moves on by the grace, so a queue that is
    merely slow does not get the same delivery again on every sweep."""
    grace = settings.DELIVERY_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING],
                next_attempt_at__lt=now - timedelta(seconds=grace),
            )
            .order_by("next_attempt_at")
            .values_list("id", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=due).update(next_attempt_at=now)
    return due


def mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
