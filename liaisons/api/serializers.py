"""Serializers of the liaison API."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from enterprises.models import District, Enterprise, Spectrum
from portal.api.serializers import (
    RepresentationSerializer,
    StrictCharField,
    TrackedFieldsMixin,
)

from .. import representations
from ..models import Assignment, HelpRequest, PolicyNote, Task, Visit


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


class PolicyNoteSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.policy_note)
    title = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True)
    valid_from = serializers.DateField(read_only=True)
    valid_to = serializers.DateField(read_only=True, allow_null=True)
    district = serializers.CharField(read_only=True, allow_null=True)


class PolicyNoteWriteSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    text = StrictCharField()
    source = StrictCharField(max_length=255, required=False, allow_blank=True, default="")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True, required=False, default=None)
    district = serializers.SlugRelatedField(
        slug_field="code", queryset=District.objects.all(), allow_null=True, required=False,
        default=None,
    )


class HelpRequestSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.help_request)
    enterprise = serializers.IntegerField(read_only=True)
    category = serializers.ChoiceField(choices=HelpRequest.Category.choices, read_only=True)
    priority = serializers.ChoiceField(choices=HelpRequest.Priority.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=HelpRequest.Status.choices, read_only=True)
    assignee = serializers.IntegerField(read_only=True, allow_null=True)
    raised_by = serializers.IntegerField(read_only=True, allow_null=True)
    due_at = serializers.DateTimeField(read_only=True)
    first_response_at = serializers.DateTimeField(read_only=True, allow_null=True)
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    resolution = serializers.CharField(read_only=True)
    rejection_reason = serializers.CharField(read_only=True)
    reopened_count = serializers.IntegerField(read_only=True)
    reminded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    escalated_at = serializers.DateTimeField(read_only=True, allow_null=True)


class HelpRequestWriteSerializer(serializers.Serializer):
    """What an enterprise asks; status, assignee and due time are the services'."""

    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    category = serializers.ChoiceField(choices=HelpRequest.Category.choices)
    priority = serializers.ChoiceField(choices=HelpRequest.Priority.choices,
                                       default=HelpRequest.Priority.NORMAL)
    title = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True, default="")

    def update(self, instance, validated_data):  # pragma: no cover - the services write
        raise NotImplementedError


class HelpRequestUpdateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=HelpRequest.Category.choices, required=False)
    title = StrictCharField(max_length=200, required=False)
    description = StrictCharField(required=False, allow_blank=True)


class HelpRequestCommentSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.help_request_comment)
    help_request = serializers.IntegerField(read_only=True)
    author = serializers.IntegerField(read_only=True, allow_null=True)
    text = serializers.CharField(read_only=True)
    policy_note = serializers.IntegerField(read_only=True, allow_null=True)
    from_official = serializers.BooleanField(read_only=True)


class CommentWriteSerializer(serializers.Serializer):
    text = StrictCharField(max_length=5000)
    policy_note = serializers.PrimaryKeyRelatedField(
        queryset=PolicyNote.objects.all(), allow_null=True, required=False, default=None
    )


class ResolveSerializer(serializers.Serializer):
    resolution = StrictCharField(max_length=5000)
    policy_note = serializers.PrimaryKeyRelatedField(
        queryset=PolicyNote.objects.all(), allow_null=True, required=False, default=None
    )


class ReasonSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=5000)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())


class VisitSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.visit)
    official = serializers.IntegerField(read_only=True)
    enterprise = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Visit.Kind.choices, read_only=True)
    visited_at = serializers.DateTimeField(read_only=True)
    checklist = serializers.DictField(
        child=serializers.BooleanField(allow_null=True), read_only=True,
        help_text="The seven measures, visitor_registration and health_code_checks: true "
                  "found in place, false missing, null not checked.",
    )
    findings = serializers.CharField(read_only=True)
    filing = serializers.IntegerField(read_only=True, allow_null=True)
    confirmation = serializers.IntegerField(read_only=True, allow_null=True)


class VisitWriteSerializer(serializers.Serializer):
    """What an official records; the official is the caller, the kind a site visit."""

    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    visited_at = serializers.DateTimeField(required=False)
    checklist = serializers.JSONField(required=False, default=dict)
    findings = StrictCharField(required=False, allow_blank=True, default="")


class VisitUpdateSerializer(serializers.Serializer):
    visited_at = serializers.DateTimeField(required=False)
    checklist = serializers.JSONField(required=False)
    findings = StrictCharField(required=False, allow_blank=True)


class VisitPhotoSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.visit_photo)
    visit = serializers.IntegerField(read_only=True)
    original_name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    uploaded_by = serializers.IntegerField(read_only=True, allow_null=True)


class TaskSerializer(RepresentationSerializer, TrackedFieldsMixin):
    represent = staticmethod(representations.task)
    enterprise = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    owner = serializers.ChoiceField(choices=Task.Owner.choices, read_only=True)
    official = serializers.IntegerField(read_only=True, allow_null=True)
    due_date = serializers.DateField(read_only=True)
    status = serializers.ChoiceField(choices=Task.Status.choices, read_only=True)
    source = serializers.ChoiceField(choices=Task.Source.choices, read_only=True)
    visit = serializers.IntegerField(read_only=True, allow_null=True)
    meeting = serializers.CharField(read_only=True)
    set_by = serializers.IntegerField(read_only=True, allow_null=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)
    done_note = serializers.CharField(read_only=True)
    verified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    verified_by = serializers.IntegerField(read_only=True, allow_null=True)


class TaskWriteSerializer(serializers.Serializer):
    """A task an official sets: from a visit (`visit`) or a meeting (`meeting`)."""

    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    title = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True, default="")
    due_date = serializers.DateField()
    owner = serializers.ChoiceField(choices=Task.Owner.choices, default=Task.Owner.ENTERPRISE)
    official = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), allow_null=True, required=False, default=None
    )
    source = serializers.ChoiceField(choices=Task.Source.choices, required=False,
                                     allow_null=True, default=None)
    visit = serializers.PrimaryKeyRelatedField(
        queryset=Visit.objects.all(), allow_null=True, required=False, default=None
    )
    meeting = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class TaskUpdateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200, required=False)
    description = StrictCharField(required=False, allow_blank=True)
    due_date = serializers.DateField(required=False)


class TaskCloseSerializer(serializers.Serializer):
    note = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")


class FiguresQuerySerializer(serializers.Serializer):
    """`since` and `until`: the dates (Asia/Shanghai) between which the requests were
    raised, both included."""

    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": [_("The end date cannot be before the "
                                                           "start date.")]})
        return attrs


class FigureRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    raised = serializers.IntegerField()
    solved = serializers.IntegerField()
    pending = serializers.IntegerField()
    overdue = serializers.IntegerField()
    median_first_response_hours = serializers.FloatField(allow_null=True)
    median_resolution_hours = serializers.FloatField(allow_null=True)


class FiguresSerializer(serializers.Serializer):
    """The shape of `GET /help-request-figures/` (for the schema)."""

    since = serializers.DateField(allow_null=True)
    until = serializers.DateField(allow_null=True)
    total = FigureRowSerializer()
    by_official = FigureRowSerializer(many=True)
    by_spectrum = FigureRowSerializer(many=True)
    by_category = FigureRowSerializer(many=True)
    by_week = FigureRowSerializer(many=True)
