"""`manage.py seed_demo`: the demo registry, its users and logins, written once and journaled."""

import ast
import io
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count

from enterprises import demo
from enterprises.models import District, Enterprise, Jurisdiction, Membership, Spectrum
from enterprises.validators import validate_credit_code, validate_mobile
from liaisons.models import Assignment
from portal import journal
from portal.models import JournalEntry, User
from portal.roles import Role

pytestmark = pytest.mark.django_db

SMALL = 60
PASSWORD = "Demo-Horse-2020"
ROLES = {
    "admin": Role.ADMIN,
    "inspector": Role.INSPECTOR,
    "liaison": Role.LIAISON,
    "labor_officer": Role.LABOR_OFFICER,
    "supply_officer": Role.SUPPLY_OFFICER,
    "enterprise": Role.ENTERPRISE,
}


def seed_demo() -> str:
    out = io.StringIO()
    call_command("seed_demo", enterprises=SMALL, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    monkeypatch.delenv("PORT", raising=False)
    return seed_demo()


def counts() -> dict[str, int]:
    return {
        "districts": District.objects.count(),
        "spectra": Spectrum.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "jurisdictions": Jurisdiction.objects.count(),
        "assignments": Assignment.objects.count(),
        "journal": JournalEntry.objects.count(),
    }


def test_seed_demo_loads_ten_spectra_of_qiantang_with_their_enterprises(seeded):
    spectra = Spectrum.objects.annotate(n=Count("enterprises"))
    assert sorted(s.name for s in spectra) == sorted(plan.name for plan in demo.SPECTRA)
    assert {s.district_id for s in spectra} == {demo.QIANTANG}
    assert {s.n for s in spectra} == {SMALL // len(demo.SPECTRA)}
    assert Enterprise.objects.count() == SMALL
    assert Enterprise.objects.filter(is_key_project=True).count() == 3
    counties = set(Enterprise.objects.values_list("district__parent", flat=True))
    assert counties <= {demo.QIANTANG, demo.SHANGCHENG}
    assert District.objects.get(code="330102018").risk_level == District.RiskLevel.MEDIUM


def test_every_demo_enterprise_has_a_valid_credit_code_for_its_county_and_a_mobile(seeded):
    for enterprise in Enterprise.objects.select_related("district"):
        validate_credit_code(enterprise.credit_code)
        validate_mobile(enterprise.contact_phone)
        assert enterprise.credit_code[2:8] == enterprise.district.parent_id
        assert enterprise.address.startswith("浙江省杭州市")
        assert enterprise.employee_count > 0


def test_demo_users_hold_their_roles_and_the_demo_password(seeded):
    for username, role in ROLES.items():
        user = User.objects.get(username=username)
        assert user.has_role(role), username
        assert user.check_password(PASSWORD), username
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="inspector").is_staff
    assert User.objects.get(username="liaison").is_staff
    for username in ("liaison_01_1", "officer_01", "officer_45"):
        user = User.objects.get(username=username)
        assert user.has_role(Role.LIAISON) and user.check_password(PASSWORD)
    assert PASSWORD in seeded
    assert "http://127.0.0.1:8000/" in seeded


def test_each_spectrum_has_three_to_five_family_liaisons(seeded):
    family = Assignment.objects.filter(kind=Assignment.Kind.FAMILY_LIAISON)
    per_spectrum = family.values("spectrum").annotate(n=Count("official", distinct=True))
    assert len(per_spectrum) == len(demo.SPECTRA)
    assert all(3 <= row["n"] <= 5 for row in per_spectrum)


def test_key_projects_each_have_a_resident_officer(seeded):
    resident = Assignment.objects.filter(kind=Assignment.Kind.RESIDENT_OFFICER)
    key = set(Enterprise.objects.filter(is_key_project=True).values_list("pk", flat=True))
    assert set(resident.values_list("enterprise", flat=True)) == key
    assert set(resident.values_list("official__username", flat=True)) <= {
        f"officer_{n:02d}" for n in range(1, 46)
    }


def test_liaison_sees_exactly_the_enterprises_of_its_one_spectrum(seeded):
    liaison = User.objects.get(username="liaison")
    assignments = Assignment.objects.filter(official=liaison)
    assert assignments.count() == 1
    spectrum = assignments.get().spectrum
    assert spectrum.name == "软件信息谱系"
    visible = set(Enterprise.objects.visible_to(liaison).values_list("pk", flat=True))
    assert visible == set(spectrum.enterprises.values_list("pk", flat=True))


def test_enterprise_user_is_member_of_the_story_company_only(seeded):
    user = User.objects.get(username="enterprise")
    membership = Membership.objects.get(user=user)
    assert membership.enterprise.name == "杭州平治信息技术有限公司"
    assert membership.enterprise.district.parent_id == demo.QIANTANG
    assert list(Enterprise.objects.visible_to(user)) == [membership.enterprise]


def test_officers_hold_qiantang(seeded):
    for username in ("labor_officer", "supply_officer"):
        user = User.objects.get(username=username)
        assert list(Jurisdiction.objects.filter(user=user).values_list("district", flat=True)) == [
            demo.QIANTANG
        ]
        visible = Enterprise.objects.visible_to(user)
        assert visible.count() == Enterprise.objects.filter(district__parent=demo.QIANTANG).count()


def test_every_seeded_object_is_journaled_and_reconciles(seeded):
    result = journal.verify()
    assert result.ok, result.problems[:3]
    assert JournalEntry.objects.filter(action="enterprises.enterprise.created").count() == SMALL


def test_second_run_writes_nothing_and_still_prints_logins(seeded):
    before = counts()

    output = seed_demo()

    assert counts() == before
    assert "nothing new written" in output
    assert re.search(r"^enterprise\s+enterprise\s+" + PASSWORD, output, re.M)
    assert journal.verify().ok


def test_without_demo_password_one_is_generated_and_printed(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)

    output = seed_demo()

    password = re.search(r"^admin\s+admin\s+(\S+)", output, re.M).group(1)
    assert len(password) >= 12
    assert User.objects.get(username="officer_07").check_password(password)


def test_plan_is_deterministic_with_unique_names_and_codes():
    first = demo.plan_enterprises(500)
    assert first == demo.plan_enterprises(500)
    assert len({plan.name for plan in first}) == 500
    assert len({plan.credit_code for plan in first}) == 500
    assert first[0].name == "杭州平治信息技术有限公司"
    per_spectrum = [sum(plan.spectrum == i for plan in first) for i in range(len(demo.SPECTRA))]
    assert per_spectrum == [50] * len(demo.SPECTRA)


def test_too_few_enterprises_is_a_command_error_and_writes_nothing(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)

    with pytest.raises(CommandError, match="--enterprises must be at least 10"):
        call_command("seed_demo", enterprises=len(demo.SPECTRA) - 1, stdout=io.StringIO())

    assert not User.objects.exists()
    assert not Enterprise.objects.exists()


# An app's demo, as a later app (supplies, workers) will write one: `seed_demo` finds it through
# the AppConfig attribute alone. What it saw goes into its line of the printed logins.
def add_arguments(parser):
    parser.add_argument("--probe-size", type=int, default=1)


def seed(context):
    size = context.options["probe_size"]
    context.count("probes", size)
    story = context.things["story_enterprise"].name
    context.login("probe", "probe", f"after {'/'.join(context.created)}; {story}; size {size}")


def test_an_apps_demo_module_named_in_its_config_is_seeded_after_the_apps_before_it(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    monkeypatch.setattr(apps.get_app_config("supplies"), "demo", __name__, raising=False)
    out = io.StringIO()

    call_command("seed_demo", enterprises=SMALL, probe_size=3, stdout=out)

    output = out.getvalue()
    assert re.search(r"Demo data loaded in [0-9.]+ s: .*, 3 probes\.$", output, re.M)
    kinds = "users/districts/spectra/enterprises/memberships/jurisdictions/assignments/"
    kinds += "policy_notes/help_requests/visits/tasks/negative_lists/filings/probes"
    assert re.search(
        rf"^probe\s+probe\s+{PASSWORD}\s+after {kinds}; 杭州平治信息技术有限公司; size 3$",
        output,
        re.M,
    )


def test_the_core_demo_and_its_command_import_no_domain_app():
    domain = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).parent == settings.BASE_DIR and config.name != "portal"
    }
    assert {"enterprises", "liaisons", "filings"} <= domain
    for path in ("portal/demo.py", "portal/management/commands/seed_demo.py"):
        tree = ast.parse((settings.BASE_DIR / path).read_text(encoding="utf-8"))
        imported = {
            name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
        }
        assert not imported & domain, (path, imported & domain)
