import csv
import io
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from enterprises.imports import LABELS, enterprise_import, read_csv, read_xlsx
from enterprises.models import Enterprise
from portal import journal
from portal.models import JournalEntry
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import PASSWORD, user_with

pytestmark = pytest.mark.django_db

COLUMNS = [
    "credit_code", "name", "legal_representative", "industry", "district", "address",
    "contact_name", "contact_phone", "employee_count", "is_key_project", "spectrum",
]


def row(**overrides):
    data = {
        "credit_code": factories.credit_code(),
        "name": "杭州导入测试有限公司",
        "legal_representative": "董叶明",
        "industry": "6513",
        "district": factories.district().code,
        "address": "杭州市钱塘区白杨街道6号大街",
        "contact_name": "张弛",
        "contact_phone": "+86 138 1234 5678",
        "employee_count": "120",
        "is_key_project": "0",
        "spectrum": "",
    }
    data.update(overrides)
    return data


def csv_bytes(rows, columns=COLUMNS, bom=True):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for data in rows:
        writer.writerow([data.get(name, "") for name in COLUMNS])
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


def parse(content: bytes):
    return list(read_csv(io.BytesIO(content)))


def journal_count():
    return JournalEntry.objects.count()


@pytest.fixture
def admin(db):
    return user_with(Role.ADMIN, is_staff=True)


def test_good_csv_creates_rows_and_journal_entries(admin):
    rows = [row(), row(is_key_project="是", spectrum=str(factories.spectrum().pk))]
    before = journal_count()

    result = enterprise_import(rows=parse(csv_bytes(rows)), actor=admin)

    assert result.ok and (result.created, result.updated, result.unchanged) == (2, 0, 0)
    created = Enterprise.objects.order_by("id")
    assert [e.credit_code for e in created] == [r["credit_code"] for r in rows]
    assert created[0].contact_phone == "13812345678"
    assert created[1].is_key_project is True
    assert created[1].spectrum_id == int(rows[1]["spectrum"])
    entries = JournalEntry.objects.filter(seq__gt=before).order_by("seq")
    assert [e.action for e in entries] == ["enterprises.enterprise.imported"] * 2
    assert entries[0].actor == admin
    assert entries[0].data["contact_phone"] == "138****5678"
    assert entries[0].enterprise_id == created[0].pk
    assert journal.verify().ok


