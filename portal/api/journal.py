"""The journal for inspectors over the API: `/api/v1/journal/` with the audit pages' filters,
newest first by cursor, and `/api/v1/journal/verify-status/`. Reading entries is journaled."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from portal.audit import selectors, services
from portal.audit.filters import JournalEntryFilterSet
from portal.models import JournalEntry, JournalVerification

from .pagination import StableCursorPagination
from .permissions import ModelPermissions


class JournalEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = JournalEntry
        fields = [
            "seq", "at", "actor", "actor_label", "ip", "request_id", "action", "object_type",
            "object_id", "enterprise_id", "district", "op", "data", "changes", "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class JournalVerificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = JournalVerification
        fields = [
            "id", "started_at", "finished_at", "ok", "entries", "objects_reconciled", "head_seq",
            "head_hash", "first_problem", "problem_count", "problems", "trigger", "actor",
        ]
        read_only_fields = fields


class JournalPointSerializer(serializers.Serializer):
    """A position in the chain: the head now, or an anchor."""

    seq = serializers.IntegerField()
    hash = serializers.CharField()
    at = serializers.DateTimeField()


class JournalCursorPagination(StableCursorPagination):
    ordering = "-seq"


class JournalEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Every journal entry, newest first, for discipline inspectors and administrators.

    Filters: `enterprise` (id), `object_type`, `object_id`, `action` (exact, or a dotted
    prefix: `enterprises.enterprise` matches `enterprises.enterprise.updated`; a trailing
    `*` matches any continuation), `actor` (user id or username), `op`, `at_from` and
    `at_to` (dates in Asia/Shanghai, both included). Each request is itself journaled.
    """

    queryset = JournalEntry.objects.all()
    serializer_class = JournalEntrySerializer
    permission_classes = [IsAuthenticated, ModelPermissions]
    filterset_class = JournalEntryFilterSet
    pagination_class = JournalCursorPagination
    lookup_value_regex = r"[0-9]+"

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        services.audit_event_record(
            action=services.VIEWED, actor=request.user, object_id="api:journal",
            data={
                "filters": JournalEntryFilterSet(request.query_params).applied(),
                "rows": len(response.data["results"]),
                "page": bool(request.query_params.get("cursor")),
            },
        )
        return response

    @extend_schema(description="One journal entry by its seq. The request is journaled.")
    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        services.audit_event_record(
            action=services.VIEWED, actor=request.user, object_id="api:journal",
            data={"seq": response.data["seq"], "rows": 1},
        )
        return response

    @extend_schema(
        filters=False,
        summary="The journal's integrity: last verifications, head and anchor",
        responses=inline_serializer("JournalVerifyStatus", {
            "last_verification": JournalVerificationSerializer(allow_null=True),
            "last_intact": JournalVerificationSerializer(allow_null=True),
            "head": JournalPointSerializer(allow_null=True),
            "last_anchor": JournalPointSerializer(allow_null=True),
            "unverified_entries": serializers.IntegerField(),
        }),
    )
    @action(detail=False, methods=["get"], url_path="verify-status", pagination_class=None,
            filterset_class=None)
    def verify_status(self, request):
        """The latest verification, the last one that found the journal intact, the head now,
        the last anchor, and how many entries were appended since that intact verification.
        Not journaled: it shows no entry, and monitoring polls it."""
        status = selectors.integrity_status(recent=1)

        def verification(run):
            return JournalVerificationSerializer(run).data if run else None

        def point(obj):
            return JournalPointSerializer(obj).data if obj else None

        return Response({
            "last_verification": verification(status.last_verification),
            "last_intact": verification(status.last_intact),
            "head": point(status.head),
            "last_anchor": point(status.last_anchor),
            "unverified_entries": status.unverified_entries,
        })
