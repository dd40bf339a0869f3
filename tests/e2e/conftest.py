"""Browser tests: Debian's Chromium driven by playwright against pytest-django's live server.

No browser is downloaded: playwright launches the Chromium at $CHROMIUM_PATH (default
/usr/bin/chromium, which `.ci/run` installs). Without it, or without playwright, they skip.
"""

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
PASSWORD = "Correct-Horse-42"  # tests.factories.PASSWORD
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


def _chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which("chromium")


@pytest.fixture
def browser_session(tmp_path, monkeypatch):
    """browser_session(name) → a page in a fresh Chromium with its own profile directory,
    so two users never share cookies; all are closed, and playwright stopped, after the test."""
    executable = _chromium_path()
    if executable is None:
        pytest.skip("needs Debian's chromium (apt-get install chromium, or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs the playwright package (pip install -e '.[dev]')")
    # playwright's sync API keeps an event loop running in this thread while the test uses
    # the ORM; Django would refuse those queries as "called from an async context" without
    # this. Only for this test: playwright is stopped before the next one starts.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as driver:
        contexts = []

        def open_session(name: str):
            context = driver.chromium.launch_persistent_context(
                user_data_dir=str(tmp_path / f"profile-{name}"),
                executable_path=executable,
                headless=True,
                args=CHROMIUM_FLAGS,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                viewport={"width": 1280, "height": 900},
            )
            context.set_default_timeout(TIMEOUT_MS)
            contexts.append(context)
            return context.pages[0] if context.pages else context.new_page()

        yield open_session
        for context in contexts:
            context.close()
        # pytest-django's teardown does not reach the ORM connection the test used while
        # playwright ran; left open, it would keep the test database from being dropped.
        connections.close_all()


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")


@pytest.fixture
def scene(transactional_db):
    """The demo's cast in small: a district, one enterprise in a spectrum with its member
    `enterprise`, `liaison` (the spectrum's family liaison) and a published negative list."""
    from enterprises.models import Industry, Membership
    from enterprises.services import membership_add
    from filings import services as filing_services
    from liaisons.models import Assignment
    from liaisons.services import assignment_create
    from portal.roles import Role
    from tests.enterprises import factories as registry
    from tests.factories import user_with

    district = registry.district()
    spectrum = registry.spectrum(name="软件信息谱系", district_obj=district)
    company = registry.enterprise(
        name="杭州平治信息技术有限公司", industry_id="6513", spectrum=spectrum,
        employee_count=230,
    )
    member = user_with(Role.ENTERPRISE, username="enterprise", display_name="董叶明")
    membership_add(user=member, enterprise=company, actor=None, title="副总经理")
    liaison = user_with(Role.LIAISON, username="liaison", display_name="张弛", is_staff=True)
    assignment_create(
        actor=None, official=liaison, kind=Assignment.Kind.FAMILY_LIAISON, spectrum=spectrum,
        active_from=date(2020, 2, 10),
    )
    negative_list = filing_services.negative_list_create(actor=None, title="复工负面清单")
    filing_services.negative_list_entry_add(
        negative_list=negative_list, actor=None, industry=Industry.objects.get(code="9011"),
        name="歌舞厅娱乐活动", reason="人员密集的娱乐场所暂不复工。",
    )
    filing_services.negative_list_publish(negative_list=negative_list, actor=None)
    assert Membership.objects.filter(user=member, enterprise=company).exists()
    return {"district": district, "enterprise": company, "member": member, "liaison": liaison}
