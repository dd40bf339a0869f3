"""Serializer bases: reads render the shared representation, writes only check shapes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.journal import to_json


class RepresentationSerializer(serializers.Serializer):
    """Read serializer whose output is the model's representation function.

    Declared fields document the shape for OpenAPI; the output comes from `represent`, the
    same function the journal stores, so the API and the sync feed never disagree.
    """

    represent = None

    def to_representation(self, instance):
        # Normalised exactly as the journal stores it (times to the millisecond, UTC "Z").
        return to_json(type(self).represent(instance))


class TrackedFieldsMixin(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class StrictCharField(serializers.CharField):
    """A CharField that takes only strings: DRF's own turns 42 into "42" silently, so a
    client sending the wrong type would never learn of it."""

    default_error_messages = {"invalid": _("Not a valid string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSlugRelatedField(serializers.SlugRelatedField):
    """A SlugRelatedField (district and industry codes, ...) that takes only strings."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
