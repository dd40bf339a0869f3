"""Row scope for filings (DESIGN §6): the same `visible_to` for API, admin, pages and feed."""

from django.db import models

from portal.roles import Role


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


class NegativeListQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def drafts(self):
        return self.filter(published_at__isnull=True)

    def newest_first(self):
        """Published versions, the one filings are decided against now first."""
        return self.published().order_by("-number")

    def current(self):
        """The version filings are decided against now: the newest published one."""
        return self.newest_first().first()

    def visible_to(self, user):
        """Published versions are public to every signed-in user; drafts to administrators
        and inspectors."""
        if not _signed_in(user):
            return self.none()
        if user.has_role(Role.ADMIN, Role.INSPECTOR):
            return self.all()
        return self.published()


class NegativeListEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import NegativeList

        return self.filter(negative_list__in=NegativeList.objects.visible_to(user))


class FilingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=self.model.ACTIVE)

    def visible_to(self, user):
        """Filings of the enterprises the user may see (members, serving liaisons, officers
        of the district); administrators and inspectors see all."""
        if not _signed_in(user):
            return self.none()
        from enterprises.querysets import enterprise_scope

        # The enterprises' own scope, on the filing's enterprise: the same rule as
        # `Enterprise.objects.visible_to`, without nesting that whole query in this one.
        scope = enterprise_scope(user, "enterprise__")
        return self.all() if scope is None else self.filter(scope)


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import Filing

        if _signed_in(user) and user.sees_everything:
            return self.all()
        return self.filter(filing__in=Filing.objects.visible_to(user).values("pk"))


class ConfirmationQuerySet(AttachmentQuerySet):
    pass
