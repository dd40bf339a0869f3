"""Admin for the registry: scoped by visible_to, every write through the services."""

from django.contrib import admin

from portal.admin import TrackedAdmin

from . import services
from .models import District, Enterprise, Industry, Jurisdiction, Membership, Spectrum


@admin.register(District)
class DistrictAdmin(TrackedAdmin):
    list_display = ("code", "name", "level", "parent", "risk_level", "risk_since")
    list_filter = ("level", "risk_level")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = (*TrackedAdmin.readonly_fields, "risk_since")

    def get_readonly_fields(self, request, obj=None):
        fixed = ("code", "level", "parent") if obj else ()
        return (*self.readonly_fields, *fixed)

    def create_object(self, request, fields):
        fields.pop("risk_level", None)
        return services.district_create(actor=request.user, **fields)

    def update_object(self, request, obj, fields):
        if "risk_level" in fields:
            obj = services.district_set_risk_level(
                district=obj, risk_level=fields.pop("risk_level"), actor=request.user
            )
        return obj

    def delete_object(self, request, obj):
        raise PermissionError("Districts are not deleted.")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Spectrum)
class SpectrumAdmin(TrackedAdmin):
    list_display = ("name", "district", "version", "updated_at")
    list_filter = ("district",)
    search_fields = ("name",)
    list_select_related = ("district",)
    autocomplete_fields = ("district",)

    def create_object(self, request, fields):
        return services.spectrum_create(actor=request.user, **fields)

    def update_object(self, request, obj, fields):
        return services.spectrum_update(spectrum=obj, actor=request.user, fields=fields)

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "title", "created_at")
    readonly_fields = ("user", "title", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(TrackedAdmin):
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

    def create_object(self, request, fields):
        return services.enterprise_create(actor=request.user, **fields)

    def update_object(self, request, obj, fields):
        return services.enterprise_update(enterprise=obj, actor=request.user, fields=fields)

    def delete_object(self, request, obj):
        services.enterprise_delete(enterprise=obj, actor=request.user)


@admin.register(Membership)
class MembershipAdmin(TrackedAdmin):
    list_display = ("user", "enterprise", "title", "created_at")
    search_fields = ("user__username", "enterprise__name", "enterprise__credit_code")
    list_select_related = ("user", "enterprise")
    autocomplete_fields = ("user", "enterprise")

    def get_readonly_fields(self, request, obj=None):
        fixed = ("user", "enterprise") if obj else ()
        return (*self.readonly_fields, *fixed)

    def create_object(self, request, fields):
        return services.membership_add(actor=request.user, **fields)

    def update_object(self, request, obj, fields):
        return obj

    def delete_object(self, request, obj):
        services.membership_remove(membership=obj, actor=request.user)


@admin.register(Jurisdiction)
class JurisdictionAdmin(TrackedAdmin):
    list_display = ("user", "district", "created_at")
    search_fields = ("user__username", "district__name", "district__code")
    list_select_related = ("user", "district")
    autocomplete_fields = ("user", "district")

    def get_readonly_fields(self, request, obj=None):
        fixed = ("user", "district") if obj else ()
        return (*self.readonly_fields, *fixed)

    def create_object(self, request, fields):
        return services.jurisdiction_add(actor=request.user, **fields)

    def update_object(self, request, obj, fields):
        return obj

    def delete_object(self, request, obj):
        services.jurisdiction_remove(jurisdiction=obj, actor=request.user)
