"""Bulk import of enterprises from CSV or XLSX: validate every row, then upsert all or nothing.

Rows use the API field names (DESIGN §5). Validation applies the model's own normalisation and
field validators, but without `full_clean()` per row, which would query the database for
uniqueness once per row; codes are checked against sets loaded once. Writing happens in chunks
inside one transaction; on PostgreSQL new rows and journal entries go in with COPY. The journal
entries are hashed exactly as `portal.journal.append` would hash them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import journal
from portal.models import JournalEntry
from portal.roles import Role

from .models import District, Enterprise, Industry, Spectrum
from .validators import normalize_credit_code, normalize_mobile

FIELDS = (
    "credit_code", "name", "legal_representative", "industry", "district", "address",
    "contact_name", "contact_phone", "employee_count", "is_key_project", "spectrum",
)
REQUIRED = FIELDS[:8]
# Column labels a spreadsheet made by hand may use instead of the field names.
LABELS = {
    "credit_code": "统一社会信用代码",
    "name": "企业名称",
    "legal_representative": "法定代表人",
    "industry": "行业代码",
    "district": "行政区划代码",
    "address": "地址",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "employee_count": "职工人数",
    "is_key_project": "重点项目",
    "spectrum": "谱系",
}
HEADER_NAMES = {
    **{name: name for name in FIELDS},
    **{label: name for name, label in LABELS.items()},
}
# Model attribute for each import field, in FIELDS order.
ATTNAMES = tuple(Enterprise._meta.get_field(name).attname for name in FIELDS)
ACTION_CREATED = "enterprises.enterprise.imported"
ACTION_UPDATED = "enterprises.enterprise.updated"
CHUNK = 5000

_TRUE = frozenset({"1", "true", "t", "yes", "y", "是"})
_FALSE = frozenset({"", "0", "false", "f", "no", "n", "否"})


class _Keep:
    """An optional column the file does not have: keep the current value (or the default)."""

    def __repr__(self):
        return "KEEP"


KEEP = _Keep()


class ImportFileError(ValueError):
    """The file cannot be read as an enterprise table (format, headers)."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    total: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    # (row number, "created" | "updated" | "unchanged") for every valid row, in file order.
    outcomes: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading files ------------------------------------------------------------------------


def _header_fields(headers: Iterable[Any]) -> list[str | None]:
    """Map a header row to field names; None for blank columns. Refuses unknown columns."""
    names: list[str | None] = []
    unknown = []
    for header in headers:
        text = "" if header is None else str(header).strip()
        if not text:
            names.append(None)
            continue
        name = HEADER_NAMES.get(text) or HEADER_NAMES.get(text.lower())
        if name is None:
            unknown.append(text)
        names.append(name)
    if unknown:
        raise ImportFileError(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    if duplicated:
        raise ImportFileError(
            _("Columns given twice: %(columns)s.") % {"columns": ", ".join(duplicated)}
        )
    return names


def table_rows(rows: Iterable[Iterable[Any]]) -> Iterator[dict]:
    """Rows of a table whose first row is the header, as dicts keyed by field name."""
    rows = iter(rows)
    try:
        header = next(rows)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    names = _header_fields(header)
    pairs = [(index, name) for index, name in enumerate(names) if name]
    for values in rows:
        values = tuple(values)
        size = len(values)
        yield {name: values[index] if index < size else "" for index, name in pairs}


def read_csv(handle) -> Iterator[dict]:
    """Stream a CSV (UTF-8, optional BOM) from a binary or text file object."""
    if not isinstance(handle, io.TextIOBase):
        handle = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        yield from table_rows(csv.reader(handle))
    except UnicodeDecodeError as error:
        raise ImportFileError(_("The CSV file is not UTF-8 encoded.")) from error


def read_xlsx(handle) -> Iterator[dict]:
    """Stream the first sheet of an XLSX workbook, row by row (openpyxl read-only mode)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several kinds for a file that is not XLSX
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from error
    try:
        yield from table_rows(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def read_path(path: str | Path) -> Iterator[dict]:
    """Rows of a CSV or XLSX file, chosen by its extension (checked at once, read lazily)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".xlsx"}:
        raise ImportFileError(_("Only .csv and .xlsx files can be imported."))
    if not path.is_file():
        raise ImportFileError(_("No such file: %(path)s") % {"path": path})
    return _read_path(path, suffix)


