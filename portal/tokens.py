"""API tokens: issued hashed, expiring when idle and at an absolute age, revoked journaled.

A token is 256 random bits (URL-safe text). The database keeps its SHA-256 digest, which
is enough for a secret that long (a slow password hash protects guessable secrets), and
its first characters to tell tokens apart; the secret is shown only to whoever it was
issued to. Every issue and end is a journal event of `portal.apitoken`, never with the
secret or the digest.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import journal
from .models import ApiToken
from .services import for_update, unit_of_work

OBJECT_TYPE = "portal.apitoken"
PREFIX_LENGTH = 8
# `last_used_at` is written at most this often per token: a request in between reads only.
TOUCH_SECONDS = 60


class Reason:
    """Why a token ended, in its journal entry (`data.reason`)."""

    LOGOUT = "logout"
    REVOKED = "revoked"  # by its user or an administrator
    PASSWORD_CHANGED = "password_changed"
    DEACTIVATED = "deactivated"
    LIMIT = "limit"  # the user's oldest beyond API_TOKENS_PER_USER
    EXPIRED = "expired"


def idle() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.API_TOKEN_IDLE_HOURS)


def max_age() -> datetime.timedelta:
    return datetime.timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def expired(token: ApiToken, now=None) -> bool:
    now = now or timezone.now()
    return token.expires_at <= now or token.last_used_at + idle() <= now


def idle_expires_at(token: ApiToken):
    """When the token lapses if it is not used before (never after `expires_at`)."""
    return min(token.last_used_at + idle(), token.expires_at)


def _journal(token: ApiToken, *, action: str, actor, reason: str | None = None) -> None:
    """A token's issue or end, as a journal event: a credential is no object a client syncs,
    so it stays out of the changes feed, and the audit shows each token's timeline."""
    data = {"user": token.user_id, "username": token.user.get_username(),
            "prefix": token.prefix, "name": token.name}
    if reason is None:
        data["expires_at"] = token.expires_at
    else:
        data["reason"] = reason
    journal.record_event(action=action, actor=actor, object_type=OBJECT_TYPE,
                         object_id=str(token.pk), data=data)


def _ended(tokens, *, actor, reason: str) -> None:
    """Delete `tokens` (read under lock) and journal each one's end."""
    if not tokens:
        return
    ApiToken.objects.filter(pk__in=[token.pk for token in tokens]).delete()
    action = "portal.apitoken.expired" if reason == Reason.EXPIRED else "portal.apitoken.revoked"
    for token in tokens:
        _journal(token, action=action, actor=actor, reason=reason)


@unit_of_work
def token_issue(*, user, actor, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`: (the row, the secret to hand over once).

    The user's expired tokens go first, and so do their oldest live ones beyond
    API_TOKENS_PER_USER, so a client that signs in on every start does not pile them up.
    """
    now = timezone.now()
    mine = list(for_update(ApiToken.objects.filter(user=user), "user").order_by("created_at"))
    gone = [token for token in mine if expired(token, now)]
    _ended(gone, actor=None, reason=Reason.EXPIRED)
    live = [token for token in mine if token not in gone]
    excess = len(live) - (settings.API_TOKENS_PER_USER - 1)
    if excess > 0:
        _ended(live[:excess], actor=actor, reason=Reason.LIMIT)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:64], prefix=secret[:PREFIX_LENGTH], digest=digest(secret),
        created_at=now, last_used_at=now, expires_at=now + max_age(),
    )
    _journal(token, action="portal.apitoken.issued", actor=actor)
    return token, secret


def issue(user, *, name: str = "", actor=None) -> str:
    """A new token's secret for `user`, issued by `actor` (the user themself by default):
    what sign-in, tests and fixtures use to get an `Authorization: Token …` value."""
    return token_issue(user=user, actor=actor if actor is not None else user, name=name)[1]


@unit_of_work
def token_revoke(*, token: ApiToken, actor, reason: str = Reason.REVOKED) -> None:
    """End one token now (sign-out, its user's or an administrator's revocation)."""
    found = list(for_update(ApiToken.objects.filter(pk=token.pk), "user"))
    _ended(found, actor=actor, reason=reason)


@unit_of_work
def user_tokens_revoke(*, user, actor, reason: str, keep: ApiToken | None = None) -> int:
    """End every token of `user` but `keep`; how many ended."""
    found = for_update(ApiToken.objects.filter(user=user), "user").order_by("pk")
    if keep is not None:
        found = found.exclude(pk=keep.pk)
    found = list(found)
    _ended(found, actor=actor, reason=reason)
    return len(found)


@unit_of_work
def token_prune(*, batch: int = 1000) -> int:
    """Delete tokens that have expired (journaled, actor "system"); how many."""
    # The token rows are locked (not their users, read in the same query); rows another
    # prune or a revocation holds are left to them.
    of = ("self",) if connection.features.has_select_for_update_of else ()
    found = list(ApiToken.objects.expired().select_related("user")
                 .select_for_update(skip_locked=True, of=of).order_by("pk")[:batch])
    _ended(found, actor=None, reason=Reason.EXPIRED)
    return len(found)


def touch(token: ApiToken, now) -> None:
    """Record a use of `token` (at most every TOUCH_SECONDS), which restarts its idle
    lifetime. A plain column write, not journaled: it is no change of the token's state."""
    if (now - token.last_used_at).total_seconds() < TOUCH_SECONDS:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
