"""Resumption filing (备案制): the negative list, filings, their attachments and confirmations."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.scope import ByEnterprise
from portal.models import TrackedModel
from portal.scope import Published

from .querysets import (
    AttachmentQuerySet,
    ConfirmationQuerySet,
    FilingQuerySet,
    NegativeListEntryQuerySet,
    NegativeListQuerySet,
)

# The seven conditions of the Chengdu story, in the order the form and checklist show them.
MEASURES = (
    "screening",
    "dedicated_staff",
    "isolation_area",
    "masks",
    "disinfection",
    "closed_management",
    "temperature_checks",
)


class NegativeList(TrackedModel):
    """One version of the negative list (负面清单): industries that may not resume by filing.

    A version is edited as a draft and then published; a published version never changes.
    Filings store the version they were decided against.
    """

    number = models.PositiveIntegerField(_("version number"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", editable=False, verbose_name=_("published by"),
    )
    note = models.TextField(_("note"), blank=True)

    scope = Published("published_at")
    objects = NegativeListQuerySet.as_manager()

    class Meta:
        verbose_name = _("negative list")
        verbose_name_plural = _("negative lists")
        ordering = ["-number"]

    def __str__(self):
        return f"{self.title} (v{self.number})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class NegativeListEntry(TrackedModel):
    """An industry (matched by GB/T 4754 code prefix) that may not resume, optionally only
    in one district and everything below it."""

    negative_list = models.ForeignKey(
        NegativeList, on_delete=models.CASCADE, related_name="entries",
        verbose_name=_("negative list"),
    )
    industry = models.ForeignKey(
        "enterprises.Industry", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("industry code prefix"),
    )
    name = models.CharField(_("name"), max_length=100)
    reason = models.TextField(_("reason"))
    district = models.ForeignKey(
        "enterprises.District", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("district scope"),
        help_text=_("Empty: applies everywhere. Otherwise this district and all below it."),
    )

    scope = Published("negative_list__published_at", district="district")
    objects = NegativeListEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("negative list entry")
        verbose_name_plural = _("negative list entries")
        ordering = ["negative_list_id", "id"]

    def __str__(self):
        return f"{self.industry_id} {self.name}"

    def matches(self, enterprise) -> bool:
        """Whether `enterprise` falls under this entry (its district must be loaded)."""
        if not enterprise.industry_id.startswith(self.industry_id):
            return False
        return self.district_id is None or f"/{self.district_id}/" in enterprise.district.path


# The refusal of a second active filing for an enterprise: the constraint's message, which
# the filing service also gives on the enterprise field.
SECOND_ACTIVE_FILING = _("This enterprise already has an active filing; withdraw it first.")


def new_verify_token() -> str:
    return secrets.token_urlsafe(9)


class Filing(TrackedModel):
    """An enterprise's resumption filing: the prevention commitment and seven measures,
    decided at once against the current negative list (DESIGN §7)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        FILED = "filed", _("filed")
        REJECTED = "rejected", _("rejected")
        NEEDS_REVIEW = "needs_review", _("needs review")
        CONFIRMED = "confirmed", _("confirmed")
        RECTIFYING = "rectifying", _("rectifying")
        WITHDRAWN = "withdrawn", _("withdrawn")
        REVOKED = "revoked", _("revoked")

    ACTIVE = (
        Status.DRAFT, Status.FILED, Status.NEEDS_REVIEW, Status.CONFIRMED, Status.RECTIFYING,
    )
    # Statuses under which the enterprise may operate: shown as valid on the verify page.
    VALID = (Status.FILED, Status.CONFIRMED, Status.RECTIFYING)

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="filings",
        verbose_name=_("enterprise"),
    )
    planned_resume_date = models.DateField(_("planned resumption date"), null=True, blank=True)
    employees_total = models.PositiveIntegerField(_("employees in total"), null=True, blank=True)
    employees_returning = models.PositiveIntegerField(
        _("employees returning"), null=True, blank=True
    )
    employees_from_outside = models.PositiveIntegerField(
        _("returning employees from outside the city"), null=True, blank=True
    )

    screening = models.BooleanField(_("staff screening"), default=False)
    dedicated_staff = models.BooleanField(_("dedicated staff, funds and posts"), default=False)
    isolation_area = models.BooleanField(_("isolation area"), default=False)
    masks = models.BooleanField(_("masks at work"), default=False)
    disinfection = models.BooleanField(_("disinfection supplies"), default=False)
    closed_management = models.BooleanField(_("closed management"), default=False)
    temperature_checks = models.BooleanField(_("temperature checks"), default=False)

    commitment_accepted = models.BooleanField(_("commitment accepted"), default=False)
    commitment_text = models.TextField(_("commitment text"), blank=True)
    commitment_version = models.CharField(_("commitment version"), max_length=20, blank=True)
    signer_name = models.CharField(_("signed by"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    number = models.CharField(_("filing number"), max_length=32, unique=True, null=True,
                              blank=True)
    verify_token = models.CharField(_("verification token"), max_length=16, unique=True,
                                    null=True, blank=True, editable=False)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    negative_list = models.ForeignKey(
        NegativeList, on_delete=models.PROTECT, to_field="number", null=True, blank=True,
        related_name="filings", db_column="negative_list_version",
        verbose_name=_("negative list version"),
    )
    matched_entry = models.ForeignKey(
        NegativeListEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("matched negative list entry"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("reviewed by"),
    )

    # The latest on-site confirmation (复工确认书); every one is kept as a Confirmation.
    checklist = models.JSONField(_("on-site checklist"), default=dict, blank=True)
    confirmation_notes = models.TextField(_("confirmation notes"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    rectification_items = models.JSONField(_("items to rectify"), default=list, blank=True)
    rectification_deadline = models.DateField(_("rectification deadline"), null=True,
                                              blank=True)
    rectification_reported_at = models.DateTimeField(_("reported rectified at"), null=True,
                                                     blank=True)
    rectification_report = models.TextField(_("rectification report"), blank=True)
    closed_at = models.DateTimeField(_("withdrawn or revoked at"), null=True, blank=True)

    scope = ByEnterprise("enterprise")
    objects = FilingQuerySet.as_manager()

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(
                    status__in=["draft", "filed", "needs_review", "confirmed", "rectifying"]
                ),
                name="filing_one_active_per_enterprise",
                violation_error_message=SECOND_ACTIVE_FILING,
            ),
            models.CheckConstraint(
                condition=models.Q(employees_returning__isnull=True)
                | models.Q(employees_total__isnull=True)
                | models.Q(employees_returning__lte=models.F("employees_total")),
                name="filing_returning_within_total",
                violation_error_message=_(
                    "Returning employees cannot exceed the total number of employees."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(employees_from_outside__isnull=True)
                | models.Q(employees_returning__isnull=True)
                | models.Q(employees_from_outside__lte=models.F("employees_returning")),
                name="filing_outside_within_returning",
                violation_error_message=_(
                    "Employees from outside cannot exceed the returning employees."
                ),
            ),
        ]
        indexes = [models.Index(fields=["status", "decided_at"], name="filing_status_idx")]

    def __str__(self):
        return self.number or f"#{self.pk} {self.enterprise}"

    def clean(self):
        # The same rules as the check constraints, reported on the field a person can fix.
        errors = {}
        total, returning, outside = (
            self.employees_total, self.employees_returning, self.employees_from_outside,
        )
        if total is not None and returning is not None and returning > total:
            errors["employees_returning"] = _(
                "Returning employees cannot exceed the total number of employees."
            )
        if returning is not None and outside is not None and outside > returning:
            errors["employees_from_outside"] = _(
                "Employees from outside cannot exceed the returning employees."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def measures(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in MEASURES}

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_valid(self) -> bool:
        return self.status in self.VALID


class FilingCounter(models.Model):
    """The last filing number given in a county on a (Asia/Shanghai) day: numbers are
    gap-free and unique because the row is incremented under its lock."""

    district_code = models.CharField(_("district code"), max_length=6)
    day = models.DateField(_("day"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("filing counter")
        verbose_name_plural = _("filing counters")
        constraints = [
            models.UniqueConstraint(fields=["district_code", "day"], name="filing_counter_unique"),
        ]

    def __str__(self):
        return f"{self.district_code}-{self.day:%Y%m%d}: {self.last}"


def attachment_path(instance, filename: str) -> str:
    return f"filings/{instance.filing_id}/{secrets.token_hex(8)}{_suffix(instance.content_type)}"


def _suffix(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        content_type, ""
    )


class Attachment(TrackedModel):
    """A supporting document of a filing (PDF, JPEG or PNG, checked by content)."""

    filing = models.ForeignKey(
        Filing, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("filing")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=100)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("uploaded by"),
    )

    scope = ByEnterprise("filing__enterprise")
    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class Confirmation(TrackedModel):
    """One on-site check by a liaison (复工确认书): the checklist as found, and its outcome."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        RECTIFYING = "rectifying", _("rectification required")

    filing = models.ForeignKey(
        Filing, on_delete=models.PROTECT, related_name="confirmations", verbose_name=_("filing")
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    checklist = models.JSONField(_("checklist"), default=dict)
    notes = models.TextField(_("notes"), blank=True)
    items = models.JSONField(_("items to rectify"), default=list, blank=True)
    deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("confirmed by"),
    )

    scope = ByEnterprise("filing__enterprise")
    objects = ConfirmationQuerySet.as_manager()

    class Meta:
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        ordering = ["id"]

    def __str__(self):
        return f"{self.filing} {self.get_outcome_display()}"