def _read_path(path: Path, suffix: str) -> Iterator[dict]:
    if suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            yield from read_csv(handle)
    else:
        with open(path, "rb") as handle:
            yield from read_xlsx(handle)


# --- validation ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: spreadsheets give numbers for codes and phone numbers."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


class _Validator:
    """Checks one row the way `Enterprise.clean_fields()` would, using sets loaded once."""

    def __init__(self):
        meta = Enterprise._meta
        self.fields = {name: meta.get_field(name) for name in FIELDS}
        self.industries = frozenset(Industry.objects.values_list("code", flat=True))
        self.districts = frozenset(District.objects.values_list("code", flat=True))
        self.spectra = frozenset(Spectrum.objects.values_list("pk", flat=True))
        self.nul = ProhibitNullCharactersValidator()
        # Plain text fields whose only validator is their length get a direct length check.
        self.plain_length = {
            name: model_field.max_length
            for name, model_field in self.fields.items()
            if model_field.get_internal_type() == "CharField"
            and all(isinstance(v, MaxLengthValidator) for v in model_field.validators)
        }

    def _text_field(self, name: str, value: str, errors: list) -> str:
        model_field = self.fields[name]
        if not value:
            errors.append((name, str(model_field.error_messages["blank"])))
            return value
        if "\x00" in value:
            errors.append((name, str(self.nul.message)))
            return value
        limit = self.plain_length.get(name)
        if limit is not None and len(value) <= limit:
            return value
        try:
            model_field.run_validators(value)
        except ValidationError as error:
            errors.extend((name, message) for message in _messages(error))
        return value

    def _code(self, name: str, value: Any, known: frozenset, errors: list) -> str:
        model_field = self.fields[name]
        code = _text(value).strip()
        if not code:
            errors.append((name, str(model_field.error_messages["blank"])))
        elif code not in known:
            errors.append((name, self._missing(model_field, code)))
        return code

    @staticmethod
    def _missing(model_field, value) -> str:
        target = model_field.remote_field.model._meta
        return str(model_field.error_messages["invalid"]) % {
            "model": target.verbose_name, "pk": value,
            "field": model_field.remote_field.field_name, "value": value,
        }

    def _employee_count(self, value: Any, errors: list) -> Any:
        if value is KEEP:
            return KEEP
        model_field = self.fields["employee_count"]
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            text = _text(value).strip()
            if not text:
                return model_field.get_default()
            try:
                value = int(text)
            except ValueError:
                errors.append(("employee_count", str(model_field.error_messages["invalid"])
                               % {"value": text}))
                return None
        if 0 <= value <= 2_000_000:
            return value
        try:
            model_field.run_validators(value)
        except ValidationError as error:
            errors.extend(("employee_count", message) for message in _messages(error))
        return value

    def _is_key_project(self, value: Any, errors: list) -> Any:
        if value is KEEP or isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        message = self.fields["is_key_project"].error_messages["invalid"]
        errors.append(("is_key_project", str(message) % {"value": _text(value)}))
        return None

    def _spectrum(self, value: Any, errors: list) -> Any:
        if value is KEEP:
            return KEEP
        text = _text(value).strip()
        if not text:
            return None
        try:
            pk = int(text)
        except ValueError:
            message = Spectrum._meta.pk.error_messages["invalid"]
            errors.append(("spectrum", str(message) % {"value": text}))
            return None
        if pk not in self.spectra:
            errors.append(("spectrum", self._missing(self.fields["spectrum"], pk)))
        return pk

    def row(self, data: dict) -> tuple[tuple, list[tuple[str, str]]]:
        """The row's values in FIELDS order, normalised, and its (field, message) errors."""
        errors: list[tuple[str, str]] = []
        get = data.get
        values = (
            self._text_field("credit_code", normalize_credit_code(_text(get("credit_code"))),
                             errors),
            self._text_field("name", _text(get("name")).strip(), errors),
            self._text_field("legal_representative", _text(get("legal_representative")), errors),
            self._code("industry", get("industry"), self.industries, errors),
            self._code("district", get("district"), self.districts, errors),
            self._text_field("address", _text(get("address")), errors),
            self._text_field("contact_name", _text(get("contact_name")), errors),
            self._text_field("contact_phone", normalize_mobile(_text(get("contact_phone"))),
                             errors),
            self._employee_count(get("employee_count", KEEP), errors),
            self._is_key_project(get("is_key_project", KEEP), errors),
            self._spectrum(get("spectrum", KEEP), errors),
        )
        return values, errors


