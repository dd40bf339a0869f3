"""A small world for the contract tests: two of everything, one in scope and one out.

Districts A (钱塘区) and B (滨江区) under one city and province; enterprise A in spectrum A
with a member, a family liaison serving the spectrum and officers holding A's district;
enterprise B with its own member, liaison and officers out of reach of A's. Every role has
two users, `<role>_a` and `<role>_b` (the all-seeing roles too: their own tokens and inbox
still differ), and `member_left` was a member of enterprise A until that membership was
removed. Filing A is filed (with a number) and confirmed on site by liaison A; filing B
was held for review (district B was at high risk when it was submitted). One negative-list
version is published, one is a draft. All state is made through the services, as the rest
of the suite does.

Every row the contract tests compare has a name (`World.names`): the hand-written scope
table (`scope_table.py`) speaks of these names. A new API resource or admin model whose
model has no row here makes the matrices fail naming the model: add its objects (one in
A's scope, one in B's) in `build_world` and name them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from enterprises import services as registry_services
from filings import services as filing_services
from filings.models import MEASURES
from liaisons import services as liaison_services
from portal import notifications
from portal import tokens as token_services
from portal.accounts import services as account_services
from portal.models import ApiToken, Notification, User
from portal.roles import Role
from tests.enterprises import factories as registry
from tests.factories import PASSWORD, user_with
from tests.filings import factories as filing_factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ANONYMOUS = "anonymous"
ROLES = [role.value for role in Role]

# Values for URL arguments other than a route's lookup, from the route's object.
URL_KWARGS = {
    "attachment_id": lambda filing: filing.attachments.order_by("pk").first().pk,
    "photo_id": lambda visit: visit.photos.order_by("pk").first().pk,
}


def person(role: str, side: str) -> str:
    """The world's name of the user of `role` on `side` ("a" or "b")."""
    return f"{'member' if role == Role.ENTERPRISE else role}_{side}"


