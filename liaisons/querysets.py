"""Row scope and filters for liaison work."""

from django.db import models
from django.utils import timezone

from portal.scope import ScopedQuerySet


class AssignmentQuerySet(ScopedQuerySet):
    def active(self, on=None):
        """Assignments in force on `on` (today in Asia/Shanghai by default)."""
        on = on or timezone.localdate()
        return self.filter(active_from__lte=on).filter(
            models.Q(active_to__isnull=True) | models.Q(active_to__gte=on)
        )


class PolicyNoteQuerySet(ScopedQuerySet):
    def valid_on(self, day=None):
        day = day or timezone.localdate()
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day)
        )

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(models.Q(title__icontains=text) | models.Q(text__icontains=text))


class HelpRequestQuerySet(ScopedQuerySet):
    def pending(self):
        return self.filter(status__in=self.model.PENDING)

    def overdue(self, at=None):
        return self.pending().filter(due_at__lt=at or timezone.now())

    def due_today(self, at=None):
        now = timezone.localtime(at or timezone.now())
        end = now.replace(hour=23, minute=59, second=59, microsecond=999999)
        return self.pending().filter(due_at__gte=now, due_at__lte=end)


class HelpRequestCommentQuerySet(ScopedQuerySet):
    pass


class VisitQuerySet(ScopedQuerySet):
    def since(self, day):
        return self.filter(visited_at__date__gte=day)


class VisitPhotoQuerySet(ScopedQuerySet):
    pass


class TaskQuerySet(ScopedQuerySet):
    def pending(self):
        """Still to do (open) or to check (done)."""
        return self.filter(status__in=(self.model.Status.OPEN, self.model.Status.DONE))

    def overdue(self, day=None):
        return self.filter(status=self.model.Status.OPEN,
                           due_date__lt=day or timezone.localdate())
