"""Filters of the filings API (django-filter)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from portal.api.filtering import IntegerFilter

from .models import Filing


class FilingFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Filing.Status.choices)
    enterprise = IntegerFilter(field_name="enterprise_id", label=_("enterprise"))
    district = django_filters.CharFilter(
        method="filter_district", label=_("district code (includes everything below it)")
    )
    spectrum = IntegerFilter(field_name="enterprise__spectrum_id", label=_("spectrum"))
    number = django_filters.CharFilter(field_name="number", lookup_expr="startswith",
                                       label=_("filing number"))

    class Meta:
        model = Filing
        fields = ["status", "enterprise", "district", "spectrum", "number"]

    def filter_district(self, queryset, name, value):
        return queryset.filter(enterprise__district__path__contains=f"/{value.strip()}/")
