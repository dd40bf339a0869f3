"""Admin for the negative list (drafts edited, then published) and for liaisons' work on
filings. Scoped by visible_to; every write goes through the services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin import TrackedAdmin

from . import services
from .models import Attachment, Confirmation, Filing, NegativeList, NegativeListEntry

ENTRY_FIELDS = ("industry", "name", "reason", "district")


class NegativeListEntryInline(admin.TabularInline):
    model = NegativeListEntry
    extra = 0
    fields = ENTRY_FIELDS
    autocomplete_fields = ("industry", "district")

    def _draft(self, obj):
        return obj is None or not obj.is_published

    def has_add_permission(self, request, obj=None):
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)


@admin.register(NegativeList)
class NegativeListAdmin(TrackedAdmin):
    """Edit a draft version with its entries, then publish it (an action): a published
    version is read-only here and refused by the services."""

    list_display = ("number", "title", "effective_from", "published_at", "published_by")
    list_display_links = ("number", "title")
    list_select_related = ("published_by",)
    fields = ("number", "title", "effective_from", "note", "published_at", "published_by",
              "version", "created_at", "updated_at")
    inlines = [NegativeListEntryInline]
    actions = ["publish", "copy_as_draft"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request):
        return request.user.has_perm("filings.change_negativelist")

    def save_formset(self, request, form, formset, change):
        """Entries are added, changed and removed through the services, one by one."""
        parent = form.instance
        # What the admin's change message reads (formset.save() would set these).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for entry_form in formset.forms:
            entry = entry_form.instance
            if formset.can_delete and formset._should_delete_form(entry_form):
                if entry.pk:
                    services.negative_list_entry_remove(entry=entry, actor=request.user)
                    formset.deleted_objects.append(entry)
                continue
            if not entry_form.has_changed():
                continue
            data = {name: entry_form.cleaned_data.get(name) for name in ENTRY_FIELDS}
            if entry.pk:
                changed = [name for name in entry_form.changed_data if name in data]
                saved = services.negative_list_entry_update(
                    entry=entry, actor=request.user,
                    fields={name: data[name] for name in changed},
                )
                formset.changed_objects.append((saved, changed))
            else:
                formset.new_objects.append(services.negative_list_entry_add(
                    negative_list=parent, actor=request.user, **data
                ))

    @admin.action(description=_("Publish the selected draft (revokes filings it forbids)"),
                  permissions=["publish"])
    def publish(self, request, queryset):
        for negative_list in queryset.order_by("number"):
            try:
                publication = services.negative_list_publish(
                    negative_list=negative_list, actor=request.user
                )
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
                continue
            count = len(publication.revoked)
            self.message_user(request, ngettext(
                "Version %(number)s published; %(count)d filing revoked.",
                "Version %(number)s published; %(count)d filings revoked.",
                count,
            ) % {"number": negative_list.number, "count": count}, messages.SUCCESS)

    @admin.action(description=_("Copy as a new draft version"), permissions=["add"])
    def copy_as_draft(self, request, queryset):
        for negative_list in queryset.order_by("number"):
            draft = services.negative_list_create(
                actor=request.user, title=negative_list.title, note=negative_list.note,
                copy_from=negative_list,
            )
            self.message_user(request, _("Draft version %(number)s created.")
                              % {"number": draft.number}, messages.SUCCESS)


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("original_name", "content_type", "size", "sha256", "uploaded_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ConfirmationInline(admin.TabularInline):
    model = Confirmation
    extra = 0
    fields = ("created_at", "confirmed_by", "outcome", "checklist", "items", "deadline", "notes")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Filing)
class FilingAdmin(TrackedAdmin):
    """Liaisons' view of filings: read-only rows; decisions through the actions and the
    confirmation page (checklist, outcome, rectification)."""

    list_display = ("__str__", "enterprise", "status", "district", "spectrum", "submitted_at",
                    "decided_at")
    list_filter = (
        "status",
        ("enterprise__district", admin.RelatedOnlyFieldListFilter),
        ("enterprise__spectrum", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("number", "enterprise__name", "enterprise__credit_code")
    list_select_related = ("enterprise__district", "enterprise__spectrum")
    inlines = [ConfirmationInline, AttachmentInline]
    actions = ["approve_review"]
    show_full_result_count = False
    exclude = ("commitment_text",)
    readonly_fields = ("liaison_page", "commitment_text_display")

    @admin.display(description=_("district"), ordering="enterprise__district")
    def district(self, obj):
        return obj.enterprise.district.name

    @admin.display(description=_("spectrum"))
    def spectrum(self, obj):
        return obj.enterprise.spectrum or "—"

    @admin.display(description=_("Review or confirm"))
    def liaison_page(self, obj):
        url = reverse("filings:confirm", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the confirmation page"))

    @admin.display(description=_("commitment text"))
    def commitment_text_display(self, obj):
        return format_html('<div style="white-space: pre-wrap">{}</div>', obj.commitment_text)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        return request.user.has_perm("filings.change_filing")

    @admin.action(description=_("Approve the selected filings held for review"),
                  permissions=["review"])
    def approve_review(self, request, queryset):
        approved = 0
        for filing in queryset.filter(status=Filing.Status.NEEDS_REVIEW):
            try:
                services.filing_review(filing=filing, actor=request.user, approve=True)
                approved += 1
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{filing}: {text}", messages.ERROR)
        self.message_user(request, ngettext(
            "%(count)d filing approved.", "%(count)d filings approved.", approved
        ) % {"count": approved}, messages.SUCCESS)
