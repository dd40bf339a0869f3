"""Row scope and filters for liaison work."""

from django.db import models
from django.utils import timezone


class AssignmentQuerySet(models.QuerySet):
    def active(self, on=None):
        """Assignments in force on `on` (today in Asia/Shanghai by default)."""
        on = on or timezone.localdate()
        return self.filter(active_from__lte=on).filter(
            models.Q(active_to__isnull=True) | models.Q(active_to__gte=on)
        )

    def visible_to(self, user):
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.sees_everything:
            return self.all()
        return self.filter(official=user)
