"""Admin for liaison work: assignments, the help-request triage, the policy library, visits
and task lists."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from portal.admin import TrackedAdmin
from portal.models import JournalEntry
from portal.roles import Role

from . import services
from .models import Assignment, HelpRequest, PolicyNote, Task, Visit, VisitPhoto, checklist_keys


@admin.register(Assignment)
class AssignmentAdmin(TrackedAdmin):
    list_display = ("official", "kind", "spectrum", "enterprise", "active_from", "active_to")
    list_filter = ("kind", "active_from")
    search_fields = (
        "official__username",
        "official__display_name",
        "spectrum__name",
        "enterprise__name",
    )
    list_select_related = ("official", "spectrum", "enterprise")
    autocomplete_fields = ("official", "spectrum", "enterprise")
    date_hierarchy = "active_from"


class OverdueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return (("overdue", _("overdue")), ("today", _("due today")))

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value() == "today":
            return queryset.due_today()
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return (("me", _("assigned to me")), ("none", _("unassigned")))

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset


class _EnterpriseFacetFilter(admin.SimpleListFilter):
    """A filter on the request's enterprise's district or spectrum whose choices are those
    of the enterprises the official may see: read from the registry (thousands of rows),
    not from the requests (hundreds of thousands), as RelatedOnlyFieldListFilter would."""

    model = None
    path = ""

    def lookups(self, request, model_admin):
        from enterprises.models import Enterprise

        present = Enterprise.objects.visible_to(request.user).values(self.path)
        return [(str(obj.pk), str(obj)) for obj in
                self.model.objects.filter(pk__in=present).order_by("name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"enterprise__{self.path}": self.value()})
        return queryset


class DistrictFilter(_EnterpriseFacetFilter):
    title = _("district")
    parameter_name = "district"
    path = "district"

    @property
    def model(self):
        from enterprises.models import District

        return District


class SpectrumFilter(_EnterpriseFacetFilter):
    title = _("spectrum")
    parameter_name = "spectrum"
    path = "spectrum"

    @property
    def model(self):
        from enterprises.models import Spectrum

        return Spectrum


class CappedCountPaginator(Paginator):
    """A paginator that counts the rows only up to `cap`: on 100k requests a full COUNT
    costs more than the page itself. Up to the cap the count is exact; beyond it `capped`
    is set and the page links reach the cap (the pagination template says "more than")."""

    def __init__(self, object_list, per_page, *, cap: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap
        self.capped = False

    @cached_property
    def count(self):
        counted = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)


# Pages the pager reaches beyond the one shown before it says "more".
PAGES_AHEAD = 9


def _messages_of(error) -> str:
    return "; ".join(getattr(error, "messages", None) or [str(error)])


@admin.register(HelpRequest)
class HelpRequestAdmin(TrackedAdmin):
    """The officials' daily triage: what is due, for whom, and one click through the
    services for each step. Rows are the enterprises the official serves."""

    # Fits 1280 px beside the navigation and the filters: the title is the link.
    list_display = ("title", "enterprise", "category", "priority", "status_badge",
                    "due_badge", "assignee")
    list_display_links = ("title",)
    list_filter = ("status", "priority", "category", OverdueFilter, AssigneeFilter,
                   DistrictFilter, SpectrumFilter)
    search_fields = ("enterprise__name", "enterprise__credit_code", "title")
    list_select_related = ("enterprise", "assignee")
    autocomplete_fields = ("enterprise",)
    show_full_result_count = False
    # Facet counts run a COUNT per filter choice over every row in scope: not on 100k.
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    actions = ["assign_to_me", "start", "resolve", "reassign", "release"]

    class Media:
        css = {"all": ("liaisons/admin.css",)}
    fields = ("enterprise", "category", "priority", "title", "description", "status",
              "assignee", "due_at", "first_response_at", "resolved_at", "closed_at",
              "resolution", "rejection_reason", "reopened_count", "history",
              "version", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "history")

    def get_paginator(self, request, queryset, per_page, orphans=0,
                      allow_empty_first_page=True):
        try:
            page = max(int(request.GET.get(PAGE_VAR, 1)), 1)
        except ValueError:
            page = 1
        return CappedCountPaginator(queryset, per_page, orphans=orphans,
                                    allow_empty_first_page=allow_empty_first_page,
                                    cap=(page + PAGES_AHEAD) * per_page)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="badge badge-{}">{}</span>', obj.status,
                           obj.get_status_display())

    @admin.display(description=_("due"), ordering="due_at")
    def due_badge(self, obj):
        local = timezone.localtime(obj.due_at)
        text = local.strftime("%m-%d %H:%M")
        if not obj.is_pending:
            return text
        now = timezone.now()
        if obj.due_at < now:
            return format_html('<span class="badge badge-overdue" title="{}">{} · {}</span>',
                               _("overdue"), text, _("overdue"))
        if local.date() == timezone.localdate():
            return format_html('<span class="badge badge-today">{} · {}</span>', text,
                               _("today"))
        return text

    @admin.display(description=_("history"))
    def history(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        entries = JournalEntry.objects.filter(
            object_type="liaisons.helprequest", object_id=str(obj.pk)
        ).order_by("seq")[:200]
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), e.actor_label, e.action,
              ", ".join(sorted(e.changes))) for e in entries),
        )
        return format_html('<table class="history"><tbody>{}</tbody></table>', rows)

    # --- bulk actions: confirmed first, then one service call per request ---------------
    def _confirmed(self, request, queryset, title, extra_form=None):
        """None once the official confirmed (the POST carries `confirm`), else the page."""
        if request.POST.get("confirm") == "yes" and (extra_form is None or extra_form.is_valid()):
            return None
        return TemplateResponse(request, "admin/liaisons/helprequest/confirm_action.html", {
            **self.admin_site.each_context(request),
            "title": title, "queryset": queryset, "opts": self.model._meta,
            "action": request.POST.get("action"), "form": extra_form,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        })

    def _each(self, request, queryset, call, done_message):
        done = 0
        for help_request in queryset.order_by("pk"):
            try:
                call(help_request)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{help_request}: {_messages_of(error)}",
                                  messages.ERROR)
        self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Assign the selected requests to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        page = self._confirmed(request, queryset, _("Assign these requests to you?"))
        if page is not None:
            return page
        self._each(request, queryset, lambda r: services.help_request_assign(
            help_request=r, actor=request.user, assignee=request.user),
            _("%(count)d request(s) assigned to you."))

    @admin.action(description=_("Start the selected requests"), permissions=["change"])
    def start(self, request, queryset):
        page = self._confirmed(request, queryset, _("Start work on these requests?"))
        if page is not None:
            return page
        self._each(request, queryset, lambda r: services.help_request_start(
            help_request=r, actor=request.user), _("%(count)d request(s) started."))

    @admin.action(description=_("Resolve the selected requests with a note"),
                  permissions=["change"])
    def resolve(self, request, queryset):
        form = ResolveForm(request.POST if request.POST.get("confirm") else None)
        page = self._confirmed(request, queryset, _("Resolve these requests?"), form)
        if page is not None:
            return page
        data = form.cleaned_data
        self._each(request, queryset, lambda r: services.help_request_resolve(
            help_request=r, actor=request.user, resolution=data["resolution"],
            policy_note=data.get("policy_note")), _("%(count)d request(s) resolved."))

    @admin.action(description=_("Reassign the selected requests"), permissions=["change"])
    def reassign(self, request, queryset):
        form = ReassignForm(request.POST if request.POST.get("confirm") else None)
        page = self._confirmed(request, queryset, _("Reassign these requests?"), form)
        if page is not None:
            return page
        assignee = form.cleaned_data["assignee"]
        self._each(request, queryset, lambda r: services.help_request_assign(
            help_request=r, actor=request.user, assignee=assignee),
            _("%(count)d request(s) reassigned."))


    @admin.action(description=_("Put the selected requests back in the unassigned queue"),
                  permissions=["change"])
    def release(self, request, queryset):
        form = ReleaseForm(request.POST if request.POST.get("confirm") else None)
        page = self._confirmed(request, queryset, _("Put these requests back in the queue?"),
                               form)
        if page is not None:
            return page
        reason = form.cleaned_data["reason"]
        self._each(request, queryset, lambda r: services.help_request_release(
            help_request=r, actor=request.user, reason=reason),
            _("%(count)d request(s) put back in the unassigned queue."))


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("resolution"), widget=forms.Textarea(attrs={"rows": 3}))
    policy_note = forms.ModelChoiceField(label=_("policy note"), required=False,
                                         queryset=PolicyNote.objects.all())


class ReassignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("assignee"),
        queryset=get_user_model().objects.filter(groups__name=Role.LIAISON, is_active=True),
    )


@admin.register(PolicyNote)
class PolicyNoteAdmin(TrackedAdmin):
    list_display = ("title", "source", "valid_from", "valid_to", "district")
    list_filter = ("valid_from", ("district", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "text", "source")
    list_select_related = ("district",)
    autocomplete_fields = ("district",)


# --- visits ------------------------------------------------------------------------------------

CHECK_CHOICES = (("", _("not checked")), ("yes", _("in place")), ("no", _("missing")))
CHECK_LABELS = {
    "screening": _("screening"),
    "dedicated_staff": _("dedicated staff, funds and posts"),
    "isolation_area": _("isolation area"),
    "masks": _("masks"),
    "disinfection": _("disinfection supplies"),
    "closed_management": _("closed management"),
    "temperature_checks": _("temperature checks"),
    "visitor_registration": _("visitor registration"),
    "health_code_checks": _("health-code checks"),
}


class ChecklistWidget(forms.MultiWidget):
    """One select per checklist item: in place, missing, or not checked."""

    template_name = "liaisons/widgets/checklist.html"

    def __init__(self, attrs=None):
        super().__init__([forms.Select(choices=CHECK_CHOICES) for _key in checklist_keys()],
                         attrs)

    def decompress(self, value):
        value = value or {}
        return [{True: "yes", False: "no"}.get(value.get(key), "") for key in checklist_keys()]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, key in zip(context["widget"]["subwidgets"], checklist_keys(),
                                  strict=True):
            subwidget["label"] = CHECK_LABELS.get(key, key)
        return context


class ChecklistField(forms.MultiValueField):
    widget = ChecklistWidget

    def __init__(self, **kwargs):
        super().__init__(
            fields=[forms.ChoiceField(choices=CHECK_CHOICES, required=False)
                    for _key in checklist_keys()],
            require_all_fields=False, required=False, **kwargs,
        )

    def compress(self, data_list):
        data_list = data_list or [""] * len(checklist_keys())
        return {key: {"yes": True, "no": False}.get(value)
                for key, value in zip(checklist_keys(), data_list, strict=True)}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once; each is checked by content (`check_upload`) on clean."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        from filings.validators import check_upload

        files = data if isinstance(data, list | tuple) else [data] if data else []
        for upload in files:
            try:
                checked = check_upload(upload)
            except ValidationError as error:
                raise ValidationError(f"{upload.name}: {_messages_of(error)}") from error
            if checked.content_type not in services.visit.PHOTO_TYPES:
                raise ValidationError(_("%(name)s: a visit photo is a JPEG or PNG image.")
                                      % {"name": upload.name})
        return list(files)

    def has_changed(self, initial, data):
        return bool(data)


class VisitForm(forms.ModelForm):
    checklist = ChecklistField(label=_("checklist"))
    add_photos = PhotosField(label=_("add photos"), required=False,
                             help_text=_("JPEG or PNG, at most 10 MB each."))

    class Meta:
        model = Visit
        fields = ("enterprise", "visited_at", "checklist", "findings")


@admin.register(Visit)
class VisitAdmin(TrackedAdmin):
    """Visits of the enterprises the official serves; a filing's on-site confirmation is
    listed here as a visit of its own kind."""

    form = VisitForm
    list_display = ("visited_at", "enterprise", "official", "kind", "found", "photo_count")
    list_filter = ("kind", "visited_at")
    search_fields = ("enterprise__name", "enterprise__credit_code", "official__username",
                     "official__display_name", "findings")
    list_select_related = ("enterprise", "official")
    autocomplete_fields = ("enterprise",)
    date_hierarchy = "visited_at"
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    class Media:
        css = {"all": ("liaisons/admin.css",)}
    fields = ("enterprise", "visited_at", "checklist", "findings", "add_photos", "photo_list",
              "kind", "official", "filing", "confirmation", "version", "created_at",
              "updated_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(photo_total=Count("photos"))

    def get_changeform_initial_data(self, request):
        return {"visited_at": timezone.now(), **super().get_changeform_initial_data(request)}

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:  # what the service sets is shown once the visit is recorded
            return ["enterprise", "visited_at", "checklist", "findings", "add_photos"]
        if not self.has_change_permission(request, obj):
            fields = [name for name in fields if name != "add_photos"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        fixed = tuple(name for name in super().get_readonly_fields(request, obj)
                      if name != "add_photos")
        return (*fixed, "photo_list")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.kind == Visit.Kind.RESUMPTION_CONFIRMATION:
            return False  # the filing's record: changed by confirming the filing again
        return super().has_change_permission(request, obj)

    @admin.display(description=_("found in place"))
    def found(self, obj):
        present, checked = obj.checked
        return f"{present}/{checked}" if checked else "—"

    @admin.display(description=_("photos"), ordering="photo_total")
    def photo_count(self, obj):
        return getattr(obj, "photo_total", None) or "—"

    @admin.display(description=_("photos"))
    def photo_list(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        photos = list(VisitPhoto.objects.filter(visit=obj).order_by("pk"))
        if not photos:
            return "—"
        return format_html_join(
            " ", '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" '
            'class="visit-photo" height="96"></a>',
            ((url, url, photo.original_name) for photo in photos
             for url in [reverse("liaisons:visit-photo", args=[obj.pk, photo.pk])]),
        )

    def save_model(self, request, obj, form, change):
        # The photos are objects of their own, added through their service once the visit
        # is saved: not a field of the visit's update.
        photos = form.cleaned_data.pop("add_photos", None) or ()
        super().save_model(request, obj, form, change)
        for upload in photos:
            services.visit_photo_add(visit=Visit(pk=obj.pk), actor=request.user,
                                     upload=upload)


# --- task lists ----------------------------------------------------------------------------------


class TaskDueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return (("overdue", _("overdue")), ("week", _("due within a week")))

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value() == "week":
            today = timezone.localdate()
            return queryset.filter(status=Task.Status.OPEN, due_date__gte=today,
                                   due_date__lte=today + datetime.timedelta(days=7))
        return queryset


class TaskMineFilter(admin.SimpleListFilter):
    title = _("whose")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return (("owned", _("owned by me")), ("set", _("set by me")))

    def queryset(self, request, queryset):
        if self.value() == "owned":
            return queryset.filter(official=request.user)
        if self.value() == "set":
            return queryset.filter(set_by=request.user)
        return queryset


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ("enterprise", "title", "description", "owner", "official", "due_date",
                  "source", "visit", "meeting")
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


@admin.register(Task)
class TaskAdmin(TrackedAdmin):
    """Task lists of the enterprises the official serves: what is open, done (to verify)
    and verified, with bulk close and verify through the services."""

    form = TaskForm
    list_display = ("title", "enterprise", "owner_label", "due_badge", "status_badge",
                    "source")
    list_filter = ("status", TaskDueFilter, TaskMineFilter, "owner", "source")
    search_fields = ("title", "enterprise__name", "enterprise__credit_code", "meeting")
    list_select_related = ("enterprise", "official")
    autocomplete_fields = ("enterprise", "visit")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    class Media:
        css = {"all": ("liaisons/admin.css",)}
    actions = ["close", "verify"]
    fields = ("enterprise", "title", "description", "owner", "official", "due_date",
              "source", "visit", "meeting", "status", "set_by", "done_at", "done_note",
              "verified_at", "verified_by", "version", "created_at", "updated_at")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "official":
            kwargs["queryset"] = get_user_model().objects.filter(groups__name=Role.LIAISON,
                                                                 is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("owner"), ordering="owner")
    def owner_label(self, obj):
        if obj.owner == Task.Owner.OFFICIAL and obj.official is not None:
            return obj.official
        return obj.get_owner_display()

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="badge badge-{}">{}</span>', obj.status,
                           obj.get_status_display())

    @admin.display(description=_("due date"), ordering="due_date")
    def due_badge(self, obj):
        text = obj.due_date.isoformat()
        if obj.is_overdue:
            return format_html('<span class="badge badge-overdue">{} · {}</span>', text,
                               _("overdue"))
        return text

    def _confirmed(self, request, queryset, title, extra_form=None):
        if request.POST.get("confirm") == "yes" and (extra_form is None or extra_form.is_valid()):
            return None
        return TemplateResponse(request, "admin/liaisons/confirm_action.html", {
            **self.admin_site.each_context(request),
            "title": title, "queryset": queryset, "opts": self.model._meta,
            "action": request.POST.get("action"), "form": extra_form,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        })

    def _each(self, request, queryset, call, done_message):
        done = 0
        for task in queryset.order_by("pk"):
            try:
                call(task)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{task}: {_messages_of(error)}", messages.ERROR)
        self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Report the selected tasks done"), permissions=["change"])
    def close(self, request, queryset):
        form = TaskCloseForm(request.POST if request.POST.get("confirm") else None)
        page = self._confirmed(request, queryset, _("Report these tasks done?"), form)
        if page is not None:
            return page
        note = form.cleaned_data["note"]
        self._each(request, queryset, lambda t: services.task_close(
            task=t, actor=request.user, note=note), _("%(count)d task(s) reported done."))

    @admin.action(description=_("Verify the selected tasks"), permissions=["change"])
    def verify(self, request, queryset):
        page = self._confirmed(request, queryset, _("Verify these tasks as done?"))
        if page is not None:
            return page
        self._each(request, queryset, lambda t: services.task_verify(
            task=t, actor=request.user), _("%(count)d task(s) verified."))


class TaskCloseForm(forms.Form):
    note = forms.CharField(label=_("what was done"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
