"""Password forms of Django's, saving through the account services (journaled, tokens ended)."""

from __future__ import annotations

import contextvars

from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal import auth
from portal.middleware import client_ip

from . import services

RESET_THROTTLED_MESSAGE = _("Too many reset requests. Try again later.")
# Who is acting in the admin's "change password" view, which builds its form itself without
# the request: set around that view (portal.admin.UserAdmin.user_change_password).
admin_actor: contextvars.ContextVar = contextvars.ContextVar("admin_actor", default=None)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """A signed-in user's own password: the old one, then the new one twice."""

    def save(self, commit=True):
        services.user_set_password(
            user=self.user, password=self.cleaned_data["new_password1"], actor=self.user,
        )
        return self.user


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The new password after following an emailed reset link."""

    def save(self, commit=True):
        services.user_set_password(
            user=self.user, password=self.cleaned_data["new_password1"], actor=self.user,
            action="portal.user.password_reset",
        )
        return self.user


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Asks for the address to send a reset link to; throttled per address and per client
    as sign-in is, so the form cannot be used to flood someone's mailbox."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self):
        email = self.cleaned_data["email"]
        ip = client_ip(self.request) if self.request is not None else None
        if auth.PASSWORD_RESET.blocked(email, ip):
            raise ValidationError(RESET_THROTTLED_MESSAGE, code="throttled")
        auth.PASSWORD_RESET.record_failure(email, ip)  # every request counts, sent or not
        return email


class AdminPasswordForm(auth_forms.AdminPasswordChangeForm):
    """The admin's form for setting (or disabling) another user's password."""

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        services.user_set_password(
            user=self.user, password=self.cleaned_data["password1"] if usable else None,
            actor=admin_actor.get(), action="portal.user.password_set",
        )
        return self.user
