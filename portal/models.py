"""Accounts, the journal (audit trail and sync feed) and the base class of tracked objects."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from . import access
from .querysets import NotificationQuerySet
from .roles import Role
from .scope import AllRows, Owner, ScopedQuerySet


class User(AbstractUser):
    """A person who signs in: enterprise staff or an official. Roles are Django groups."""

    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        if not self.is_active:
            return frozenset()
        names = set(access.load(self).groups)  # read with the permissions, in one query
        if self.is_superuser:
            names.add(Role.ADMIN)
        return frozenset(names)

    def forget_roles(self) -> None:
        """Read roles and permissions again on next use (after changing the user's groups or
        permissions on this object)."""
        for name in ("roles", "_access", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            self.__dict__.pop(name, None)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def sees_everything(self) -> bool:
        """Administrators and discipline inspectors read every registry row."""
        return self.has_role(Role.ADMIN, Role.INSPECTOR)


class TrackedModel(models.Model):
    """Base of every object whose changes go through services into the journal.

    `version` grows by one on every change and is the API's ETag, so an offline client
    can never overwrite a change it has not seen.
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class JournalQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise PermissionError("Journal entries are append-only.")

    def delete(self):
        raise PermissionError("Journal entries are append-only.")


class JournalEntry(models.Model):
    """One append-only, hash-chained record of a change (DESIGN §4).

    `seq` is gap-free and increases in commit order; `hash` is SHA-256 over the canonical
    JSON of every other field, including `prev_hash`, so any edit breaks the chain.
    """

    class Op(models.TextChoices):
        UPSERT = "upsert", _("create or update")
        DELETE = "delete", _("delete")
        EVENT = "event", _("event")  # something seen or done that changed no object

    seq = models.BigIntegerField(_("sequence"), primary_key=True)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_constraint=False, verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=160, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    enterprise_id = models.BigIntegerField(_("enterprise"), null=True, blank=True)
    district = models.CharField(_("district"), max_length=12, blank=True)
    op = models.CharField(_("operation"), max_length=6, choices=Op.choices)
    data = models.JSONField(_("data"), default=dict)
    changes = models.JSONField(_("changes"), default=dict)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    scope = AllRows()
    objects = JournalQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"], name="journal_object_idx"),
            models.Index(fields=["enterprise_id", "seq"], name="journal_enterprise_idx"),
            models.Index(fields=["at"], name="journal_at_idx"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Journal entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Journal entries are append-only.")


class JournalAnchor(models.Model):
    """The journal's head hash recorded outside its table, so a rewritten chain shows."""

    seq = models.BigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("journal anchor")
        verbose_name_plural = _("journal anchors")
        ordering = ["-seq"]

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` for one POST and the answer it got (DESIGN §5).

    The row is claimed (`in_progress`) in its own transaction before the view runs, so a
    concurrent retry sees it at once and gets 409; the answer is stored in the same
    transaction as the view's work, so a retry either replays it or finds no trace.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=2048)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created_idx")]

    def __str__(self):
        return f"{self.user_id}:{self.key} {self.status}"


class Notification(models.Model):
    """A message to one user: their in-app inbox row, and the outbox of its other channels.

    Services write it inside their transaction; each channel's delivery is a `Delivery` row
    queued after commit, so nothing is sent for a rolled-back change and nothing is lost
    when the broker is down (the sweep queues what is still pending).
    """

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    enterprise_id = models.BigIntegerField(_("enterprise"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    # Everyone reads only their own inbox, administrators included.
    scope = Owner("recipient", everything=())
    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
        ]

    def __str__(self):
        return self.title


class Delivery(models.Model):
    """One channel's delivery of a notification: the outbox row a Celery task works off.

    A worker claims the row (pending → sending) in a short transaction, sends with no
    transaction open, and records the outcome in another; a second worker finds it claimed
    and sends nothing. Failures wait `next_attempt_at`; out of attempts, the row is failed.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("SMS")
        WECOM = "wecom", _("WeCom")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")  # claimed by a worker, being sent
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")  # out of attempts: administrators are told

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Pending: when the next attempt is due. Sending: when the worker's claim lapses (it
    # died mid-send). The sweep queues every row past it, so a lost task loses nothing.
    next_attempt_at = models.DateTimeField(
        _("next attempt at"), null=True, blank=True, default=timezone.now
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_unique"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="delivery_due_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self):
        return f"{self.notification_id}/{self.channel} {self.status}"


class JournalVerification(models.Model):
    """One run of the journal's verification (chain, anchors, reconciliation) and its outcome.

    Kept outside the journal so inspectors see when the journal was last proven intact and,
    when it was not, which entry broke first; the nightly task and "verify now" write it.
    """

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        MANUAL = "manual", _("manual")

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    ok = models.BooleanField(_("intact"))
    entries = models.PositiveBigIntegerField(_("entries verified"), default=0)
    objects_reconciled = models.PositiveBigIntegerField(_("objects reconciled"), default=0)
    head_seq = models.BigIntegerField(_("head sequence"), default=0)
    head_hash = models.CharField(_("head hash"), max_length=64, blank=True)
    first_problem = models.TextField(_("first problem"), blank=True)
    problem_count = models.PositiveIntegerField(_("problems found"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("journal verification")
        verbose_name_plural = _("journal verifications")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} #{self.head_seq} {'✓' if self.ok else '✗'}"


class JournalCheckpoint(models.Model):
    """The journal's head (`seq`, `hash`) signed with an Ed25519 key kept outside the
    database (DESIGN §4, `portal.checkpoints`).

    Each is sent to the inspectors and downloadable as a small signed file. A chain rewritten
    inside the database no longer runs through a checkpoint, and a row changed here no longer
    matches its signature or the files kept elsewhere: the rows are a copy, not the proof.
    """

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        MANUAL = "manual", _("manual")

    seq = models.BigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))
    key_id = models.CharField(_("key id"), max_length=16)
    signature = models.CharField(_("signature"), max_length=88)
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("signed by"),
    )

    class Meta:
        verbose_name = _("journal checkpoint")
        verbose_name_plural = _("journal checkpoints")
        ordering = ["-seq", "-id"]
        indexes = [models.Index(fields=["seq"], name="journal_checkpoint_seq_idx")]

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]} ({self.key_id})"


class ApiTokenQuerySet(ScopedQuerySet):
    def expired(self, now=None):
        """Tokens past their absolute lifetime or unused for longer than the idle one."""
        from . import tokens

        now = now or timezone.now()
        return self.filter(
            models.Q(expires_at__lte=now) | models.Q(last_used_at__lte=now - tokens.idle())
        )


class ApiToken(models.Model):
    """A credential for `Authorization: Token …` (DESIGN §5).

    Only the SHA-256 digest of the secret is stored, with its first characters (`prefix`) to
    tell a user's tokens apart; the secret itself is shown once, when it is issued. A token
    expires at `expires_at` (absolute lifetime) or when unused for the idle lifetime
    (`last_used_at`); `portal.tokens` issues and revokes them, journaled.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=64, blank=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used"))
    expires_at = models.DateTimeField(_("expires at"))

    # Everyone lists and revokes their own tokens; administrators anyone's (issue 9 §2), on
    # every surface alike.
    scope = Owner("user", everything=(Role.ADMIN,))
    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="apitoken_user_idx")]

    def __str__(self):
        return f"{self.prefix}…"