def _is_blank(data: dict) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip())
               for value in data.values())


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _merged(values: tuple, current: tuple | None) -> tuple:
    """The row's values with KEEP replaced by the current value, or the model default."""
    if KEEP not in values:
        return values
    if current is not None:
        return tuple(c if v is KEEP else v for v, c in zip(values, current, strict=True))
    defaults = tuple(
        Enterprise._meta.get_field(name).get_default() for name in FIELDS
    )
    return tuple(d if v is KEEP else v for v, d in zip(values, defaults, strict=True))


def _existing_values(codes: list[str]) -> dict[str, tuple]:
    rows = Enterprise.objects.filter(credit_code__in=codes).values_list(*ATTNAMES)
    return {row[0]: row for row in rows}


# --- writing ------------------------------------------------------------------------------


class _Row:
    """Attributes the journal's representation and scope read, without a model instance."""

    __slots__ = ("pk", "id", "version", "created_at", "updated_at", *ATTNAMES)

    def __init__(self, pk, values, version, created_at, updated_at):
        self.pk = self.id = pk
        for name, value in zip(ATTNAMES, values, strict=True):
            setattr(self, name, value)
        self.version = version
        self.created_at = created_at
        self.updated_at = updated_at


class _Upsert:
    """Writes one chunk after another: new rows created, changed rows updated."""

    UPDATE_FIELDS = (*ATTNAMES, "version", "updated_at")

    def __init__(self, *, actor):
        self.now = timezone.now()
        self.use_copy = connection.vendor == "postgresql"
        self.actor = actor
        self.journal = journal.ChainWriter(at=self.now)
        self.spec = journal.spec_for(Enterprise)
        self.now_json = journal.to_json(self.now)

    def _journal(self, obj, *, action: str, data: dict, changes: dict) -> None:
        self.journal.add(
            object_type=self.spec.object_type, object_id=str(obj.pk),
            scope=self.spec.scope.columns(obj), action=action, op=JournalEntry.Op.UPSERT,
            data=data, changes=changes, actor=self.actor,
        )

    def chunk(self, rows: list[tuple[int, tuple]], outcomes: list) -> tuple[int, int, int]:
        existing = {
            obj.credit_code: obj
            for obj in Enterprise.objects.select_for_update().filter(
                credit_code__in=[values[0] for _number, values in rows]
            )
        }
        new: list[tuple[int, tuple]] = []
        changed: list[tuple[int, Enterprise, dict]] = []
        unchanged = 0
        order: dict[int, str] = {}
        for number, values in rows:
            obj = existing.get(values[0])
            if obj is None:
                new.append((number, _merged(values, None)))
                order[number] = "created"
                continue
            current = tuple(getattr(obj, name) for name in ATTNAMES)
            values = _merged(values, current)
            if values == current:
                unchanged += 1
                order[number] = "unchanged"
                continue
            before = journal.snapshot(obj)
            for name, value in zip(ATTNAMES, values, strict=True):
                setattr(obj, name, value)
            obj.version += 1
            obj.updated_at = self.now
            changed.append((number, obj, before))
            order[number] = "updated"
        created = self._create(new)
        self._update(changed)
        updates = {number: (obj, before) for number, obj, before in changed}
        # Journal in file order, so the log reads like the file.
        for number, _values in rows:
            outcome = order[number]
            outcomes.append((number, outcome))
            if outcome == "created":
                obj, data = created[number]
                self._journal(obj, action=ACTION_CREATED, data=data, changes={})
            elif outcome == "updated":
                obj, before = updates[number]
                data = journal.snapshot(obj)
                self._journal(obj, action=ACTION_UPDATED, data=data,
                              changes=journal.diff(before, data))
        self.journal.flush()
        return len(new), len(changed), unchanged

    def _data(self, row: _Row) -> dict:
        return journal.mask(Enterprise, self.spec.represent(row))

    def _create(self, new: list[tuple[int, tuple]]) -> dict[int, tuple[Any, dict]]:
        if not new:
            return {}
        if not self.use_copy:
            objs = [Enterprise(**dict(zip(ATTNAMES, values, strict=True))) for _n, values in new]
            Enterprise.objects.bulk_create(objs, batch_size=1000)
            return {number: (obj, journal.snapshot(obj))
                    for (number, _values), obj in zip(new, objs, strict=True)}
        table = Enterprise._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, Enterprise._meta.pk.column, len(new)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        now = self.now.isoformat()
        text_fields = {"name", "legal_representative", "address", "contact_name"}
        escape = [name in text_fields for name in FIELDS]
        lines = []
        result = {}
        for pk, (number, values) in zip(ids, new, strict=True):
            cells = [str(pk)]
            for value, needs_escape in zip(values, escape, strict=True):
                cells.append(
                    journal.copy_escape(value) if needs_escape else journal.copy_text(value)
                )
            cells += ("1", now, now)
            lines.append("\t".join(cells) + "\n")
            row = _Row(pk, values, 1, self.now_json, self.now_json)
            result[number] = (row, self._data(row))
        columns = [
            Enterprise._meta.get_field(name).column
            for name in ("id", *ATTNAMES, "version", "created_at", "updated_at")
        ]
        journal.copy_rows(table, columns, lines)
        return result

    def _update(self, changed: list[tuple[int, Enterprise, dict]]) -> None:
        if changed:
            Enterprise.objects.bulk_update(
                [obj for _number, obj, _before in changed], self.UPDATE_FIELDS, batch_size=500
            )


