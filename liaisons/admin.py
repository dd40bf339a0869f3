"""Admin for assignments: who serves which spectrum or enterprise."""

from django.contrib import admin

from portal.admin import TrackedAdmin

from . import services
from .models import Assignment


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

    def create_object(self, request, fields):
        return services.assignment_create(actor=request.user, **fields)

    def update_object(self, request, obj, fields):
        return services.assignment_update(assignment=obj, actor=request.user, fields=fields)

    def delete_object(self, request, obj):
        services.assignment_delete(assignment=obj, actor=request.user)
