"""Scopes that need the registry: by enterprise and by district (DESIGN §6).

Who may see which enterprises is the registry's rule (`enterprise_scope`): members their
own, liaisons those they serve, officers those of their districts. A model scoped
`ByEnterprise("filing__enterprise")` is seen exactly when its enterprise is.
"""

from __future__ import annotations

from django.db import models

from portal.scope import NOTHING, Scope, lookup, value_at

ENTERPRISE_TYPE = "enterprises.enterprise"


class ByEnterprise(Scope):
    """Rows of an enterprise the user may see; `path` leads to the enterprise (`""` for an
    enterprise itself). The journal entry carries the enterprise and its district.

    `leaves`: the field naming a user whose removal (a delete of this object) takes the
    enterprise out of that user's scope; the feed sends them a delete of the enterprise
    (memberships: `leaves="user"`).
    """

    exit_type = ENTERPRISE_TYPE

    def __init__(self, path: str = "enterprise", *, leaves: str | None = None):
        super().__init__(enterprise=path, district=lookup(path, "district"))
        self.path = path
        self.leaves = leaves

    def rows(self, user):
        from .querysets import enterprise_scope

        return enterprise_scope(user, lookup(self.path, ""))

    def entries(self, user, types):
        from .models import Enterprise

        return models.Q(object_type__in=types,
                        enterprise_id__in=Enterprise.objects.visible_to(user).values("pk"))

    def exits(self, user):
        if self.leaves is None:
            return None
        from .models import Enterprise

        return models.Q(op="delete", **{f"data__{self.leaves}": user.pk}) & ~models.Q(
            enterprise_id__in=Enterprise.objects.visible_to(user).values("pk")
        )

    def columns(self, obj):
        enterprise = value_at(obj, self.path)
        if not self.path:
            return enterprise, obj.district_id
        holder = obj
        for hop in self.path.split("__"):
            holder = getattr(holder, hop)
            if holder is None:
                return enterprise, ""
        return enterprise, holder.district_id

    @property
    def feed_key(self):
        return (ByEnterprise,)

    def __repr__(self):
        return f"ByEnterprise({self.path!r})"


class ByDistrict(Scope):
    """Rows of a district (a depot, a trip's origin): seen by the officers whose
    jurisdiction covers it and by the all-seeing roles. `path` leads to the district."""

    def __init__(self, path: str = "district"):
        super().__init__(district=path)
        self.path = path

    def rows(self, user):
        from .querysets import district_path_q, jurisdiction_paths

        paths = jurisdiction_paths(user)
        return district_path_q(paths, lookup(self.path, "path")) if paths else NOTHING

    def entries(self, user, types):
        from .models import District
        from .querysets import district_path_q, jurisdiction_paths

        paths = jurisdiction_paths(user)
        if not paths:
            return NOTHING
        codes = District.objects.filter(district_path_q(paths, "path")).values("code")
        return models.Q(object_type__in=types, district__in=codes)

    @property
    def feed_key(self):
        return (ByDistrict,)

    def __repr__(self):
        return f"ByDistrict({self.path!r})"
