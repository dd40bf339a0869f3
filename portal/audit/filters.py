"""The journal's filters, shared by the audit pages, their CSV export and /api/v1/journal/."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import JournalEntry, User

# The journal begins with the portal (2020); a search date outside these years is a typo, and
# at the far end (9999-12-31) the day after it does not exist, so it is a 400 naming the field.
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class BoundedDateField(forms.DateField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators += [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


def _max_length(name: str) -> int:
    return JournalEntry._meta.get_field(name).max_length


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of `day` in the portal's time zone (Asia/Shanghai), as an aware datetime."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone()
    )


class JournalFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("at_from"), cleaned.get("at_to")
        if start and end and start > end:
            self.add_error("at_to", _("The end date is before the start date."))
        return cleaned


class JournalEntryFilterSet(django_filters.FilterSet):
    """enterprise (id), object type and id, action (exact, or a dotted prefix), actor (id or
    username), operation, and a range of dates in Asia/Shanghai, both ends included."""

    enterprise = IntegerFilter(field_name="enterprise_id", min_value=1, label=_("enterprise id"))
    # Text no longer than its column: PostgreSQL refuses to compare a varchar(64) with more.
    object_type = django_filters.CharFilter(
        field_name="object_type", label=_("object type"), max_length=_max_length("object_type")
    )
    object_id = django_filters.CharFilter(
        field_name="object_id", label=_("object id"), max_length=_max_length("object_id")
    )
    action = django_filters.CharFilter(
        method="filter_action",
        max_length=_max_length("action"),
        label=_("action"),
        help_text=_(
            "An exact action, or a prefix: “enterprises.enterprise” also matches "
            "“enterprises.enterprise.updated”; a trailing * matches any continuation."
        ),
    )
    actor = django_filters.CharFilter(
        method="filter_actor", label=_("actor"), help_text=_("user id or username"),
        max_length=User._meta.get_field("username").max_length,
    )
    op = django_filters.ChoiceFilter(choices=JournalEntry.Op.choices, label=_("operation"))
    at_from = BoundedDateFilter(
        method="filter_at_from",
        label=_("from date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    at_to = BoundedDateFilter(
        method="filter_at_to",
        label=_("to date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = JournalEntry
        fields = ["enterprise", "object_type", "object_id", "action", "actor", "op", "at_from",
                  "at_to"]
        form = JournalFilterForm

    def filter_action(self, queryset, name, value):
        value = value.strip()
        if value.endswith("*"):
            return queryset.filter(action__startswith=value.rstrip("*"))
        return queryset.filter(Q(action=value) | Q(action__startswith=value.rstrip(".") + "."))

    def filter_actor(self, queryset, name, value):
        value = value.strip()
        match = Q(actor_id__in=User.objects.filter(username=value).values("pk"))
        if value.isdigit():
            match |= Q(actor_id=int(value))
        return queryset.filter(match)

    def filter_at_from(self, queryset, name, value):
        return queryset.filter(at__gte=_day_start(value))

    def filter_at_to(self, queryset, name, value):
        return queryset.filter(at__lt=_day_start(value + datetime.timedelta(days=1)))

    def applied(self) -> dict[str, str]:
        """The filters in effect, as plain strings: what the journal records of a search."""
        if not self.is_valid():
            return {}
        return {
            name: value.isoformat() if isinstance(value, datetime.date) else str(value).strip()
            for name, value in self.form.cleaned_data.items()
            if value not in (None, "")
        }
