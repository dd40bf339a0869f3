"""Registry models: where enterprises are, what they do, who serves and who represents them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import TrackedModel
from portal.scope import Owner, Public

from .querysets import (
    EnterpriseQuerySet,
    JurisdictionQuerySet,
    MembershipQuerySet,
    ReferenceQuerySet,
)
from .scope import ByEnterprise
from .validators import (
    normalize_credit_code,
    normalize_mobile,
    validate_credit_code,
    validate_mobile,
)


class District(TrackedModel):
    """An administrative division (GB/T 2260 code; townships by their 9-digit code).

    `path` lists the codes from the province down, so "everything in a city" is one
    prefix match. `risk_level` is the epidemic risk grade that gates filings and trips.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("city")
        COUNTY = "county", _("county / district")
        TOWNSHIP = "township", _("township / street")

    class RiskLevel(models.TextChoices):
        LOW = "low", _("low risk")
        MEDIUM = "medium", _("medium risk")
        HIGH = "high", _("high risk")

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(_("path"), max_length=64, editable=False, db_index=True)
    risk_level = models.CharField(
        _("risk level"), max_length=6, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    risk_since = models.DateTimeField(_("risk level since"), null=True, blank=True)

    scope = Public(district="code")
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}([0-9]{3})?([0-9]{3})?$"),
                name="district_code_digits",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        self.path = f"{self.parent.path}{self.code}/" if self.parent_id else f"/{self.code}/"
        if self.parent_id and self.parent_id == self.code:
            raise ValidationError({"parent": _("A district cannot be its own parent.")})


class Industry(models.Model):
    """A class of GB/T 4754-2017 (国民经济行业分类): section letter, or 2–4 digit code.

    Reference data loaded from the standard; negative-list entries match by code prefix.
    """

    class Level(models.TextChoices):
        SECTION = "section", _("section")
        DIVISION = "division", _("division")
        GROUP = "group", _("group")
        CLASS = "class", _("class")

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=128)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )

    scope = Public()
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Spectrum(TrackedModel):
    """A spectrum (谱系): a group of enterprises served together by 3–5 family liaisons."""

    name = models.CharField(_("name"), max_length=100)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="spectra", verbose_name=_("district")
    )
    description = models.TextField(_("description"), blank=True)

    scope = Public(district="district")
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("spectrum")
        verbose_name_plural = _("spectra")
        ordering = ["district_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="spectrum_unique_name"),
        ]

    def __str__(self):
        return self.name


class Enterprise(TrackedModel):
    """An enterprise known by its unified social credit code (GB 32100-2015)."""

    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True,
        validators=[validate_credit_code],
    )
    name = models.CharField(_("name"), max_length=200)
    legal_representative = models.CharField(_("legal representative"), max_length=64)
    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("industry")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("district")
    )
    address = models.CharField(_("address"), max_length=255)
    contact_name = models.CharField(_("contact person"), max_length=64)
    contact_phone = models.CharField(
        _("contact mobile"), max_length=11, validators=[validate_mobile]
    )
    employee_count = models.PositiveIntegerField(
        _("employees"), default=0, validators=[MaxValueValidator(2_000_000)]
    )
    is_key_project = models.BooleanField(_("key project"), default=False)
    spectrum = models.ForeignKey(
        Spectrum, on_delete=models.SET_NULL, null=True, blank=True, related_name="enterprises",
        verbose_name=_("spectrum"),
    )

    scope = ByEnterprise("")
    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["id"]
        indexes = [models.Index(fields=["name"], name="enterprise_name_idx")]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        # Normalise before the field validators run, so " 91350100m000100y43 " is accepted.
        self.credit_code = normalize_credit_code(self.credit_code)
        self.contact_phone = normalize_mobile(self.contact_phone)
        self.name = (self.name or "").strip()
        super().clean_fields(exclude=exclude)


class Membership(TrackedModel):
    """A user who acts for an enterprise (files, asks for help) in the portal."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("user"),
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("enterprise"),
    )
    title = models.CharField(_("position"), max_length=64, blank=True)

    scope = ByEnterprise("enterprise", leaves="user")
    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.enterprise}"


class Jurisdiction(TrackedModel):
    """A district an officer (labour, supply) is responsible for, with all below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jurisdictions",
        verbose_name=_("official"),
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="jurisdictions",
        verbose_name=_("district"),
    )

    scope = Owner("user", district="district")
    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "district"], name="jurisdiction_unique"),
        ]

    def __str__(self):
        return f"{self.user} → {self.district}"
