"""Liaison models: who serves whom (assignments), what enterprises ask (help requests, the
policy library), and what officials did on site (visits, with photos) and set (task lists)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.scope import ByEnterprise
from portal.models import TrackedModel
from portal.scope import Owner, Public

from .querysets import (
    AssignmentQuerySet,
    HelpRequestCommentQuerySet,
    HelpRequestQuerySet,
    PolicyNoteQuerySet,
    TaskQuerySet,
    VisitPhotoQuerySet,
    VisitQuerySet,
)


class Assignment(TrackedModel):
    """An official serving one spectrum (family liaison, 谱系亲情员) or one enterprise
    (resident officer, 驻厂员), from a date and possibly until one."""

    class Kind(models.TextChoices):
        RESIDENT_OFFICER = "resident_officer", _("resident officer")
        FAMILY_LIAISON = "family_liaison", _("family liaison")

    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments",
        verbose_name=_("official"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    spectrum = models.ForeignKey(
        "enterprises.Spectrum", on_delete=models.PROTECT, null=True, blank=True,
        related_name="assignments", verbose_name=_("spectrum"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, null=True, blank=True,
        related_name="assignments", verbose_name=_("enterprise"),
    )
    active_from = models.DateField(_("active from"))
    active_to = models.DateField(_("active until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    scope = Owner("official", enterprise="enterprise")
    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(spectrum__isnull=False, enterprise__isnull=True)
                    | models.Q(spectrum__isnull=True, enterprise__isnull=False)
                ),
                name="assignment_one_target",
                violation_error_message=_("Assign either a spectrum or an enterprise, not both."),
            ),
            models.CheckConstraint(
                condition=models.Q(active_to__isnull=True)
                | models.Q(active_to__gte=models.F("active_from")),
                name="assignment_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["official", "active_from"], name="assignment_official_idx")]

    def __str__(self):
        return f"{self.official} → {self.spectrum or self.enterprise}"

    def clean(self):
        if bool(self.spectrum_id) == bool(self.enterprise_id):
            raise ValidationError(_("Assign either a spectrum or an enterprise, not both."))
        errors = {}
        if self.kind == self.Kind.FAMILY_LIAISON and self.enterprise_id:
            errors["enterprise"] = _("A family liaison serves a spectrum, not one enterprise.")
        if self.kind == self.Kind.RESIDENT_OFFICER and self.spectrum_id:
            errors["spectrum"] = _("A resident officer is placed in an enterprise.")
        if errors:
            raise ValidationError(errors)


class PolicyNote(TrackedModel):
    """A note in the shared policy library (主动帮助企业了解政策): what a measure says, where
    it comes from and while it is valid. Officials answer policy questions from it;
    enterprises browse and search it."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    source = models.CharField(_("source"), max_length=255, blank=True,
                              help_text=_("The document or office the policy comes from."))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    district = models.ForeignKey(
        "enterprises.District", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("district"),
        help_text=_("Empty: applies everywhere."),
    )

    scope = Public(district="district")
    objects = PolicyNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy note")
        verbose_name_plural = _("policy notes")
        ordering = ["-valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="policy_note_dates_ordered",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return self.title

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class HelpRequest(TrackedModel):
    """An enterprise's request for help (masks, a commuting pass, workers, materials, a
    policy question), triaged by the officials who serve it, with a due time from its
    priority (DESIGN §7)."""

    class Category(models.TextChoices):
        SUPPLIES = "supplies", _("supplies")
        PASS = "pass", _("commuting pass")
        LABOR = "labor", _("workers")
        MATERIALS = "materials", _("materials")
        POLICY = "policy", _("policy question")
        OTHER = "other", _("other")

    class Priority(models.TextChoices):
        URGENT = "urgent", _("urgent")
        HIGH = "high", _("high")
        NORMAL = "normal", _("normal")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")
        REJECTED = "rejected", _("rejected")

    # Still waiting for the officials: counted in caseloads, reminded and escalated.
    PENDING = (Status.OPEN, Status.IN_PROGRESS)

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="help_requests",
        verbose_name=_("enterprise"),
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    priority = models.CharField(_("priority"), max_length=6, choices=Priority.choices,
                                default=Priority.NORMAL)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=11, choices=Status.choices,
                              default=Status.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("raised by"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="assigned_help_requests", verbose_name=_("assignee"),
    )
    due_at = models.DateTimeField(_("due"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    reopened_count = models.PositiveIntegerField(_("times reopened"), default=0)
    # Set once each, by the beat task, so a retried or doubled run never repeats them.
    reminded_at = models.DateTimeField(_("assignee reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    scope = ByEnterprise("enterprise")
    objects = HelpRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="help_request_status_due_idx"),
            models.Index(fields=["assignee", "status"], name="help_request_assignee_idx"),
            models.Index(fields=["enterprise", "status"], name="help_request_enterprise_idx"),
            # The triage's default order (the admin changelist's first page of 100k rows).
            models.Index(fields=["due_at", "id"], name="help_request_due_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING


class HelpRequestComment(TrackedModel):
    """A message on a help request, from the enterprise or from an official; an answer may
    cite a policy note."""

    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.CASCADE, related_name="comments",
        verbose_name=_("help request"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("author"),
    )
    text = models.TextField(_("text"))
    policy_note = models.ForeignKey(
        PolicyNote, on_delete=models.PROTECT, null=True, blank=True, related_name="answers",
        verbose_name=_("policy note"),
    )
    from_official = models.BooleanField(_("from an official"), default=False)

    scope = ByEnterprise("help_request__enterprise")
    objects = HelpRequestCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["id"]

    def __str__(self):
        return self.text[:40]


# What an official checks on site: the seven measures of a filing (the Chengdu conditions,
# `filings.models.MEASURES`) and the Hangzhou story's visitor registration and health-code
# checks (its temperature checks are one of the seven already). A filing's on-site
# confirmation records the same keys, so both are one kind of record.
VISITOR_CHECKS = ("visitor_registration", "health_code_checks")


def checklist_keys() -> tuple[str, ...]:
    from filings.models import MEASURES

    return (*MEASURES, *VISITOR_CHECKS)


class Visit(TrackedModel):
    """An official's visit to an enterprise (走访): when, what was found in place (the
    checklist: true found, false missing, null not checked), findings and photos. A
    filing's on-site confirmation (复工确认) is recorded as a visit of its own kind."""

    class Kind(models.TextChoices):
        SITE_VISIT = "site_visit", _("site visit")
        RESUMPTION_CONFIRMATION = "resumption_confirmation", _("resumption confirmation")

    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits",
        verbose_name=_("official"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="visits",
        verbose_name=_("enterprise"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices,
                            default=Kind.SITE_VISIT)
    visited_at = models.DateTimeField(_("visited at"))
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    filing = models.ForeignKey(
        "filings.Filing", on_delete=models.PROTECT, null=True, blank=True,
        related_name="visits", verbose_name=_("filing"),
    )
    confirmation = models.OneToOneField(
        "filings.Confirmation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="visit", verbose_name=_("confirmation"),
    )

    scope = ByEnterprise("enterprise")
    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "visited_at"], name="visit_enterprise_idx"),
            models.Index(fields=["official", "visited_at"], name="visit_official_idx"),
        ]

    def __str__(self):
        if not self.visited_at:
            return str(self.enterprise)
        from django.utils import timezone

        return f"{self.enterprise} · {timezone.localtime(self.visited_at):%Y-%m-%d}"

    @property
    def checked(self) -> tuple[int, int]:
        """(items found in place, items checked)."""
        values = [value for value in (self.checklist or {}).values() if value is not None]
        return sum(1 for value in values if value), len(values)


def visit_photo_path(instance, filename: str) -> str:
    import secrets

    suffix = {"image/jpeg": ".jpg", "image/png": ".png"}.get(instance.content_type, "")
    return f"visits/{instance.visit_id}/{secrets.token_hex(8)}{suffix}"


class VisitPhoto(TrackedModel):
    """A photo taken on a visit (JPEG or PNG, checked by content and size, stored
    re-encoded)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos",
                              verbose_name=_("visit"))
    file = models.FileField(_("file"), upload_to=visit_photo_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=100)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("uploaded by"),
    )

    scope = ByEnterprise("visit__enterprise")
    objects = VisitPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class Task(TrackedModel):
    """An item of a task list (任务清单) set after a visit or a meeting: what must be done
    by when, and by whom (the enterprise or an official). The owner closes it; an official
    serving the enterprise verifies it."""

    class Owner(models.TextChoices):
        ENTERPRISE = "enterprise", _("the enterprise")
        OFFICIAL = "official", _("an official")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        VERIFIED = "verified", _("verified")

    class Source(models.TextChoices):
        VISIT = "visit", _("visit")
        MEETING = "meeting", _("meeting")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="tasks",
        verbose_name=_("enterprise"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.CharField(_("owner"), max_length=10, choices=Owner.choices,
                             default=Owner.ENTERPRISE)
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="owned_tasks", verbose_name=_("responsible official"),
        help_text=_("The official who must do it, when an official owns the task."),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.OPEN)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices,
                              default=Source.MEETING)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="tasks", verbose_name=_("visit"))
    meeting = models.CharField(_("meeting"), max_length=200, blank=True,
                               help_text=_("Which meeting set the task, when one did."))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("set by"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("verified by"),
    )

    scope = ByEnterprise("enterprise")
    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="task_enterprise_idx"),
            models.Index(fields=["official", "status"], name="task_official_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner="enterprise") | models.Q(official__isnull=False),
                name="task_official_owner_named",
                violation_error_message=_("Name the official who owns the task."),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.owner == self.Owner.OFFICIAL and not self.official_id:
            errors["official"] = _("Name the official who owns the task.")
        if self.source == self.Source.VISIT and not self.visit_id:
            errors["visit"] = _("Name the visit the task comes from.")
        if self.visit_id and self.source != self.Source.VISIT:
            errors["source"] = _("A task from a visit has the source “visit”.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()
