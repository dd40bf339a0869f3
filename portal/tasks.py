"""Periodic housekeeping of the portal shell."""

import logging

from celery import shared_task

from portal.api import idempotency


@shared_task
def idempotency_key_prune() -> int:
    """Forget Idempotency-Keys past their retention (IDEMPOTENCY_KEY_TTL_HOURS, 24 h)."""
    return idempotency.prune()


# --- notification delivery (the outbox of portal.notifications) ----------------------------


@shared_task(bind=True, max_retries=None)
def delivery_send(self, delivery_id: int) -> str:
    """Send one notification delivery. A failure is retried after the wait the row records
    (1 min … 32 min), up to DELIVERY_MAX_ATTEMPTS; the row, not this task, is the record, so
    a retry lost with its worker or broker is queued again by the sweep. Safe to run twice:
    a delivery claimed or sent is never sent again."""
    from portal import notifications

    try:
        return notifications.deliver(delivery_id)
    except notifications.RetryLater as later:
        # If the broker is down the retry is rejected (not requeued); the sweep takes over.
        raise self.retry(exc=later.error, countdown=later.seconds) from later


@shared_task
def delivery_sweep() -> int:
    """Queue deliveries past due: never queued (broker down at commit time), retry lost
    (worker gone, broker flushed), or a sender that died mid-send."""
    from portal import notifications

    ids = notifications.due_for_sweep()
    notifications.queue(ids)
    return len(ids)


# --- the journal -------------------------------------------------------------------------


@shared_task
def journal_checkpoint(actor_id: int | None = None, trigger: str = "scheduled") -> int | None:
    """Sign a checkpoint of the journal's head and send it to the inspectors. From beat
    every JOURNAL_CHECKPOINT_MINUTES (only when the journal grew); queued by "sign now" on
    a long journal. Returns the checkpoint's seq, or None when nothing was signed."""
    from portal import checkpoints
    from portal.models import JournalCheckpoint, User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        checkpoint = checkpoints.checkpoint_create(
            actor=actor, trigger=trigger,
            if_changed=trigger == JournalCheckpoint.Trigger.SCHEDULED,
        )
    except checkpoints.SigningKeyMissing as error:
        logging.getLogger("portal.checkpoints").error("no checkpoint signed: %s", error)
        return None
    except checkpoints.CheckpointRefused:
        return None  # journaled, logged and sent to the inspectors already
    return checkpoint.seq if checkpoint else None


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


@shared_task
def api_token_prune() -> int:
    """Delete API tokens past their idle or absolute lifetime (journaled); hourly."""
    from portal import tokens

    total = 0
    while count := tokens.token_prune():
        total += count
    return total
