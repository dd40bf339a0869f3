"""Filing factories: negative lists, liaisons and filings, all made through the services."""

import datetime

from enterprises import services as enterprise_services
from filings import services
from filings.models import MEASURES
from liaisons import services as liaison_services
from portal.roles import Role
from tests.enterprises import factories as registry
from tests.factories import user_with

ALL_MEASURES = dict.fromkeys(MEASURES, True)


def complete(**overrides) -> dict:
    """Every field a filing needs to be submitted."""
    fields = {
        "planned_resume_date": datetime.date(2020, 2, 21),
        "employees_total": 230,
        "employees_returning": 180,
        "employees_from_outside": 35,
        "commitment_accepted": True,
        "signer_name": "董叶明",
        **ALL_MEASURES,
    }
    fields.update(overrides)
    return fields


def member_enterprise(**overrides):
    """An enterprise and one member of it (who registered it)."""
    member = user_with(Role.ENTERPRISE)
    enterprise = registry.enterprise(actor=member, **overrides)
    return enterprise, member


def liaison_for(enterprise, admin=None):
    """A liaison placed in `enterprise` as its resident officer."""
    liaison = user_with(Role.LIAISON, is_staff=True)
    liaison_services.assignment_create(
        actor=admin, official=liaison, kind="resident_officer", enterprise=enterprise,
        active_from=datetime.date(2020, 2, 1),
    )
    return liaison


def negative_list(entries=(), *, publish=True, title="测试负面清单", actor=None):
    """A version with `entries` as (industry code, name, district or None) tuples."""
    from enterprises.models import Industry

    draft = services.negative_list_create(actor=actor, title=title)
    for code, name, district in entries:
        services.negative_list_entry_add(
            negative_list=draft, actor=actor, industry=Industry.objects.get(code=code),
            name=name, reason=f"{name}暂不复工", district=district,
        )
    if publish:
        return services.negative_list_publish(negative_list=draft, actor=actor).negative_list
    return draft


def draft(enterprise, member, **overrides):
    return services.filing_create(actor=member, enterprise=enterprise, **complete(**overrides))


def filed(enterprise, member, **overrides):
    return services.filing_submit(filing=draft(enterprise, member, **overrides), actor=member)


def set_risk(district, level):
    return enterprise_services.district_set_risk_level(
        district=district, risk_level=level, actor=None
    )
