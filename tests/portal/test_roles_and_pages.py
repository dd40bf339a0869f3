"""Roles exist on every database, and each role gets its pages in zh-hans or English."""

import datetime

import pytest
from django.contrib.auth.models import Group

from enterprises import services
from liaisons import services as liaison_services
from portal.roles import ROLE_PERMISSIONS, Role
from tests.enterprises import factories
from tests.factories import PASSWORD, user_with

pytestmark = pytest.mark.django_db


def test_every_role_group_exists_with_exactly_its_permissions():
    for role, grants in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        wanted = {
            f"{key.split('.')[0]}.{action}_{key.split('.')[1]}"
            for key, actions in grants.items()
            for action in actions.split()
        }
        assert held == wanted, role


def test_inspector_can_read_but_not_change():
    inspector = user_with(Role.INSPECTOR)
    assert inspector.has_perm("portal.view_journalentry")
    assert inspector.has_perm("enterprises.view_enterprise")
    assert not inspector.has_perm("enterprises.change_enterprise")
    assert not inspector.has_perm("liaisons.add_assignment")


def test_login_page_is_chinese_by_default_and_english_on_request(client):
    assert "登录" in client.get("/accounts/login/").content.decode()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in" in english and "登录" not in english


def test_language_switcher_sets_english(client):
    user = user_with(Role.ENTERPRISE)
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert "Welcome" in response.content.decode()


def test_wrong_password_stays_on_login_with_error(client):
    user = user_with(Role.ENTERPRISE)
    response = client.post("/accounts/login/", {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_enterprise_home_lists_only_its_enterprise(client):
    member = user_with(Role.ENTERPRISE)
    mine = factories.enterprise(actor=member, name="杭州平治信息技术有限公司")
    factories.enterprise(name="别家企业有限公司")
    client.force_login(member)
    page = client.get("/").content.decode()
    assert mine.name in page
    assert "别家企业有限公司" not in page
    assert "您的范围内有 1 家企业" in page


def test_liaison_home_shows_what_they_serve(client):
    admin = user_with(Role.ADMIN)
    liaison = user_with(Role.LIAISON)
    spectrum = factories.spectrum(name="生物医药谱系", actor=admin)
    liaison_services.assignment_create(
        actor=admin, official=liaison, kind="family_liaison", spectrum=spectrum,
        active_from=datetime.date(2020, 2, 10),
    )
    client.force_login(liaison)
    page = client.get("/").content.decode()
    assert "谱系亲情员" in page and "生物医药谱系" in page


def test_inspector_home_shows_the_journal_head(client):
    factories.enterprise()
    client.force_login(user_with(Role.INSPECTOR))
    page = client.get("/").content.decode()
    assert "最新条目" in page


def test_healthz(client):
    assert client.get("/healthz").json()["status"] == "ok"  # each component: test_healthz.py


def test_api_docs_and_schema_need_no_external_assets(client):
    docs = client.get("/api/docs/").content.decode()
    assert "http://" not in docs.replace("http://testserver", "") and "https://" not in docs
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/enterprises/" in schema.content


def test_officer_sees_enterprises_of_its_jurisdiction():
    from enterprises.models import Enterprise

    admin = user_with(Role.ADMIN)
    officer = user_with(Role.LABOR_OFFICER)
    qiantang = factories.district()
    binjiang = factories.district("330108", "滨江区")
    inside = factories.enterprise(actor=admin, district=qiantang)
    factories.enterprise(actor=admin, district=binjiang)
    services.jurisdiction_add(user=officer, district=qiantang, actor=admin)
    assert list(Enterprise.objects.visible_to(officer)) == [inside]
