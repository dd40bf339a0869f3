"""Sign-in throttling: at most 5 failed attempts a minute per account and 20 per address.

Counters live in the cache with atomic add/incr (Redis when REDIS_URL is set, so every
web process shares them). The backend refuses a blocked attempt even when the password is
right, so guessing cannot go on through any sign-in door: pages, admin or API token.

When the cache cannot be reached, sign-in goes on and so does throttling: the counters
are kept in the process (each web process then counts on its own, so an address gets at
most that many times the limit) until the cache answers again; a warning says so.
"""

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from . import access
from .middleware import client_ip

logger = logging.getLogger(__name__)

THROTTLED_MESSAGE = _("Too many failed sign-in attempts. Try again in a minute.")
# After the cache failed, how long the process counts on its own before trying it again
# (so that a cache that hangs until its timeout does not slow every sign-in).
CACHE_RETRY_SECONDS = 30


class _Counters:
    """The shared cache, or the process's own counters while the cache is unreachable."""

    def __init__(self):
        self.local = LocMemCache("portal-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 100000}})
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _store(self):
        return self.local if time.monotonic() < self._down_until else cache

    def _failed(self, error: Exception) -> None:
        with self._lock:
            if time.monotonic() >= self._down_until:
                logger.warning(
                    "Sign-in throttling: the cache is unreachable (%s); counting in this "
                    "process for %s s", error, CACHE_RETRY_SECONDS,
                )
            self._down_until = time.monotonic() + CACHE_RETRY_SECONDS

    def _call(self, method: str, *args, **kwargs):
        store = self._store()
        if store is not self.local:
            try:
                return getattr(store, method)(*args, **kwargs)
            except Exception as error:  # any failure of the cache's client: refused, timeout
                self._failed(error)
        return getattr(self.local, method)(*args, **kwargs)

    def get_many(self, keys):
        return self._call("get_many", keys)

    def increment(self, key: str, window: int) -> None:
        store = self._store()
        if store is not self.local:
            try:
                self._increment(store, key, window)
                return
            except Exception as error:
                self._failed(error)
        self._increment(self.local, key, window)

    @staticmethod
    def _increment(store, key: str, window: int) -> None:
        store.add(key, 0, timeout=window)  # starts the window; a no-op when it exists
        try:
            store.incr(key)
        except ValueError:  # expired between add and incr: start again
            store.add(key, 1, timeout=window)

    def delete(self, key: str) -> None:
        self._call("delete", key)
        if self._store() is not self.local:
            self.local.delete(key)  # a count kept while the cache was down ends too


counters = _Counters()


@dataclass(frozen=True)
class Throttle:
    """Failures counted per subject (an account, an address to mail) and per client address
    within a window; `blocked` once either count reaches its limit."""

    name: str
    per_subject: str  # settings names of the limits, read on each use
    per_ip: str
    window: str
    defaults: tuple[int, int, int]

    def limits(self) -> tuple[int, int, int]:
        names = (self.per_subject, self.per_ip, self.window)
        return tuple(
            getattr(settings, name, default)
            for name, default in zip(names, self.defaults, strict=True)
        )

    def keys(self, subject: str, ip: str | None) -> list[str]:
        digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
        keys = [f"{self.name}:account:{digest}"]
        if ip:
            keys.append(f"{self.name}:ip:{ip}")
        return keys

    def blocked(self, subject: str, ip: str | None) -> bool:
        per_subject, per_ip, _window = self.limits()
        keys = self.keys(subject, ip)
        counts = counters.get_many(keys)
        if counts.get(keys[0], 0) >= per_subject:
            return True
        return len(keys) > 1 and counts.get(keys[1], 0) >= per_ip

    def record_failure(self, subject: str, ip: str | None) -> None:
        window = self.limits()[2]
        for key in self.keys(subject, ip):
            counters.increment(key, window)

    def record_success(self, subject: str) -> None:
        counters.delete(self.keys(subject, None)[0])


SIGN_IN = Throttle(
    "login-fail", "LOGIN_FAILURES_PER_ACCOUNT", "LOGIN_FAILURES_PER_IP",
    "LOGIN_FAILURE_WINDOW_SECONDS", (5, 20, 60),
)
# Password reset mails: a few per address an hour, so the form cannot flood a mailbox.
PASSWORD_RESET = Throttle(
    "password-reset", "PASSWORD_RESETS_PER_ADDRESS", "PASSWORD_RESETS_PER_IP",
    "PASSWORD_RESET_WINDOW_SECONDS", (3, 20, 3600),
)


def blocked(username: str, ip: str | None) -> bool:
    return SIGN_IN.blocked(username, ip)


def record_failure(username: str, ip: str | None) -> None:
    SIGN_IN.record_failure(username, ip)


def record_success(username: str) -> None:
    SIGN_IN.record_success(username)


def _load_access(user_obj, obj) -> None:
    """Fill ModelBackend's caches from `portal.access` (superusers hold every permission,
    which ModelBackend reads itself; inactive users and object permissions have none)."""
    if obj is None and user_obj.is_active and not user_obj.is_superuser:
        access.load(user_obj)


class ThrottledModelBackend(ModelBackend):
    """ModelBackend with throttled sign-in, reading a user's permissions together with their
    roles in one query (`portal.access`) rather than in two of its own."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field(), "")
        ip = client_ip(request) if request is not None else None
        if username and blocked(username, ip):
            raise PermissionDenied(THROTTLED_MESSAGE)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if username:
            if user is None:
                record_failure(username, ip)
            else:
                record_success(username)
        return user

    def get_user_permissions(self, user_obj, obj=None):
        _load_access(user_obj, obj)
        return super().get_user_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None):
        _load_access(user_obj, obj)
        return super().get_group_permissions(user_obj, obj)

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class _ThrottleMessage:
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if username and blocked(username, client_ip(self.request) if self.request else None):
            raise forms.ValidationError(THROTTLED_MESSAGE, code="throttled")
        return super().clean()


class LoginForm(_ThrottleMessage, AuthenticationForm):
    """The sign-in page's form: says so plainly when attempts are throttled."""


class AdminLoginForm(_ThrottleMessage, AdminAuthenticationForm):
    pass
