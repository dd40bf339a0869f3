"""Serializers of the liaison API."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from enterprises.models import Enterprise, Spectrum
from portal.api.serializers import (
    RepresentationSerializer,
    StrictCharField,
    TrackedFieldsMixin,
)

from .. import representations
from ..models import Assignment


class AssignmentSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.assignment)
    official = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Assignment.Kind.choices, read_only=True)
    spectrum = serializers.IntegerField(read_only=True, allow_null=True)
    enterprise = serializers.IntegerField(read_only=True, allow_null=True)
    active_from = serializers.DateField(read_only=True)
    active_to = serializers.DateField(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)


class AssignmentWriteSerializer(serializers.Serializer):
    official = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    kind = serializers.ChoiceField(choices=Assignment.Kind.choices)
    spectrum = serializers.PrimaryKeyRelatedField(
        queryset=Spectrum.objects.all(), allow_null=True, required=False, default=None
    )
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), allow_null=True, required=False, default=None
    )
    active_from = serializers.DateField()
    active_to = serializers.DateField(allow_null=True, required=False, default=None)
    note = StrictCharField(max_length=255, required=False, allow_blank=True, default="")
