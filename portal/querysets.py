"""Row scope for the portal shell's own models."""

from .scope import ScopedQuerySet


class NotificationQuerySet(ScopedQuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)
