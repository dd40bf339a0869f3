"""Filters of the liaison API."""

import django_filters

from .models import Assignment, HelpRequest, PolicyNote, Task, Visit


class AssignmentFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter(method="filter_active")

    class Meta:
        model = Assignment
        fields = ["official", "kind", "spectrum", "enterprise", "active"]

    def filter_active(self, queryset, name, value):
        active = queryset.active()
        return active if value else queryset.exclude(pk__in=active.values("pk"))


class PolicyNoteFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search")
    valid = django_filters.BooleanFilter(method="filter_valid")

    class Meta:
        model = PolicyNote
        fields = ["district", "search", "valid"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_valid(self, queryset, name, value):
        valid = queryset.valid_on()
        return valid if value else queryset.exclude(pk__in=valid.values("pk"))


class HelpRequestFilterSet(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = HelpRequest
        fields = ["enterprise", "status", "priority", "category", "assignee", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class VisitFilterSet(django_filters.FilterSet):
    since = django_filters.DateFilter(field_name="visited_at", lookup_expr="date__gte")

    class Meta:
        model = Visit
        fields = ["enterprise", "official", "kind", "filing", "since"]


class TaskFilterSet(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Task
        fields = ["enterprise", "status", "owner", "official", "source", "visit", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue()
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))
