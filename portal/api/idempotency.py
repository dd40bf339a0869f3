"""Idempotency-Key on POST (DESIGN §5): a retried request replays the first answer.

The same key from the same user replays the stored response (same status, body, ETag and
Location, plus `Idempotent-Replayed: true`) and creates nothing; the same key with a
different request gets 422; while the first request still runs, 409. Answers of 5xx or
an unhandled error are not kept, so the client may retry with the same key.

`IdempotentPostMixin` gives this to any DRF view; every `TrackedViewSet` includes it, so
its `create` and every custom `@action` POST are covered without code of their own.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from portal.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Response headers worth replaying: the new object's version and address.
KEPT_HEADERS = ("ETag", "Location")
MAX_KEY_LENGTH = 255
_KEY = re.compile(r"^[\x21-\x7e]+$")  # visible ASCII, as an HTTP header value allows
# A claim whose request died with its worker: its work was rolled back with the answer.
STALE_CLAIM = timedelta(hours=1)


class InvalidIdempotencyKey(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The Idempotency-Key header must be 1 to 255 visible ASCII characters.")
    default_code = "invalid_idempotency_key"


class IdempotencyKeyInUse(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _(
        "A request with this Idempotency-Key is still being processed; retry shortly."
    )
    default_code = "idempotency_key_in_use"


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for a different request.")
    default_code = "idempotency_key_reused"


def _plain(value):
    """Parsed request data as plain JSON types; uploads by name, size and content digest."""
    if isinstance(value, QueryDict):
        return {key: [_plain(item) for item in value.getlist(key)] for key in value}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"name": value.name, "size": value.size, "sha256": digest.hexdigest()}
    return value


def fingerprint(request) -> str:
    """SHA-256 of the canonical request body: key order and whitespace do not matter."""
    body = json.dumps(
        _plain(request.data), cls=JSONEncoder, sort_keys=True, separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not _KEY.match(key):
        raise InvalidIdempotencyKey()
    return key


def replay(row: IdempotencyKey) -> Response:
    headers = {**(row.response_headers or {}), REPLAYED_HEADER: "true"}
    return Response(row.response_body, status=row.response_status, headers=headers)


@dataclass
class Claim:
    """A key this request holds while it runs; stored with the answer or released."""

    pk: int

    def store(self, response) -> bool:
        """Keep the answer, in the caller's transaction; False when it must not be kept."""
        if response.status_code >= 500 or not hasattr(response, "data"):
            return False
        if transaction.get_rollback():
            return False
        # Encoded as the JSON renderer does, so a replay is byte-for-byte the same.
        body = json.loads(json.dumps(response.data, cls=JSONEncoder, ensure_ascii=False))
        headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        IdempotencyKey.objects.filter(pk=self.pk).update(
            status=IdempotencyKey.Status.DONE, response_status=response.status_code,
            response_body=body, response_headers=headers,
        )
        return True

    def release(self) -> None:
        IdempotencyKey.objects.filter(pk=self.pk, status=IdempotencyKey.Status.IN_PROGRESS).delete()


def claim(request) -> Claim | Response | None:
    """Claim the request's key, or answer from an earlier request with the same key.

    None: no key (or no user to scope it to), run as usual. A `Response`: the replay.
    Raises 400 for a malformed key, 409 while the first request runs, 422 for reuse.
    """
    key = _key(request)
    user = request.user
    if key is None or not (user and user.is_authenticated):
        return None
    method, path = request.method, request.get_full_path()[:2048]
    digest = fingerprint(request)
    for _attempt in range(3):
        try:
            # Its own (short) transaction: a concurrent retry must see the claim at once.
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    user=user, key=key, method=method, path=path, request_hash=digest
                )
            return Claim(row.pk)
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:
            continue  # released by a failed first request in the meantime: claim again
        if (existing.method, existing.path, existing.request_hash) != (method, path, digest):
            raise IdempotencyKeyReused()
        if existing.status == IdempotencyKey.Status.IN_PROGRESS:
            raise IdempotencyKeyInUse()
        return replay(existing)
    raise IdempotencyKeyInUse()


# Honour `Idempotency-Key` on every POST handler of a DRF view, custom actions too. After
# authentication and permission checks the key is claimed; the handler then runs in one
# transaction with the storing of its answer, so the work and the answer to replay commit
# together or not at all. (No docstring: drf-spectacular would show it on every operation
# of a view that has none of its own.)
class IdempotentPostMixin:
    idempotent_methods = frozenset({"POST"})

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        name = request.method.lower()
        if request.method not in self.idempotent_methods or name not in self.http_method_names:
            return
        handler = getattr(self, name, None)
        if handler is None:
            return
        outcome = claim(request)
        if outcome is None:
            return
        # The view instance serves this one request; DRF binds a ViewSet's actions the same way.
        if isinstance(outcome, Response):
            setattr(self, name, lambda *_args, **_kwargs: outcome)
        else:
            setattr(self, name, partial(self._run_claimed, handler, outcome))

    def _run_claimed(self, handler, held: Claim, request, *args, **kwargs):
        stored = False
        try:
            with transaction.atomic():
                try:
                    response = handler(request, *args, **kwargs)
                except Exception as exc:
                    # Answer expected errors (400, 404, ...) here so they are kept too;
                    # anything unexpected propagates, rolls back and releases the key.
                    response = self.handle_exception(exc)
                stored = held.store(response)
            return response
        finally:
            if not stored:
                held.release()


def prune(*, now=None) -> int:
    """Delete keys older than IDEMPOTENCY_KEY_TTL_HOURS (24) and claims left by dead workers."""
    now = now or timezone.now()
    hours = getattr(settings, "IDEMPOTENCY_KEY_TTL_HOURS", 24)
    expired = IdempotencyKey.objects.filter(created_at__lt=now - timedelta(hours=hours))
    deleted, _counts = expired.delete()
    stale = IdempotencyKey.objects.filter(
        status=IdempotencyKey.Status.IN_PROGRESS, created_at__lt=now - STALE_CLAIM
    )
    deleted += stale.delete()[0]
    return deleted
