"""Serializers of the registry API: reads share the journal's representation."""

from rest_framework import serializers

from portal.api.serializers import (
    RepresentationSerializer,
    StrictCharField,
    StrictSlugRelatedField,
    TrackedFieldsMixin,
)

from .. import representations
from ..models import District, Enterprise, Industry, Membership, Spectrum


class DistrictSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.district)
    id = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)
    level = serializers.ChoiceField(choices=District.Level.choices, read_only=True)
    parent = serializers.CharField(read_only=True, allow_null=True)
    risk_level = serializers.ChoiceField(choices=District.RiskLevel.choices, read_only=True)
    risk_since = serializers.DateTimeField(read_only=True, allow_null=True)


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["code", "name", "name_en", "level", "parent"]


class SpectrumSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.spectrum)
    name = serializers.CharField(read_only=True)
    district = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)


class SpectrumWriteSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    district = StrictSlugRelatedField(slug_field="code", queryset=District.objects.all())
    description = StrictCharField(required=False, allow_blank=True, default="")


class EnterpriseSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.enterprise)
    credit_code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    legal_representative = serializers.CharField(read_only=True)
    industry = serializers.CharField(read_only=True, help_text="GB/T 4754-2017 code")
    district = serializers.CharField(read_only=True, help_text="GB/T 2260 code")
    address = serializers.CharField(read_only=True)
    contact_name = serializers.CharField(read_only=True)
    contact_phone = serializers.CharField(read_only=True)
    employee_count = serializers.IntegerField(read_only=True)
    is_key_project = serializers.BooleanField(read_only=True)
    spectrum = serializers.IntegerField(read_only=True, allow_null=True)


class EnterpriseWriteSerializer(serializers.Serializer):
    """Input shape only; the model and the service decide validity (credit code, mobile)."""

    credit_code = StrictCharField(max_length=32)
    name = StrictCharField(max_length=200)
    legal_representative = StrictCharField(max_length=64)
    industry = StrictSlugRelatedField(slug_field="code", queryset=Industry.objects.all())
    district = StrictSlugRelatedField(slug_field="code", queryset=District.objects.all())
    address = StrictCharField(max_length=255)
    contact_name = StrictCharField(max_length=64)
    contact_phone = StrictCharField(max_length=20)
    employee_count = serializers.IntegerField(min_value=0, max_value=2_000_000, default=0)
    is_key_project = serializers.BooleanField(default=False)
    spectrum = serializers.PrimaryKeyRelatedField(
        queryset=Spectrum.objects.all(), allow_null=True, required=False, default=None
    )


class MembershipSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.membership)
    user = serializers.IntegerField(read_only=True)
    enterprise = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)


class JurisdictionSerializer(RepresentationSerializer, TrackedFieldsMixin):
    """A district an officer holds (with all below it); no route of its own, it reaches
    clients through the sync feed."""

    represent = staticmethod(representations.jurisdiction)
    user = serializers.IntegerField(read_only=True)
    district = serializers.CharField(read_only=True, help_text="GB/T 2260 code")


class MembershipWriteSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=Membership._meta.get_field("user").related_model.objects.all()
    )
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    title = StrictCharField(max_length=64, required=False, allow_blank=True, default="")
