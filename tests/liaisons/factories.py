"""Liaison factories: help requests and policy notes, made through the services."""

import datetime

from liaisons import services
from portal.roles import Role
from tests.enterprises import factories as registry
from tests.factories import user_with


def family_liaison(spectrum, admin=None, **user):
    liaison = user_with(Role.LIAISON, is_staff=True, **user)
    services.assignment_create(
        actor=admin, official=liaison, kind="family_liaison", spectrum=spectrum,
        active_from=datetime.date(2020, 2, 1),
    )
    return liaison


def resident_officer(enterprise, admin=None):
    officer = user_with(Role.LIAISON, is_staff=True)
    services.assignment_create(
        actor=admin, official=officer, kind="resident_officer", enterprise=enterprise,
        active_from=datetime.date(2020, 2, 1),
    )
    return officer


def enterprise_in_spectrum(name="口罩急需企业", admin=None):
    """An enterprise in a spectrum of its own, with one member."""
    district = registry.district()
    spectrum = registry.spectrum(name=f"{name}谱系", district_obj=district, actor=admin)
    member = user_with(Role.ENTERPRISE)
    enterprise = registry.enterprise(actor=admin, district=district, spectrum=spectrum)
    from enterprises import services as enterprise_services

    enterprise_services.membership_add(user=member, enterprise=enterprise, actor=admin)
    return enterprise, member, spectrum


def help_request(enterprise, member, **fields):
    values = {"category": "supplies", "priority": "normal", "title": "急需口罩 3000 只",
              "description": "复工 120 人，每人每天 2 只"}
    values.update(fields)
    return services.help_request_create(actor=member, enterprise=enterprise, **values)


def policy_note(**fields):
    values = {"title": "阶段性减免企业社会保险费",
              "text": "2020 年 2 月至 6 月免征中小微企业三项社会保险单位缴费部分。",
              "source": "人社部发〔2020〕11号", "valid_from": datetime.date(2020, 2, 1),
              "valid_to": datetime.date(2020, 6, 30)}
    values.update(fields)
    return services.policy_note_create(actor=None, **values)


def png(width=64, height=48, color=(200, 40, 40)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def visit(enterprise, official, **fields):
    values = {"checklist": {"masks": True, "screening": True, "health_code_checks": False},
              "findings": "健康码查验未落实"}
    values.update(fields)
    return services.visit_create(actor=official, enterprise=enterprise, **values)


def task(enterprise, official, **fields):
    from django.utils import timezone

    values = {"title": "补齐访客登记台账",
              "due_date": timezone.localdate() + datetime.timedelta(days=3)}
    values.update(fields)
    return services.task_create(actor=official, enterprise=enterprise, **values)
