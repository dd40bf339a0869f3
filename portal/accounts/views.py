"""Account pages for every signed-in user: password change, password reset by email, and
the user's own API tokens (list, revoke one, revoke all)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from portal import tokens
from portal.models import ApiToken

from . import forms


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    form_class = forms.PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def _token_id(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) <= 18 else None


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    """The user's API tokens; a POST revokes one (`revoke=<id>`) or all (`revoke=all`)."""
    mine = ApiToken.objects.visible_to(request.user)
    if request.method == "POST":
        choice = request.POST.get("revoke", "")
        if choice == "all":
            count = tokens.user_tokens_revoke(
                user=request.user, actor=request.user, reason=tokens.Reason.REVOKED
            )
            messages.success(request, ngettext(
                "%(count)d token revoked.", "%(count)d tokens revoked.", count,
            ) % {"count": count})
        else:
            pk = _token_id(choice)
            token = mine.filter(pk=pk).first() if pk is not None else None
            if token is None:
                messages.error(request, _("That token does not exist or was already revoked."))
            else:
                tokens.token_revoke(token=token, actor=request.user)
                messages.success(request, _("Token %(prefix)s… revoked.") % {
                    "prefix": token.prefix,
                })
        return redirect("account-tokens")
    rows = list(mine.order_by("-created_at", "-id"))
    now = timezone.now()
    for token in rows:
        token.idle_expires_at = tokens.idle_expires_at(token)
        token.has_expired = tokens.expired(token, now)
    return render(request, "accounts/tokens.html", {
        "tokens": rows,
        "idle_hours": settings.API_TOKEN_IDLE_HOURS,
        "max_age_days": settings.API_TOKEN_MAX_AGE_DAYS,
    })
