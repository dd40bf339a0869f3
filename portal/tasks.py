"""Periodic housekeeping of the portal shell."""

from celery import shared_task

from portal.api import idempotency


@shared_task
def idempotency_key_prune() -> int:
    """Forget Idempotency-Keys past their retention (IDEMPOTENCY_KEY_TTL_HOURS, 24 h)."""
    return idempotency.prune()


# --- notification delivery (the outbox of portal.notifications) ----------------------------

DELIVERY_MAX_RETRIES = 6


@shared_task(bind=True, max_retries=DELIVERY_MAX_RETRIES)
def delivery_send(self, delivery_id: int) -> str:
    """Send one notification delivery; retried with exponential back-off (1 min … 32 min),
    then marked failed. Safe to run twice: a sent delivery is never sent again."""
    from portal import notifications

    try:
        return notifications.deliver(delivery_id)
    except Exception as error:
        if self.request.retries >= DELIVERY_MAX_RETRIES:
            notifications.give_up(delivery_id)
            return "failed"
        raise self.retry(exc=error, countdown=60 * 2**self.request.retries) from error


@shared_task
def delivery_sweep() -> int:
    """Queue deliveries whose queueing failed at commit time (broker down then)."""
    from portal import notifications

    ids = notifications.pending_for_sweep()
    notifications.queue(ids)
    return len(ids)


@shared_task
def journal_verify(actor_id: int | None = None) -> bool:
    """Verify the journal, anchor its head when intact, notify the inspectors when not.
    Nightly from beat (scheduled); with an actor id when someone asked to verify now."""
    from portal.audit import services
    from portal.models import JournalVerification, User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    trigger = (
        JournalVerification.Trigger.MANUAL if actor_id else JournalVerification.Trigger.SCHEDULED
    )
    return services.journal_verification_run(actor=actor, trigger=trigger).ok
