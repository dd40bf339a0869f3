"""Exports of the portal's data: one rule for spreadsheet cells, one base for import-export
resources, and the admin mixin that journals every export and masks mobile numbers.

Every CSV or XLSX the portal writes goes through `escape_cell` (the audit journal's CSV, the
admin's import-export downloads, the import error report): a cell a spreadsheet would run as
a formula (`=`, `+`, `-`, `@`, tab, carriage return, or their full-width forms that CJK input
methods type) is written with a leading apostrophe, so it is shown as text.

Who sees full mobile numbers in an export: administrators, and an enterprise's own staff for
their enterprise's rows. Officials (liaisons, labour and supply officers) and inspectors get
them masked (`138****5678`): they recognise a number, they do not call from a spreadsheet.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest
from django.db import transaction
from django.utils.translation import gettext as _
from import_export import resources

from portal import journal
from portal.masking import mask_phone
from portal.roles import Role

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
OBJECT_TYPE = "portal.export"
EXPORTED = "portal.export.created"


def escape_cell(value):
    """`value` as a spreadsheet cell: text a spreadsheet would evaluate gets a leading
    apostrophe; anything that is not text (numbers, dates, None) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cell(value) -> str:
    """`value` as the text of a CSV cell: numbers as they are (-3 is no formula), None as
    the empty cell, anything else as its text, escaped (lazy translations included)."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    return escape_cell(str(value))


class _EscapingWriter:
    """csv.writer whose every cell passes through `csv_cell`."""

    def __init__(self, file, **kwargs):
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row: Iterable):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]):
        for row in rows:
            self.writerow(row)


def csv_writer(file, **kwargs) -> _EscapingWriter:
    """The one way to write CSV: like `csv.writer(file)`, with every cell escaped."""
    return _EscapingWriter(file, **kwargs)


def sees_full_phones(user) -> bool:
    """Administrators see every mobile number in full; an enterprise's own staff see theirs
    (a resource decides that per row); everyone else gets them masked."""
    return user is not None and user.is_authenticated and user.has_role(Role.ADMIN)


class ExportResource(resources.ModelResource):
    """Base of every app's import-export resource: each exported cell escaped, the fields
    named in `phone_fields` masked unless `full_phone(instance)` allows them, and every
    export journaled (`export_record`) with the rows actually written."""

    phone_fields: tuple[str, ...] = ()

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.masked_cells = 0

    def full_phone(self, instance) -> bool:
        return sees_full_phones(self.user)

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if value and self.get_field_name(field) in self.phone_fields and not self.full_phone(
            instance
        ):
            value = mask_phone(value)
            self.masked_cells += 1
        return escape_cell(value)

    def get_export_headers(self, selected_fields=None):
        return [escape_cell(name) for name in super().get_export_headers(selected_fields)]

    def export(self, queryset=None, **kwargs):
        self.masked_cells = 0
        return super().export(queryset=queryset, **kwargs)

    def after_export(self, queryset, dataset, **kwargs):
        super().after_export(queryset, dataset, **kwargs)
        export_record(
            actor=self.user, model_label=self._meta.model._meta.label_lower, rows=len(dataset),
            filters=kwargs.get("export_filters", {}), fields=list(dataset.headers or []),
            file_format=kwargs.get("export_format", ""), masked_cells=self.masked_cells,
        )


def export_record(*, actor, model_label: str, rows: int, filters: dict, fields: list[str],
                  file_format: str = "", masked_cells: int = 0):
    """Journal an export of personal data: who, which model, with what filters, how many
    rows and which columns, in which format, and how many mobile numbers were masked."""
    with transaction.atomic():
        return journal.record_event(
            action=EXPORTED, actor=actor, object_type=OBJECT_TYPE, object_id=model_label,
            data={
                "model": model_label, "rows": rows, "filters": filters, "fields": fields,
                "format": file_format, "masked_phones": masked_cells,
            },
        )


def _filters(request) -> dict:
    """The changelist's filters and search as sent (the export keeps the list's query)."""
    params = request.GET.copy()
    for name in ("o", "p", "_changelist_filters"):
        params.pop(name, None)
    return {
        name: values if len(values) > 1 else values[0]
        for name, values in sorted(params.lists())
    }


class JournaledExportMixin:
    """For a ModelAdmin with django-import-export's ExportMixin, whose resources derive from
    `ExportResource`: they get the requesting user (so numbers are masked for those who may
    not see them in full) and the changelist's filters and the format for the journal. Its
    export page also loads the portal's script, standing in for the page's inline handler
    that the Content-Security-Policy blocks."""

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_queryset(self, request):
        # The changelist answers unknown filters by redirecting with ?e=1; the export page
        # (django-import-export) lets the error through as a 500.
        try:
            return super().get_export_queryset(request)
        except IncorrectLookupParameters as error:
            raise BadRequest(_("The export's filters are not valid.")) from error

    def get_export_form_class(self):
        return _with_portal_script(super().get_export_form_class())

    def get_data_for_export(self, request, queryset, **kwargs):
        form = kwargs.get("export_form")
        file_format = ""
        if form is not None and hasattr(form, "cleaned_data") and "format" in form.cleaned_data:
            file_format = self.get_export_formats()[int(form.cleaned_data["format"])]().get_title()
        return super().get_data_for_export(
            request, queryset, export_filters=_filters(request), export_format=file_format,
            **kwargs,
        )


_FORMS: dict[type, type] = {}


def _with_portal_script(form_class: type) -> type:
    if form_class not in _FORMS:

        class Media:
            js = ("portal/portal.js",)

        _FORMS[form_class] = type(
            form_class.__name__, (form_class,), {"Media": Media, "__module__": __name__}
        )
    return _FORMS[form_class]
