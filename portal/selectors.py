"""Reads that span apps: what each role sees first on its home page."""

from enterprises.models import Enterprise
from liaisons.models import Assignment

from .models import JournalAnchor, JournalEntry
from .roles import Role


def home_panels(user) -> dict:
    enterprises = Enterprise.objects.visible_to(user)
    panels = {
        "roles": [Role(role).label for role in sorted(user.roles) if role in Role.values],
        "enterprise_count": enterprises.count(),
        "enterprises": list(
            enterprises.select_related("district", "industry").order_by("name")[:10]
        ),
    }
    if user.has_role(Role.LIAISON):
        panels["assignments"] = list(
            Assignment.objects.filter(official=user).active()
            .select_related("spectrum", "enterprise").order_by("active_from")
        )
    if user.has_role(Role.ADMIN, Role.INSPECTOR):
        panels["journal_head"] = JournalEntry.objects.order_by("-seq").first()
        panels["last_anchor"] = JournalAnchor.objects.order_by("-seq").first()
    return panels
