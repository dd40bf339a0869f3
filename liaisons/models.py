"""Liaison models: assignments of officials to spectra or enterprises."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import TrackedModel

from .querysets import AssignmentQuerySet


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
