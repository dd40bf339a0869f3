"""Serializers of the filings API: reads share the journal's representation, writes only
check shapes (the services decide validity)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enterprises.models import Enterprise
from portal.api.serializers import (
    RepresentationSerializer,
    StrictCharField,
    TrackedFieldsMixin,
)

from .. import representations
from ..models import MEASURES, Confirmation, Filing


class MeasuresSerializer(serializers.Serializer):
    """The seven prevention measures of the filing (Chengdu's conditions), each a boolean."""

    screening = serializers.BooleanField(required=False)
    dedicated_staff = serializers.BooleanField(required=False)
    isolation_area = serializers.BooleanField(required=False)
    masks = serializers.BooleanField(required=False)
    disinfection = serializers.BooleanField(required=False)
    closed_management = serializers.BooleanField(required=False)
    temperature_checks = serializers.BooleanField(required=False)


class FilingSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.filing)
    enterprise = serializers.IntegerField(read_only=True)
    planned_resume_date = serializers.DateField(read_only=True, allow_null=True)
    employees_total = serializers.IntegerField(read_only=True, allow_null=True)
    employees_returning = serializers.IntegerField(read_only=True, allow_null=True)
    employees_from_outside = serializers.IntegerField(read_only=True, allow_null=True)
    measures = MeasuresSerializer(read_only=True)
    commitment_accepted = serializers.BooleanField(read_only=True)
    commitment_version = serializers.CharField(read_only=True)
    commitment_text = serializers.CharField(read_only=True)
    signer_name = serializers.CharField(read_only=True)
    signed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=Filing.Status.choices, read_only=True)
    number = serializers.CharField(read_only=True, allow_null=True)
    decision_reason = serializers.CharField(read_only=True)
    negative_list_version = serializers.IntegerField(read_only=True, allow_null=True)
    matched_entry = serializers.IntegerField(read_only=True, allow_null=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    reviewed_by = serializers.IntegerField(read_only=True, allow_null=True)
    checklist = serializers.DictField(child=serializers.BooleanField(), read_only=True)
    confirmation_notes = serializers.CharField(read_only=True)
    confirmed_by = serializers.IntegerField(read_only=True, allow_null=True)
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    rectification_items = serializers.ListField(child=serializers.CharField(), read_only=True)
    rectification_deadline = serializers.DateField(read_only=True, allow_null=True)
    rectification_reported_at = serializers.DateTimeField(read_only=True, allow_null=True)
    rectification_report = serializers.CharField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)


@extend_schema_field(OpenApiTypes.INT)
class VisibleEnterpriseField(serializers.PrimaryKeyRelatedField):
    """An enterprise in the caller's scope; any other id reads as not found."""

    def get_queryset(self):
        return Enterprise.objects.visible_to(self.context["request"].user)


class FilingWriteSerializer(serializers.Serializer):
    """Input shape of a draft. Everything may be left out while drafting; `submit` then
    names each missing item."""

    enterprise = VisibleEnterpriseField()
    planned_resume_date = serializers.DateField(required=False, allow_null=True)
    employees_total = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2_000_000
    )
    employees_returning = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2_000_000
    )
    employees_from_outside = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2_000_000
    )
    measures = MeasuresSerializer(required=False)
    commitment_accepted = serializers.BooleanField(required=False)
    signer_name = StrictCharField(required=False, allow_blank=True, max_length=64)

    def __init__(self, instance=None, *args, **kwargs):
        super().__init__(instance, *args, **kwargs)
        if instance is not None:
            # A filing stays with its enterprise.
            self.fields.pop("enterprise")

    @staticmethod
    def service_fields(validated_data) -> dict:
        """Flatten `measures` into the model's field names."""
        data = dict(validated_data)
        data.pop("enterprise", None)
        for name, value in (data.pop("measures", None) or {}).items():
            if name in MEASURES:
                data[name] = value
        return data


class FilingReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = StrictCharField(required=False, allow_blank=True, default="", max_length=2000)


class FilingConfirmSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Confirmation.Outcome.choices)
    checklist = MeasuresSerializer()
    notes = StrictCharField(required=False, allow_blank=True, default="", max_length=4000)
    items = serializers.ListField(
        child=StrictCharField(max_length=500), required=False, default=list
    )
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class FilingReportRectifiedSerializer(serializers.Serializer):
    report = StrictCharField(required=False, allow_blank=True, default="", max_length=4000)


class AttachmentSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.attachment)
    filing = serializers.IntegerField(read_only=True)
    original_name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    uploaded_by = serializers.IntegerField(read_only=True, allow_null=True)


class AttachmentUploadSerializer(serializers.Serializer):
    """One file in the `file` field: a request carrying two is refused, not cut to the last."""

    file = serializers.FileField(allow_empty_file=True)

    def validate(self, attrs):
        getlist = getattr(self.initial_data, "getlist", None)
        if getlist is not None and len(getlist("file")) > 1:
            raise serializers.ValidationError(
                {"file": [_("Upload one file at a time; this request carries several.")]}
            )
        return attrs


class ConfirmationSerializer(RepresentationSerializer, TrackedFieldsMixin):
    """An on-site confirmation (复工确认书); clients receive it through the sync feed."""

    represent = staticmethod(representations.confirmation)
    filing = serializers.IntegerField(read_only=True)
    outcome = serializers.ChoiceField(choices=Confirmation.Outcome.choices, read_only=True)
    checklist = serializers.DictField(child=serializers.BooleanField(), read_only=True)
    notes = serializers.CharField(read_only=True)
    items = serializers.ListField(child=serializers.CharField(), read_only=True)
    deadline = serializers.DateField(read_only=True, allow_null=True)
    confirmed_by = serializers.IntegerField(read_only=True, allow_null=True)


class NegativeListEntrySerializer(RepresentationSerializer, TrackedFieldsMixin):
    """One entry of a negative-list version, as the sync feed and the version's `entries`
    show it."""

    represent = staticmethod(representations.negative_list_entry)
    negative_list = serializers.IntegerField(read_only=True)
    industry = serializers.CharField(read_only=True, help_text="GB/T 4754-2017 code prefix")
    name = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    district = serializers.CharField(
        read_only=True, allow_null=True, help_text="GB/T 2260 code; null applies everywhere"
    )
    published = serializers.BooleanField(read_only=True)


class NegativeListSerializer(RepresentationSerializer, TrackedFieldsMixin):
    """A negative-list version as the sync feed shows it (its entries arrive on their own)."""

    represent = staticmethod(representations.negative_list)
    number = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    effective_from = serializers.DateField(read_only=True, allow_null=True)
    published = serializers.BooleanField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    published_by = serializers.IntegerField(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)


class NegativeListWithEntriesSerializer(NegativeListSerializer):
    """A version as `negative-list` answers it: the feed's `NegativeList` with `entries`,
    each the feed's `NegativeListEntry`."""

    represent = staticmethod(representations.negative_list_with_entries)
    entries = NegativeListEntrySerializer(many=True, read_only=True)
