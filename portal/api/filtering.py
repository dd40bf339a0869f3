"""django-filter for the API, with number filters kept inside what the database can hold.

A number filter takes any decimal up to 1e50; a huge id reached the database and failed
there (SQLite: "Python int too large", PostgreSQL: out of range) as a 500. Bounded to
64-bit integers, such a value is a 400 naming the parameter.
"""

from django import forms
from django_filters import NumberFilter
from django_filters.rest_framework import DjangoFilterBackend

INT64_MAX = 2**63 - 1


class IntegerFilter(NumberFilter):
    """A whole number (an id): `1.5` is a 400, not enterprise 1 (the schema says integer)."""

    field_class = forms.IntegerField


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        # Without query parameters every filter is empty and the FilterSet changes nothing:
        # it is not built (a copy of every filter and a bound form) for every object read.
        if not request.query_params:
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            # Filters are this instance's own copies, made before their form fields.
            for filter_ in filterset.filters.values():
                if isinstance(filter_, NumberFilter):
                    filter_.extra.setdefault("min_value", -INT64_MAX)
                    filter_.extra.setdefault("max_value", INT64_MAX)
        return filterset
