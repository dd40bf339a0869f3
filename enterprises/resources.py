"""django-import-export resource for enterprises: export with codes, import through the service."""

from functools import cached_property

from django.core.exceptions import ValidationError
from import_export import fields
from import_export.results import Error, Result, RowResult

from portal.exports import ExportResource, sees_full_phones

from .imports import FIELDS, ImportFileError, enterprise_import, table_rows
from .models import Enterprise, Membership

# How many valid rows the admin's preview lists; the totals always count every row.
PREVIEW_ROWS = 500
_IMPORT_TYPES = {
    "created": RowResult.IMPORT_TYPE_NEW,
    "updated": RowResult.IMPORT_TYPE_UPDATE,
    "unchanged": RowResult.IMPORT_TYPE_SKIP,
}


class EnterpriseResource(ExportResource):
    """Columns are the API field names, with codes (not names) for industry and district.
    Contact numbers are in full for administrators and for the enterprise's own staff."""

    industry = fields.Field(attribute="industry_id", column_name="industry")
    district = fields.Field(attribute="district_id", column_name="district")
    spectrum = fields.Field(attribute="spectrum_id", column_name="spectrum")

    class Meta:
        model = Enterprise
        fields = FIELDS
        export_order = FIELDS
        import_id_fields = ("credit_code",)

    phone_fields = ("contact_phone",)

    @cached_property
    def _own_enterprises(self) -> frozenset[int]:
        if self.user is None or not self.user.is_authenticated:
            return frozenset()
        return frozenset(
            Membership.objects.filter(user=self.user).values_list("enterprise_id", flat=True)
        )

    def full_phone(self, instance) -> bool:
        return sees_full_phones(self.user) or instance.pk in self._own_enterprises

    def filter_export(self, queryset, **kwargs):
        if self.user is not None:
            queryset = queryset & Enterprise.objects.visible_to(self.user)
        return super().filter_export(queryset, **kwargs)

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        """Hand the whole dataset to `enterprise_import`: all rows or none, journaled."""
        user = kwargs.get("user", self.user)
        result = Result()
        result.diff_headers = list(FIELDS)
        result.total_rows = len(dataset)
        try:
            rows = list(table_rows([dataset.headers or [], *dataset]))
            outcome = enterprise_import(rows=rows, actor=user, dry_run=dry_run)
        except ImportFileError as error:
            if raise_errors:
                raise
            result.append_base_error(Error(error))
            result.enterprise_import = None
            return result
        result.enterprise_import = outcome
        if outcome.errors:
            by_row: dict[int, dict[str, list[str]]] = {}
            for error in outcome.errors:
                by_row.setdefault(error.row, {}).setdefault(error.field, []).append(error.message)
            for number, messages in by_row.items():
                result.append_invalid_row(number, rows[number - 2], ValidationError(messages))
                result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
            if raise_errors:
                raise ValidationError(
                    [f"{e.row} {e.field}: {e.message}" for e in outcome.errors]
                )
            return result
        for number, kind in outcome.outcomes:
            row_result = RowResult()
            row_result.import_type = _IMPORT_TYPES[kind]
            result.increment_row_result_total(row_result)
            if len(result.rows) < PREVIEW_ROWS:
                values = rows[number - 2]
                row_result.diff = [values.get(name, "") for name in FIELDS]
                result.append_row_result(row_result)
        return result