@dataclass
class World:
    """The users and objects of the world, by name."""

    # One user per role (its A side), `None` for anonymous: what the route matrix calls.
    users: dict[str, User | None] = field(default_factory=dict)
    # Each role's API token (A side), for `headers(role)`.
    tokens: dict[str, str] = field(default_factory=dict)
    # Objects a test may want by name (enterprise_a, filing_b, ...).
    objects: dict[str, object] = field(default_factory=dict)
    # Every user by name (member_a, liaison_b, member_left, ...) and their tokens.
    people: dict[str, User] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    # (model label, pk as text) → name, for every row the scope table speaks of.
    names: dict[tuple[str, str], str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        """Request headers that authenticate as `role` (none for anonymous)."""
        token = self.tokens.get(role)
        return {"Authorization": f"Token {token}"} if token else {}

    def headers_for(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Token {self.secrets[name]}"}

    def name_of(self, model, pk) -> str | None:
        return self.names.get((model._meta.label_lower, str(pk)))

    def named(self, model, pks) -> set[str]:
        """The names of `pks` of `model`; a row the world did not name reads `<label pk>`."""
        label = model._meta.label_lower
        return {self.names.get((label, str(pk)), f"<{label} {pk}>") for pk in pks}

    def get(self, name: str):
        return self.people[name] if name in self.people else self.objects[name]


def _attach(filing, member):
    return filing_services.attachment_add(
        filing=filing, actor=member, upload=SimpleUploadedFile("防疫方案.pdf", PDF)
    )


def _name_rows(world: World) -> None:
    names = world.names

    def add(obj, name):
        names[(obj._meta.label_lower, str(obj.pk))] = name

    for name, obj in world.objects.items():
        add(obj, name)
    by_pk = {}
    for name, user in world.people.items():
        add(user, name)
        by_pk[user.pk] = name
    for group in Group.objects.all():
        add(group, f"group_{group.name}")
    for token in ApiToken.objects.all():
        add(token, f"token_{by_pk[token.user_id]}")
    for notification in Notification.objects.all():
        add(notification, f"inbox_{by_pk[notification.recipient_id]}")


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@transaction.atomic
def build_world() -> World:
    admin = user_with(Role.ADMIN, is_staff=True, username="world-admin")
    people: dict[str, User] = {"admin_a": admin}
    people["admin_b"] = user_with(Role.ADMIN, is_staff=True, username="world-admin-b")
    for side in "ab":
        people[f"inspector_{side}"] = user_with(Role.INSPECTOR, username=f"world-inspector-{side}")
    district_a = registry.district()
    district_b = registry.district("330108", "滨江区")
    spectrum_a = registry.spectrum(name="A 谱系", district_obj=district_a, actor=admin)
    spectrum_b = registry.spectrum(name="B 谱系", district_obj=district_b, actor=admin)

    member_a = people["member_a"] = user_with(Role.ENTERPRISE, username="world-member-a")
    member_b = people["member_b"] = user_with(Role.ENTERPRISE, username="world-member-b")
    enterprise_a = registry.enterprise(actor=admin, district=district_a, spectrum=spectrum_a)
    enterprise_b = registry.enterprise(actor=admin, district=district_b, spectrum=spectrum_b)
    membership_a = registry_services.membership_add(
        user=member_a, enterprise=enterprise_a, actor=admin, title="经理"
    )
    membership_b = registry_services.membership_add(
        user=member_b, enterprise=enterprise_b, actor=admin, title="经理"
    )
    # A user made through the account services (so users are journaled too) who was a
    # member of enterprise A until the membership was removed: the feed owes them its end.
    left = people["member_left"] = account_services.user_create(
        actor=admin, username="world-member-left", password=PASSWORD,
        groups=Group.objects.filter(name=Role.ENTERPRISE),
    )
    gone = registry_services.membership_add(user=left, enterprise=enterprise_a, actor=admin)
    registry_services.membership_remove(membership=gone, actor=admin)

    objects = {
        "district_province": registry.province(), "district_city": district_a.parent,
        "district_a": district_a, "district_b": district_b,
        "spectrum_a": spectrum_a, "spectrum_b": spectrum_b,
        "enterprise_a": enterprise_a, "enterprise_b": enterprise_b,
        "membership_a": membership_a, "membership_b": membership_b,
    }

    start = datetime.date(2020, 2, 1)
    for side, spectrum in (("a", spectrum_a), ("b", spectrum_b)):
        liaison = people[f"liaison_{side}"] = user_with(
            Role.LIAISON, is_staff=True, username=f"world-liaison-{side}"
        )
        objects[f"assignment_{side}"] = liaison_services.assignment_create(
            actor=admin, official=liaison, kind="family_liaison", spectrum=spectrum,
            active_from=start, note="谱系亲情员",
        )

    for role in (Role.LABOR_OFFICER, Role.SUPPLY_OFFICER):
        for side, district in (("a", district_a), ("b", district_b)):
            name = person(role, side)
            officer = people[name] = user_with(role, username=f"world-{role}-{side}")
            objects[f"jurisdiction_{name}"] = registry_services.jurisdiction_add(
                user=officer, district=district, actor=admin
            )

    # A published negative list (its entry matches neither enterprise) and a draft version.
    published = filing_factories.negative_list([("0610", "煤炭开采", None)], actor=admin)
    draft = filing_factories.negative_list([("0620", "褐煤开采", None)], publish=False,
                                           actor=admin)
    objects.update({
        "negative_list_published": published, "negative_list_draft": draft,
        "entry_published": published.entries.get(), "entry_draft": draft.entries.get(),
    })

    filing_a = filing_factories.filed(enterprise_a, member_a)
    objects["confirmation_a"] = filing_services.filing_confirm(
        filing=filing_a, actor=people["liaison_a"], checklist=dict.fromkeys(MEASURES, True),
        outcome="confirmed",
    ).confirmations.get()
    # Submitted while district B was at high risk: held for a liaison's review.
    filing_factories.set_risk(district_b, "high")
    filing_b = filing_factories.filed(enterprise_b, member_b)
    filing_factories.set_risk(district_b, "low")
    objects.update({
        "filing_a": filing_a, "filing_b": filing_b,
        "attachment_a": _attach(filing_a, member_a), "attachment_b": _attach(filing_b, member_b),
    })
    # Help requests, one per enterprise with a message each; a policy note for everyone.
    objects["policy_note"] = liaison_services.policy_note_create(
        actor=admin, title="阶段性减免社会保险费", text="免征三项社会保险单位缴费部分。",
        source="人社部发〔2020〕11号", valid_from=start,
    )
    for side, enterprise, member in (("a", enterprise_a, member_a), ("b", enterprise_b, member_b)):
        help_request = objects[f"help_request_{side}"] = liaison_services.help_request_create(
            actor=member, enterprise=enterprise, category="supplies", priority="high",
            title=f"急需口罩 3000 只（{side}）",
        )
        objects[f"help_request_comment_{side}"] = liaison_services.help_request_comment(
            help_request=help_request, actor=member, text="明天复工，很急",
        )
        objects[f"help_request_{side}"].refresh_from_db()
    # Visits (the confirmation of filing A is one too), a photo of each site visit, tasks.
    from liaisons.models import Visit

    objects["visit_confirmation_a"] = Visit.objects.get(
        enterprise=enterprise_a, kind=Visit.Kind.RESUMPTION_CONFIRMATION)
    objects["visit_photo_confirmation_a"] = liaison_services.visit_photo_add(
        visit=objects["visit_confirmation_a"], actor=people["liaison_a"],
        upload=SimpleUploadedFile("隔离区.png", _png()),
    )
    for side, enterprise in (("a", enterprise_a), ("b", enterprise_b)):
        liaison = people[f"liaison_{side}"]
        visit = objects[f"visit_{side}"] = liaison_services.visit_create(
            actor=liaison, enterprise=enterprise, checklist={"masks": True},
            findings="门岗测温到位",
        )
        objects[f"visit_photo_{side}"] = liaison_services.visit_photo_add(
            visit=visit, actor=liaison, upload=SimpleUploadedFile("门岗.png", _png()),
        )
        objects[f"task_{side}"] = liaison_services.task_create(
            actor=liaison, enterprise=enterprise, title="补充隔离区标识",
            due_date=timezone.localdate() + datetime.timedelta(days=7), visit=visit,
        )
    for name in ("filing_a", "filing_b", "district_b"):
        objects[name].refresh_from_db()

    notifications.notify(recipients=list(people.values()), kind="world.hello", title="欢迎")
    secrets = {name: token_services.issue(user) for name, user in people.items()}
    users: dict[str, User | None] = {ANONYMOUS: None}
    users.update({role: people[person(role, "a")] for role in ROLES})
    world = World(
        users=users,
        tokens={role: secrets[person(role, "a")] for role in ROLES},
        objects=objects, people=people, secrets=secrets,
    )
    _name_rows(world)
    return world