def test_reimport_updates_changed_rows_with_diff_and_leaves_unchanged_alone(admin):
    same = row()
    changed = row(employee_count="10")
    enterprise_import(rows=parse(csv_bytes([same, changed])), actor=admin)
    before = journal_count()
    untouched = Enterprise.objects.get(credit_code=same["credit_code"])

    result = enterprise_import(
        rows=parse(csv_bytes([same, {**changed, "employee_count": "99"}, row()])), actor=admin
    )

    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    updated = Enterprise.objects.get(credit_code=changed["credit_code"])
    assert updated.employee_count == 99 and updated.version == 2
    again = Enterprise.objects.get(credit_code=same["credit_code"])
    assert again.version == 1 and again.updated_at == untouched.updated_at
    entries = list(JournalEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [e.action for e in entries] == [
        "enterprises.enterprise.updated", "enterprises.enterprise.imported",
    ]
    assert entries[0].changes == {"employee_count": [10, 99]}
    assert journal.verify().ok


def test_reimport_of_a_file_without_optional_columns_keeps_their_values(admin):
    first = row(is_key_project="1", employee_count="7")
    enterprise_import(rows=parse(csv_bytes([first])), actor=admin)
    columns = COLUMNS[:8]

    result = enterprise_import(rows=parse(csv_bytes([first], columns=columns)), actor=admin)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    enterprise = Enterprise.objects.get(credit_code=first["credit_code"])
    assert (enterprise.is_key_project, enterprise.employee_count) == (True, 7)


def test_bad_rows_are_all_reported_and_nothing_is_written(admin):
    factories.enterprise(actor=admin)
    counts = (Enterprise.objects.count(), journal_count())
    rows = [
        row(),
        row(credit_code=factories.invalid_credit_code()),
        row(contact_phone="12345", industry="9999"),
        row(district="999999", employee_count="-3", spectrum="424242"),
        row(name="", employee_count="many", is_key_project="maybe"),
    ]

    result = enterprise_import(rows=parse(csv_bytes(rows)), actor=admin)

    found = {(error.row, error.field) for error in result.errors}
    assert found == {
        (3, "credit_code"), (4, "contact_phone"), (4, "industry"), (5, "district"),
        (5, "employee_count"), (5, "spectrum"), (6, "name"), (6, "employee_count"),
        (6, "is_key_project"),
    }
    messages = {(e.row, e.field): e.message for e in result.errors}
    assert "9999" in messages[(4, "industry")]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert (Enterprise.objects.count(), journal_count()) == counts


def test_duplicate_credit_code_in_the_file_is_an_error_on_the_second_row(admin):
    first = row()
    rows = [first, row(), {**first, "name": "另一家公司"}]

    result = enterprise_import(rows=parse(csv_bytes(rows)), actor=admin)

    assert [(e.row, e.field) for e in result.errors] == [(4, "credit_code")]
    assert "2" in result.errors[0].message
    assert not Enterprise.objects.exists()


def test_lowercase_code_and_spaces_are_normalised_like_the_model(admin):
    data = row()
    data["credit_code"] = f"  {data['credit_code'].lower()} "
    data["name"] = "  杭州空格有限公司  "

    result = enterprise_import(rows=parse(csv_bytes([data])), actor=admin)

    assert result.ok
    enterprise = Enterprise.objects.get()
    assert enterprise.credit_code == data["credit_code"].strip().upper()
    assert enterprise.name == "杭州空格有限公司"


def test_xlsx_with_chinese_headers_imports(admin):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([LABELS[name] for name in COLUMNS])
    data = row()
    sheet.append([
        data["credit_code"], data["name"], data["legal_representative"], 6513,
        int(data["district"]), data["address"], data["contact_name"], 13812345678, 56,
        True, None,
    ])
    sheet.append([None] * len(COLUMNS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)

    result = enterprise_import(rows=read_xlsx(buffer), actor=admin)

    assert result.ok, result.errors
    enterprise = Enterprise.objects.get()
    assert (enterprise.industry_id, enterprise.contact_phone, enterprise.employee_count) == (
        "6513", "13812345678", 56,
    )
    assert enterprise.is_key_project is True
    assert journal.verify().ok


def test_dry_run_counts_but_writes_nothing(admin):
    existing = factories.enterprise(actor=admin)
    counts = (Enterprise.objects.count(), journal_count())
    changed = row(credit_code=existing.credit_code, name="改名后的公司")

    result = enterprise_import(rows=parse(csv_bytes([row(), changed])), actor=admin, dry_run=True)

    assert result.ok and (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert (Enterprise.objects.count(), journal_count()) == counts
    existing.refresh_from_db()
    assert existing.name != "改名后的公司"


def test_only_administrators_may_import(db):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        enterprise_import(rows=parse(csv_bytes([row()])), actor=user_with(Role.LIAISON))
    assert not Enterprise.objects.exists()


# --- the management command ---------------------------------------------------------------


def test_command_imports_a_good_file_and_reports_counts(tmp_path, db):
    path = tmp_path / "good.csv"
    path.write_bytes(csv_bytes([row(), row()]))
    out = io.StringIO()

    call_command("import_enterprises", str(path), "--no-progress", stdout=out)

    assert "新增 2 家，更新 0 家，未变 0 家。" in out.getvalue()  # zh-hans, the default
    assert Enterprise.objects.count() == 2
    entry = JournalEntry.objects.filter(object_type="enterprises.enterprise").first()
    assert entry.actor_label == "system"
    assert journal.verify().ok


def test_command_dry_run_writes_nothing(tmp_path, db):
    path = tmp_path / "good.csv"
    path.write_bytes(csv_bytes([row()]))
    out = io.StringIO()

    call_command("import_enterprises", str(path), "--dry-run", "--no-progress", stdout=out)

    assert "试运行，未写入：新增 1 家" in out.getvalue()
    assert not Enterprise.objects.exists()


def test_command_lists_every_error_and_fails(tmp_path, db):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row(), row(contact_phone="123"), row(industry="0000")]))
    err = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_enterprises", str(path), "--no-progress", stderr=err)

    assert raised.value.returncode == 1
    assert "第 3 行，contact_phone" in err.getvalue()
    assert "第 4 行，industry" in err.getvalue()
    assert not Enterprise.objects.exists()


