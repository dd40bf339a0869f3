"""Admin for accounts and the journal, and the base class for tracked models' admins."""

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from . import tracking
from .accounts import admin as accounts_admin
from .exceptions import PreconditionFailed
from .models import (
    Delivery,
    JournalAnchor,
    JournalCheckpoint,
    JournalEntry,
    JournalVerification,
)


class TrackedAdmin(admin.ModelAdmin):
    """Admin whose rows are scoped by `visible_to` and whose writes go through the services
    the model is bound to (`portal.tracking.track(..., writes=...)`), as the API's do.

    A field no bound service changes is read-only on the change form (and one the create
    service does not take, on the add form), so an edit is never accepted and then
    dropped; without a create or delete service there is no add or delete.
    """

    readonly_fields = ("version", "created_at", "updated_at")

    @property
    def tracked(self) -> tracking.Tracked:
        return tracking.spec_for(self.model)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).visible_to(request.user)
        return (
            queryset.select_related(*self.list_select_related)
            if self.list_select_related
            else queryset
        )

    def _model_fields(self) -> list[str]:
        """The fields a form of this admin could show: those it lists, or every editable
        model field."""
        if self.fields:
            return [name for name in flatten(self.fields) if isinstance(name, str)]
        return [field.name for field in self.model._meta.get_fields()
                if getattr(field, "editable", False) and not field.auto_created
                and (field.concrete or field.many_to_many)]

    def get_readonly_fields(self, request, obj=None):
        writes = self.tracked.writes
        if obj is not None:
            bound = writes.updatable
        elif writes.create_fields is not None:
            bound = writes.create_fields
        else:
            bound = None
        fixed = () if bound is None else tuple(
            name for name in self._model_fields() if name not in bound
        )
        declared = super().get_readonly_fields(request, obj)
        return (*declared, *(name for name in fixed if name not in declared))

    def has_add_permission(self, request):
        return self.tracked.writes.create is not None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return bool(self.tracked.writes.update) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (self.tracked.writes.delete is not None
                and super().has_delete_permission(request, obj))

    def save_model(self, request, obj, form, change):
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data
                      if name in form.cleaned_data}
            saved = self.tracked.update(obj, actor=request.user, fields=fields, pristine=False)
        else:
            saved = self.tracked.create(actor=request.user, fields=dict(form.cleaned_data))
        # The admin goes on to use `obj` (messages, redirect, inlines): point it at the saved row.
        obj.pk = saved.pk
        obj.version = saved.version

    def delete_model(self, request, obj):
        self.tracked.delete(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.tracked.delete(obj, actor=request.user)

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (ValidationError, PreconditionFailed) as error:
            text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, text, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# Users, groups and API tokens: their admins write through the account services.
accounts_admin.register(admin.site)


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


@admin.register(JournalCheckpoint)
class JournalCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("seq", "hash", "signed_at", "key_id", "trigger", "actor")
    list_filter = ("trigger", "key_id")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The outbox, read-only: what failed after every attempt, and what is still due."""

    list_display = ("notification", "recipient", "channel", "status", "attempts",
                    "next_attempt_at", "sent_at", "last_error")
    list_filter = ("status", "channel")
    list_select_related = ("notification__recipient",)
    search_fields = ("notification__title", "notification__recipient__username")
    show_full_result_count = False

    @admin.display(description=_("recipient"))
    def recipient(self, delivery):
        return delivery.notification.recipient
