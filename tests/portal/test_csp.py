"""Content-Security-Policy on every response: the portal loads nothing from elsewhere and runs
no inline code but the API docs' one script and style, allowed by a per-response nonce
(issue 9 §6)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.roles import Role
from tests.factories import PASSWORD, user_with

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


class Assets(HTMLParser):
    """The page's scripts and stylesheets, and its inline script and style elements."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[tuple[str, dict]] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("rel") in {"stylesheet", "icon"}:
            self.urls.append(attrs["href"])
        elif tag in {"script", "style"}:
            self.inline.append((tag, attrs))


def parse(response) -> Assets:
    assets = Assets()
    assets.feed(response.content.decode())
    return assets


def assert_strict(response):
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for name in ("script-src", "style-src"):
        assert "'self'" in directives[name]
        assert "'unsafe-inline'" not in directives[name]
        assert "'unsafe-eval'" not in directives[name]
    sources = " ".join(value for values in directives.values() for value in values)
    assert "http" not in sources and "*" not in sources


@pytest.fixture
def admin_client(client):
    admin = user_with(Role.ADMIN, is_staff=True)
    client.login(username=admin.username, password=PASSWORD)
    return client


def test_pages_admin_api_and_errors_carry_the_policy(admin_client):
    for url in ("/", "/accounts/login/", "/admin/", "/admin/enterprises/enterprise/",
                "/api/v1/districts/", "/api/docs/", "/api/schema/", "/no-such-page/",
                "/v/unknown-token/", "/healthz"):
        response = admin_client.get(url)
        assert response.status_code < 500, url
        assert_strict(response)


def test_the_policy_is_set_on_answers_refused_before_any_view(client):
    response = client.get("/accounts/login/?next=%00")
    assert response.status_code == 400
    assert_strict(response)


def test_api_docs_inline_code_carries_the_nonce_of_its_response(admin_client):
    response = admin_client.get("/api/docs/")
    assert response.status_code == 200
    nonces = [value for value in policy(response)["script-src"] if value.startswith("'nonce-")]
    assert len(nonces) == 1 and nonces == [
        value for value in policy(response)["style-src"] if value.startswith("'nonce-")
    ]
    nonce = nonces[0][len("'nonce-"):-1]
    assets = parse(response)
    assert {tag for tag, _attrs in assets.inline} == {"script", "style"}
    assert all(attrs.get("nonce") == nonce for _tag, attrs in assets.inline)
    # Every other response gets a new nonce: one seen in a page cannot be replayed.
    assert nonce not in admin_client.get("/api/docs/")["Content-Security-Policy"]


def test_api_docs_load_their_assets_from_the_portal_and_render(admin_client):
    """Swagger UI comes from drf-spectacular-sidecar's static files, fetched here one by one;
    and the schema it renders is served by the portal."""
    response = admin_client.get("/api/docs/")
    assets = parse(response)
    assert len(assets.urls) >= 3  # the bundle, the preset, the stylesheet (and the icon)
    for url in assets.urls:
        assert url.startswith("/static/"), url
        fetched = admin_client.get(url)
        assert fetched.status_code == 200, url
        assert b"".join(fetched.streaming_content if fetched.streaming else [fetched.content])
    body = response.content.decode()
    assert '"validatorUrl": null' in body or '"validatorUrl":null' in body
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200 and b"/api/v1/" in schema.content


def test_pages_have_no_inline_code_and_load_the_portal_script(admin_client):
    for url in ("/", "/accounts/login/", "/notifications/"):
        response = admin_client.get(url)
        assets = parse(response)
        assert assets.inline == [] and assets.handlers == [], url
        assert any(url_.endswith("portal/portal.js") for url_ in assets.urls), url
    assert admin_client.get("/static/portal/portal.js").status_code == 200


def test_templates_hold_no_inline_script_style_or_handler():
    """A template added later with an onclick or a <script> body would be blocked by the
    policy in the browser; it fails here first."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", re.I)
    inline_style = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>|\sstyle=\"", re.I)
    handler = re.compile(r"\son[a-z]+=\"", re.I)
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for pattern in (inline_script, inline_style, handler):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern.pattern}")
    assert not offenders, offenders


def test_admin_export_page_loads_the_portal_script_for_its_select_all_box(admin_client):
    response = admin_client.get("/admin/enterprises/enterprise/export/")
    assert response.status_code == 200
    assert "portal/portal.js" in response.content.decode()
    assert_strict(response)


@pytest.mark.e2e
def test_pages_and_docs_run_in_a_browser_without_violations(transactional_db, live_server,
                                                            monkeypatch):
    """Headless Chromium reports every blocked script, style or image on the console."""
    from tests.e2e.conftest import CHROMIUM_FLAGS, _chromium_path

    executable = _chromium_path()
    if executable is None:
        pytest.skip("needs Debian's chromium (apt-get install chromium, or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs the playwright package (pip install -e '.[dev]')")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    admin = user_with(Role.ADMIN, is_staff=True, username="csp-admin")
    violations = []
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_FLAGS)
            page = browser.new_page()
            page.on("console", lambda message: violations.append(message.text)
                    if "Content Security Policy" in message.text else None)
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", admin.username)
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.click("form button[type=submit]")
            for url in ("/", "/admin/", "/admin/enterprises/enterprise/"):
                page.goto(f"{live_server.url}{url}")
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector("#swagger-ui .information-container .title", timeout=15_000)
            page.wait_for_selector("#swagger-ui .opblock", timeout=15_000)
            # The language switch is bound by portal.js, not by an inline handler.
            page.goto(f"{live_server.url}/")
            with page.expect_navigation():
                page.select_option("select[name=language]", "en")
            assert page.locator("html").get_attribute("lang") == "en"
            browser.close()
    finally:
        from django.db import connections

        connections.close_all()
    assert violations == []
