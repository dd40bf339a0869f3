"""Admin for users, groups (roles) and API tokens; every write goes through the account
services, so each change is journaled (registered from portal/admin.py)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import tokens
from portal.models import ApiToken, User

from . import forms, services


def _text(error: ValidationError) -> str:
    return "; ".join(error.messages)


class ServiceErrorsAdmin(admin.ModelAdmin):
    """A service's refusal (ValidationError) is a message on the page it came from."""

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ValidationError as error:
            self.message_user(request, _text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            self.message_user(request, _text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_related(self, request, form, formsets, change):
        # The service saved the form's many-to-many fields with the object, journaled.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_service(self, request, obj):  # pragma: no cover - overridden
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.delete_service(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                self.delete_service(request, obj)
            except ValidationError as error:
                self.message_user(request, _text(error), messages.ERROR)


class UserAdmin(ServiceErrorsAdmin, BaseUserAdmin):
    change_password_form = forms.AdminPasswordForm
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("display_name", "phone")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("username", "display_name", "email", "is_active", "is_staff")
    search_fields = ("username", "display_name", "email", "phone")
    actions = ["revoke_api_tokens"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser makes superusers or grants permissions outside the roles.
            fields += ["is_superuser", "user_permissions"]
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in form.changed_data
                      if name in services.USER_FIELDS and name in data}
            saved = services.user_update(user=obj, actor=request.user, fields=fields)
        else:
            usable = data.get("set_usable_password", True)
            saved = services.user_create(
                actor=request.user, username=data["username"],
                password=data.get("password1") if usable else None,
            )
        obj.pk, obj.password = saved.pk, saved.password

    def delete_service(self, request, obj):
        services.user_delete(user=obj, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        actor = forms.admin_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            forms.admin_actor.reset(actor)

    @admin.action(description=_("Revoke the API tokens of the selected users"),
                  permissions=["change"])
    def revoke_api_tokens(self, request, queryset):
        count = sum(
            tokens.user_tokens_revoke(user=user, actor=request.user, reason=tokens.Reason.REVOKED)
            for user in queryset
        )
        self.message_user(request, ngettext(
            "%(count)d token revoked.", "%(count)d tokens revoked.", count,
        ) % {"count": count}, messages.SUCCESS)


class GroupAdmin(ServiceErrorsAdmin, BaseGroupAdmin):
    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in form.changed_data
                      if name in services.GROUP_FIELDS and name in data}
            saved = services.group_update(group=obj, actor=request.user, fields=fields)
        else:
            saved = services.group_create(
                actor=request.user, name=data["name"], permissions=data.get("permissions", ()),
            )
        obj.pk = saved.pk

    def delete_service(self, request, obj):
        services.group_delete(group=obj, actor=request.user)


class ApiTokenAdmin(ServiceErrorsAdmin):
    """Everyone's tokens, by their first characters only; deleting one revokes it."""

    list_display = ("__str__", "user", "name", "created_at", "last_used_at", "expires_at")
    list_select_related = ("user",)
    search_fields = ("prefix", "user__username", "name")
    fields = ("user", "prefix", "name", "created_at", "last_used_at", "expires_at")
    readonly_fields = fields
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # tokens are issued by signing in, to whoever signs in

    def has_change_permission(self, request, obj=None):
        return False

    def delete_service(self, request, obj):
        tokens.token_revoke(token=obj, actor=request.user)


def register(site: admin.AdminSite) -> None:
    site.register(User, UserAdmin)
    if site.is_registered(Group):
        site.unregister(Group)
    site.register(Group, GroupAdmin)
    site.register(ApiToken, ApiTokenAdmin)
