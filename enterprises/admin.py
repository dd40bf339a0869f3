"""Admin for the registry: scoped by visible_to, every write through the services."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path, reverse
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from portal import exports
from portal.admin import ReadOnlyAdmin, TrackedAdmin
from portal.exports import JournaledExportMixin
from portal.roles import Role

from .models import District, Enterprise, Industry, Jurisdiction, Membership, Spectrum
from .resources import EnterpriseResource

# The session key under which the last import's errors wait to be downloaded.
IMPORT_ERRORS_SESSION_KEY = "enterprise_import_errors"


@admin.register(District)
class DistrictAdmin(TrackedAdmin):
    list_display = ("code", "name", "level", "parent", "risk_level", "risk_since")
    list_filter = ("level", "risk_level")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(Industry)
class IndustryAdmin(ReadOnlyAdmin):
    """The GB/T 4754-2017 classification: reference data loaded by a migration."""

    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")


@admin.register(Spectrum)
class SpectrumAdmin(TrackedAdmin):
    list_display = ("name", "district", "version", "updated_at")
    list_filter = ("district",)
    search_fields = ("name",)
    list_select_related = ("district",)
    autocomplete_fields = ("district",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "title", "created_at")
    readonly_fields = ("user", "title", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(JournaledExportMixin, ImportExportMixin, TrackedAdmin):
    """Enterprises; import goes through `enterprise_import` (all rows or none, journaled)."""

    list_display = (
        "name", "credit_code", "district", "industry", "spectrum", "employee_count",
        "is_key_project",
    )
    list_filter = ("is_key_project", "spectrum", ("district", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "credit_code", "contact_name")
    list_select_related = ("district", "industry", "spectrum")
    autocomplete_fields = ("industry", "district", "spectrum")
    inlines = [MembershipInline]
    show_full_result_count = False
    resource_classes = [EnterpriseResource]
    formats = [CSV, XLSX]
    import_template_name = "admin/enterprises/enterprise/import.html"
    import_error_display = ("message",)
    # The journal is the record of every import; no second log in django_admin_log.
    skip_admin_log = True

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def has_import_permission(self, request):
        return (
            request.user.has_role(Role.ADMIN)
            and self.has_add_permission(request)
            and self.has_change_permission(request)
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_urls(self):
        urls = [
            path(
                "import/errors/",
                self.admin_site.admin_view(self.import_errors_view),
                name="enterprises_enterprise_import_errors",
            ),
        ]
        return urls + super().get_urls()

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = getattr(response, "context_data", {}).get("result")
        outcome = getattr(result, "enterprise_import", None)
        if outcome is not None and outcome.errors:
            request.session[IMPORT_ERRORS_SESSION_KEY] = [
                [error.row, error.field, error.message] for error in outcome.errors
            ]
            response.context_data["error_file_url"] = reverse(
                "admin:enterprises_enterprise_import_errors", current_app=self.admin_site.name
            )
        return response

    def import_errors_view(self, request):
        """The last import's errors as CSV (row, field, message), for fixing the file."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="enterprise-import-errors.csv"'
        response.write("\ufeff")  # lets spreadsheet programs recognise UTF-8
        writer = exports.csv_writer(response)
        writer.writerow(["row", "field", "message"])
        writer.writerows(request.session.get(IMPORT_ERRORS_SESSION_KEY, []))
        return response


@admin.register(Membership)
class MembershipAdmin(TrackedAdmin):
    list_display = ("user", "enterprise", "title", "created_at")
    search_fields = ("user__username", "enterprise__name", "enterprise__credit_code")
    list_select_related = ("user", "enterprise")
    autocomplete_fields = ("user", "enterprise")


@admin.register(Jurisdiction)
class JurisdictionAdmin(TrackedAdmin):
    list_display = ("user", "district", "created_at")
    search_fields = ("user__username", "district__name", "district__code")
    list_select_related = ("user", "district")
    autocomplete_fields = ("user", "district")

