"""Row scope for filings (DESIGN §6): each model's declared `scope` gives its `visible_to`."""


from portal.scope import ScopedQuerySet


class NegativeListQuerySet(ScopedQuerySet):
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


class NegativeListEntryQuerySet(ScopedQuerySet):
    pass


class FilingQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(status__in=self.model.ACTIVE)


class AttachmentQuerySet(ScopedQuerySet):
    pass


class ConfirmationQuerySet(ScopedQuerySet):
    pass
