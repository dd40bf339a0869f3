"""Filters of the liaison API."""

import django_filters

from .models import Assignment


class AssignmentFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter(method="filter_active")

    class Meta:
        model = Assignment
        fields = ["official", "kind", "spectrum", "enterprise", "active"]

    def filter_active(self, queryset, name, value):
        active = queryset.active()
        return active if value else queryset.exclude(pk__in=active.values("pk"))