# --- the service --------------------------------------------------------------------------


def enterprise_import(*, rows: Iterable[dict], actor, dry_run: bool = False,
                      progress: Callable[[str, int], None] | None = None) -> ImportResult:
    """Validate every row, then upsert them all by credit code, or write nothing.

    Row numbers count like a spreadsheet: the header is row 1, the first data row is 2.
    `progress(stage, rows)` is called after each chunk with stage "validate" or "write".
    An error in any row leaves the database as it was; so does `dry_run`.
    """
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only administrators may import enterprises."))
    result = ImportResult(dry_run=dry_run)
    validator = _Validator()
    seen: dict[str, int] = {}
    valid: list[tuple[int, tuple]] = []
    batch: list[tuple[int, tuple]] = []

    def classify(batch):
        existing = _existing_values([values[0] for _number, values in batch])
        for number, values in batch:
            current = existing.get(values[0])
            if current is None:
                result.created += 1
                result.outcomes.append((number, "created"))
            elif _merged(values, current) == current:
                result.unchanged += 1
                result.outcomes.append((number, "unchanged"))
            else:
                result.updated += 1
                result.outcomes.append((number, "updated"))
        if progress:
            progress("validate", len(batch))

    for number, data in enumerate(rows, start=2):
        if _is_blank(data):
            continue
        result.total += 1
        values, errors = validator.row(data)
        code = values[0]
        if code and not any(name == "credit_code" for name, _m in errors):
            first = seen.setdefault(code, number)
            if first != number:
                errors.append(("credit_code", _(
                    "This credit code is also on row %(row)d of the file."
                ) % {"row": first}))
        if errors:
            result.errors.extend(RowError(number, name, message) for name, message in errors)
            valid = batch = []  # Nothing will be written: stop keeping rows.
            continue
        if result.errors:
            continue
        valid.append((number, values))
        batch.append((number, values))
        if len(batch) >= CHUNK:
            classify(batch)
            batch = []
    if batch and not result.errors:
        classify(batch)
    if result.errors:
        result.created = result.updated = result.unchanged = 0
        result.outcomes = []
        return result
    if dry_run:
        return result
    return _write(valid, actor=actor, result=result, progress=progress)


def _write(valid: list[tuple[int, tuple]], *, actor, result: ImportResult,
           progress) -> ImportResult:
    result.created = result.updated = result.unchanged = 0
    result.outcomes = []
    with transaction.atomic():
        if not valid:
            return result
        upsert = _Upsert(actor=actor)
        for rows in _chunks(valid):
            created, updated, unchanged = upsert.chunk(rows, result.outcomes)
            result.created += created
            result.updated += updated
            result.unchanged += unchanged
            if progress:
                progress("write", len(rows))
    return result
