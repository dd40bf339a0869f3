"""Sign-in throttling: at most 5 failed attempts a minute per account and 20 per address.

Counters live in the cache with atomic add/incr (Redis when REDIS_URL is set, so every
web process shares them). The backend refuses a blocked attempt even when the password is
right, so guessing cannot go on through any sign-in door: pages, admin or API token.
"""

import hashlib

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from . import access
from .middleware import client_ip

THROTTLED_MESSAGE = _("Too many failed sign-in attempts. Try again in a minute.")


def _keys(username: str, ip: str | None) -> list[str]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    keys = [f"login-fail:account:{account}"]
    if ip:
        keys.append(f"login-fail:ip:{ip}")
    return keys


def _limits() -> tuple[int, int, int]:
    return (
        getattr(settings, "LOGIN_FAILURES_PER_ACCOUNT", 5),
        getattr(settings, "LOGIN_FAILURES_PER_IP", 20),
        getattr(settings, "LOGIN_FAILURE_WINDOW_SECONDS", 60),
    )


def blocked(username: str, ip: str | None) -> bool:
    per_account, per_ip, _window = _limits()
    keys = _keys(username, ip)
    counts = cache.get_many(keys)
    if counts.get(keys[0], 0) >= per_account:
        return True
    return len(keys) > 1 and counts.get(keys[1], 0) >= per_ip


def record_failure(username: str, ip: str | None) -> None:
    window = _limits()[2]
    for key in _keys(username, ip):
        cache.add(key, 0, timeout=window)  # starts the window; a no-op when it exists
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: start again
            cache.add(key, 1, timeout=window)


def record_success(username: str) -> None:
    cache.delete(_keys(username, None)[0])


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
