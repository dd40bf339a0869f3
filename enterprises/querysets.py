"""Row scope for registry models: who may see which rows (DESIGN §6)."""

import operator
from functools import reduce

from django.db import models

from portal.roles import Role
from portal.scope import ScopedQuerySet


class ReferenceQuerySet(ScopedQuerySet):
    """Districts, industries and spectra: reference data (`Public`)."""


def jurisdiction_paths(user) -> list[str]:
    from .models import Jurisdiction

    return list(
        Jurisdiction.objects.filter(user=user).values_list("district__path", flat=True)
    )


def district_path_q(paths: list[str], field: str = "district__path") -> models.Q:
    query = models.Q(pk__in=[])
    for path in paths:
        query |= models.Q(**{f"{field}__startswith": path})
    return query


def enterprise_scope(user, prefix: str = "") -> models.Q | None:
    """Which enterprises `user` may see, as a condition on the enterprise's own row (or its
    district), reached through `prefix` from another model ("enterprise__" on filings).

    Members see their enterprises; liaisons those assigned to them directly or through
    their spectrum while the assignment is active; officers those in their districts;
    administrators and inspectors all (None: no condition). Signed-in users only.
    """
    if user.sees_everything:
        return None
    conditions = []
    if user.has_role(Role.ENTERPRISE):
        from .models import Membership

        # A subquery, not a join: a join on memberships could repeat rows, and later
        # filters or annotations over memberships would reuse it.
        members = Membership.objects.filter(user=user).values("enterprise")
        conditions.append(models.Q(**{f"{prefix}pk__in": members}))
    if user.has_role(Role.LIAISON):
        from liaisons.models import Assignment

        active = Assignment.objects.filter(official=user).active()
        assigned = active.exclude(enterprise=None).values("enterprise")
        spectra = active.exclude(spectrum=None).values("spectrum")
        conditions.append(models.Q(**{f"{prefix}pk__in": assigned}))
        conditions.append(models.Q(**{f"{prefix}spectrum__in": spectra}))
    if user.has_role(Role.LABOR_OFFICER, Role.SUPPLY_OFFICER):
        conditions.append(district_path_q(jurisdiction_paths(user), f"{prefix}district__path"))
    if not conditions:
        return models.Q(**{f"{prefix}pk__in": []})  # no role that sees any
    # Every condition is on the enterprise's own row (or its district), so no row repeats.
    return reduce(operator.or_, conditions)


class EnterpriseQuerySet(ScopedQuerySet):
    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(models.Q(name__icontains=text) | models.Q(credit_code__istartswith=text))


class MembershipQuerySet(ScopedQuerySet):
    pass


class JurisdictionQuerySet(ScopedQuerySet):
    pass
