"""Admin for accounts and the journal, and the base class for tracked models' admins."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from .exceptions import PreconditionFailed
from .models import JournalAnchor, JournalEntry, JournalVerification, User


class TrackedAdmin(admin.ModelAdmin):
    """Admin whose rows are scoped by `visible_to` and whose writes go through services.

    A subclass implements `create_object(request, fields)`, `update_object(request, obj,
    fields)` and `delete_object(request, obj)`, each one service call.
    """

    readonly_fields = ("version", "created_at", "updated_at")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).visible_to(request.user)
        return (
            queryset.select_related(*self.list_select_related)
            if self.list_select_related
            else queryset
        )

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
        }
        if change:
            saved = self.update_object(request, obj, fields)
        else:
            fields = {name: form.cleaned_data[name] for name in form.cleaned_data}
            saved = self.create_object(request, fields)
        # The admin goes on to use `obj` (messages, redirect, inlines): point it at the saved row.
        obj.pk = saved.pk
        obj.version = saved.version

    def delete_model(self, request, obj):
        self.delete_object(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_object(request, obj)

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (ValidationError, PreconditionFailed) as error:
            text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, text, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def create_object(self, request, fields):  # pragma: no cover - overridden
        raise NotImplementedError

    def update_object(self, request, obj, fields):  # pragma: no cover - overridden
        raise NotImplementedError

    def delete_object(self, request, obj):  # pragma: no cover - overridden
        raise NotImplementedError


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("display_name", "phone")}),
    )
    list_display = ("username", "display_name", "email", "is_active", "is_staff")
    search_fields = ("username", "display_name", "email", "phone")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "seq",
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "enterprise_id",
    )
    list_filter = ("object_type", "op", "action")
    search_fields = ("object_id", "actor_label", "action", "request_id")
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(JournalAnchor)
class JournalAnchorAdmin(ReadOnlyAdmin):
    list_display = ("seq", "hash", "at")


@admin.register(JournalVerification)
class JournalVerificationAdmin(ReadOnlyAdmin):
    list_display = ("finished_at", "ok", "trigger", "entries", "head_seq", "problem_count")
    list_filter = ("ok", "trigger")
    date_hierarchy = "finished_at"
