"""Reads across models for the home page: an enterprise's filing status, a liaison's queue."""

from __future__ import annotations

from django.db import models

from enterprises.models import Enterprise, Membership
from portal.roles import Role

from .models import Filing


def enterprise_filings(user, limit: int = 10) -> list[dict]:
    """For each enterprise the user is a member of: its latest filing, and whether one is
    active."""
    if not user.has_role(Role.ENTERPRISE):
        return []
    enterprises = list(
        Enterprise.objects.filter(
            pk__in=Membership.objects.filter(user=user).values("enterprise")
        ).order_by("name")[:limit]
    )
    latest: dict[int, Filing] = {}
    for filing in Filing.objects.filter(enterprise__in=enterprises).order_by("-id"):
        latest.setdefault(filing.enterprise_id, filing)
    active = set(
        Filing.objects.filter(enterprise__in=enterprises).active()
        .values_list("enterprise_id", flat=True)
    )
    return [
        {"enterprise": e, "filing": latest.get(e.pk), "active": e.pk in active}
        for e in enterprises
    ]


def liaison_queue(user, limit: int = 10) -> dict | None:
    """What a liaison has to do: filings held for review, filed ones to confirm on site,
    and rectifications reported done."""
    if not user.has_role(Role.LIAISON):
        return None
    visible = Filing.objects.visible_to(user)
    review = models.Q(status=Filing.Status.NEEDS_REVIEW)
    confirm = models.Q(status=Filing.Status.FILED)
    rectified = models.Q(status=Filing.Status.RECTIFYING, rectification_reported_at__isnull=False)
    counts = visible.aggregate(
        review_count=models.Count("pk", filter=review),
        confirm_count=models.Count("pk", filter=confirm),
        rectified_count=models.Count("pk", filter=rectified),
    )
    items = list(
        visible.filter(review | rectified | confirm).select_related("enterprise")
        .order_by("status", "submitted_at")[:limit]
    )
    return {**counts, "items": items}
