"""A small world for the API contract tests: two of everything, one in scope and one out.

Districts A (钱塘区) and B (滨江区); enterprise A in spectrum A with a member, a family
liaison serving the spectrum and officers holding A's district; enterprise B with its own
member, liaison and officers out of reach of A's. Every routed model has rows on both
sides, so each role meets an object inside its scope and one outside it. All state is made
through the services, as the rest of the suite does.

A new API resource whose model has no row here makes the role matrix fail naming the
model: add its objects (one in A's scope, one in B's) in `build_world`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from rest_framework.authtoken.models import Token

from enterprises import services as registry_services
from filings import services as filing_services
from liaisons import services as liaison_services
from portal import notifications
from portal.models import User
from portal.roles import Role
from tests.enterprises import factories as registry
from tests.factories import user_with
from tests.filings import factories as filing_factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ANONYMOUS = "anonymous"

# Values for URL arguments other than a route's lookup, from the route's object.
URL_KWARGS = {
    "attachment_id": lambda filing: filing.attachments.order_by("pk").first().pk,
}


@dataclass
class World:
    """The users (one per role; `None` for anonymous) and their API tokens."""

    users: dict[str, User | None] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    # Objects a test may want by name (enterprise_a, filing_b, ...).
    objects: dict[str, object] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        """Request headers that authenticate as `role` (none for anonymous)."""
        token = self.tokens.get(role)
        return {"Authorization": f"Token {token}"} if token else {}


def _attach(filing, member):
    return filing_services.attachment_add(
        filing=filing, actor=member, upload=SimpleUploadedFile("防疫方案.pdf", PDF)
    )


@transaction.atomic
def build_world() -> World:
    admin = user_with(Role.ADMIN, is_staff=True, username="world-admin")
    district_a = registry.district()
    district_b = registry.district("330108", "滨江区")
    spectrum_a = registry.spectrum(name="A 谱系", district_obj=district_a, actor=admin)
    spectrum_b = registry.spectrum(name="B 谱系", district_obj=district_b, actor=admin)

    member_a = user_with(Role.ENTERPRISE, username="world-member-a")
    member_b = user_with(Role.ENTERPRISE, username="world-member-b")
    enterprise_a = registry.enterprise(actor=admin, district=district_a, spectrum=spectrum_a)
    enterprise_b = registry.enterprise(actor=admin, district=district_b, spectrum=spectrum_b)
    registry_services.membership_add(user=member_a, enterprise=enterprise_a, actor=admin)
    registry_services.membership_add(user=member_b, enterprise=enterprise_b, actor=admin)

    liaison_a = user_with(Role.LIAISON, is_staff=True, username="world-liaison-a")
    liaison_b = user_with(Role.LIAISON, is_staff=True, username="world-liaison-b")
    start = datetime.date(2020, 2, 1)
    for official, spectrum in ((liaison_a, spectrum_a), (liaison_b, spectrum_b)):
        liaison_services.assignment_create(
            actor=admin, official=official, kind="family_liaison", spectrum=spectrum,
            active_from=start,
        )

    officers = {}
    for role in (Role.LABOR_OFFICER, Role.SUPPLY_OFFICER):
        for suffix, district in (("a", district_a), ("b", district_b)):
            officer = user_with(role, username=f"world-{role}-{suffix}")
            registry_services.jurisdiction_add(user=officer, district=district, actor=admin)
            officers[f"{role}_{suffix}"] = officer
    inspector = user_with(Role.INSPECTOR, username="world-inspector")

    # A published negative list (its entry matches neither enterprise) and a draft version.
    filing_factories.negative_list([("0610", "煤炭开采", None)], actor=admin)
    filing_factories.negative_list([("0620", "褐煤开采", None)], publish=False, actor=admin)

    filing_a = filing_factories.filed(enterprise_a, member_a)
    filing_b = filing_factories.draft(enterprise_b, member_b)
    _attach(filing_a, member_a)
    _attach(filing_b, member_b)

    users: dict[str, User | None] = {
        ANONYMOUS: None,
        Role.ENTERPRISE.value: member_a,
        Role.LIAISON.value: liaison_a,
        Role.LABOR_OFFICER.value: officers[f"{Role.LABOR_OFFICER}_a"],
        Role.SUPPLY_OFFICER.value: officers[f"{Role.SUPPLY_OFFICER}_a"],
        Role.INSPECTOR.value: inspector,
        Role.ADMIN.value: admin,
    }
    everyone = [user for user in User.objects.all()]
    notifications.notify(recipients=everyone, kind="world.hello", title="欢迎")

    tokens = {
        role: Token.objects.get_or_create(user=user)[0].key
        for role, user in users.items() if user is not None
    }
    return World(
        users=users,
        tokens=tokens,
        objects={
            "district_a": district_a, "district_b": district_b,
            "spectrum_a": spectrum_a, "spectrum_b": spectrum_b,
            "enterprise_a": enterprise_a, "enterprise_b": enterprise_b,
            "member_b": member_b, "liaison_b": liaison_b,
            "filing_a": filing_a, "filing_b": filing_b,
        },
    )
