"""Reads about the registry that every app asks: who belongs to an enterprise."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .models import Membership


def members_of(enterprise):
    """The active users who are members of `enterprise` (they hear about its affairs)."""
    return get_user_model().objects.filter(
        pk__in=Membership.objects.filter(enterprise_id=enterprise.pk).values("user"),
        is_active=True,
    )


def is_member(user, enterprise) -> bool:
    return Membership.objects.filter(user=user, enterprise_id=enterprise.pk).exists()
