"""Filters of the registry API (django-filter)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from portal.api.filtering import IntegerFilter

from .models import District, Enterprise, Industry, Spectrum


class EnterpriseFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(
        method="filter_district", label=_("district code (includes everything below it)")
    )
    industry = django_filters.CharFilter(
        field_name="industry__code", lookup_expr="startswith", label=_("industry code prefix")
    )
    spectrum = IntegerFilter(field_name="spectrum_id", label=_("spectrum"))
    is_key_project = django_filters.BooleanFilter(label=_("key project"))
    search = django_filters.CharFilter(method="filter_search", label=_("name or credit code"))

    class Meta:
        model = Enterprise
        fields = ["district", "industry", "spectrum", "is_key_project", "search"]

    def filter_district(self, queryset, name, value):
        return queryset.filter(district__path__contains=f"/{value.strip()}/")

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


class DistrictFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id")
    level = django_filters.ChoiceFilter(choices=District.Level.choices)
    risk_level = django_filters.ChoiceFilter(choices=District.RiskLevel.choices)

    class Meta:
        model = District
        fields = ["parent", "level", "risk_level"]


class IndustryFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id")
    level = django_filters.ChoiceFilter(choices=Industry.Level.choices)
    code = django_filters.CharFilter(field_name="code", lookup_expr="startswith")

    class Meta:
        model = Industry
        fields = ["parent", "level", "code"]


class SpectrumFilterSet(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district_id")

    class Meta:
        model = Spectrum
        fields = ["district"]
