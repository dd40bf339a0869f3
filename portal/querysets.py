"""Row scope for the portal shell's own models."""

from django.db import models


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Everyone reads only their own inbox."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)