def test_command_refuses_unknown_columns(tmp_path, db):
    path = tmp_path / "odd.csv"
    path.write_bytes(csv_bytes([row()], columns=[*COLUMNS[:-1], "colour"]))

    with pytest.raises(CommandError, match="colour"):
        call_command("import_enterprises", str(path), "--no-progress")
    assert not Enterprise.objects.exists()


def test_command_exit_status_in_a_subprocess(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("x")

    process = subprocess.run(
        [sys.executable, "manage.py", "import_enterprises", str(path)],
        capture_output=True, text=True, env={"PORTAL_TESTING": "1", "PATH": "/usr/bin:/bin",
                                             "SQLITE_PATH": str(tmp_path / "unused.sqlite3")},
    )

    assert process.returncode == 1
    assert ".csv" in process.stderr


# --- the admin ----------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, admin):
    assert client.login(username=admin.username, password=PASSWORD)
    return client


IMPORT_URL = "/admin/enterprises/enterprise/import/"


def upload(client, content, name="enterprises.csv", fmt="0"):
    return client.post(IMPORT_URL, {
        "format": fmt, "resource": "0",
        "import_file": SimpleUploadedFile(name, content, content_type="text/csv"),
    })


def test_admin_changelist_works_for_an_admin_role_user(admin_client, admin):
    factories.enterprise(actor=admin)
    response = admin_client.get("/admin/enterprises/enterprise/")
    assert response.status_code == 200
    assert IMPORT_URL.encode() in response.content


def test_admin_import_previews_then_confirms(admin_client, admin):
    rows = [row(), row()]

    preview = upload(admin_client, csv_bytes(rows))

    assert preview.status_code == 200
    assert not Enterprise.objects.exists()
    confirm = preview.context["confirm_form"]
    assert preview.context["result"].totals["new"] == 2
    response = admin_client.post(
        "/admin/enterprises/enterprise/process_import/", confirm.initial, follow=True
    )
    assert response.status_code == 200
    assert set(Enterprise.objects.values_list("credit_code", flat=True)) == {
        r["credit_code"] for r in rows
    }
    assert JournalEntry.objects.filter(action="enterprises.enterprise.imported").count() == 2
    assert journal.verify().ok
    listing = admin_client.get("/admin/enterprises/enterprise/")
    assert rows[0]["credit_code"] in listing.content.decode()


def test_admin_bad_file_shows_errors_writes_nothing_and_offers_error_file(admin_client):
    content = csv_bytes([row(), row(contact_phone="1"), row(district="1")])
    counts = (Enterprise.objects.count(), journal_count())

    response = upload(admin_client, content)

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    invalid = response.context["result"].invalid_rows
    assert [(r.number, list(r.field_specific_errors)) for r in invalid] == [
        (3, ["contact_phone"]), (4, ["district"]),
    ]
    assert (Enterprise.objects.count(), journal_count()) == counts
    url = response.context["error_file_url"]
    assert url.encode() in response.content
    download = admin_client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert lines[0] == ["row", "field", "message"]
    assert [line[:2] for line in lines[1:]] == [["3", "contact_phone"], ["4", "district"]]


def test_admin_import_is_refused_to_a_liaison(client):
    liaison = user_with(Role.LIAISON, is_staff=True)
    client.login(username=liaison.username, password=PASSWORD)
    assert client.get(IMPORT_URL).status_code == 403


def test_admin_export_contains_only_visible_rows(client, admin):
    from liaisons import services as liaison_services

    mine = factories.enterprise(actor=admin)
    other = factories.enterprise(actor=admin)
    liaison = user_with(Role.LIAISON, is_staff=True)
    liaison_services.assignment_create(
        actor=admin, official=liaison, enterprise=mine, kind="resident_officer",
        active_from=timezone.localdate(),
    )
    client.login(username=liaison.username, password=PASSWORD)

    response = client.post("/admin/enterprises/enterprise/export/", {
        "format": "0", "resource": "0",
        **{f"enterpriseresource_{name}": "on" for name in COLUMNS},
    })

    assert response.status_code == 200
    content = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(content)))
    assert lines[0] == COLUMNS
    assert [line[0] for line in lines[1:]] == [mine.credit_code]
    assert other.credit_code not in content
    assert lines[1][3] == "6513" and lines[1][4] == mine.district_id
