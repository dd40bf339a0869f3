"""Filings API: thin views that authorise, check shapes and call one service.

Errors of a submission name each missing item as its own field, flat:
`{"masks": ["..."], "commitment_accepted": ["..."], "signer_name": ["..."]}` (the measure
names are those of the `measures` object). Transitions a filing's status does not allow
are 400 `{"status": ["..."]}`; actions reserved to the enterprise's members or its serving
liaisons are 403 for other users who can see the filing, 404 for everyone else.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from portal.api.conditional import etag, expected_version
from portal.api.permissions import ModelPermissions
from portal.api.viewsets import CreateMixin, ReadMixin, TrackedViewSet, UpdateMixin

from .. import services
from ..filters import FilingFilterSet
from ..models import Attachment, Filing, NegativeList
from ..validators import SIGNATURES
from . import serializers


class FilingViewSet(ReadMixin, CreateMixin, UpdateMixin, TrackedViewSet):
    """Resumption filings of the enterprises in the caller's scope.

    Create and edit a draft (PUT/PATCH need If-Match), then `submit` it for the instant
    decision: `filed` with a number, `rejected` citing the negative-list entry, or
    `needs_review` when the district is at high risk. Liaisons `review` held filings and
    `confirm` filed ones on site; the enterprise may `withdraw` and `report-rectified`.
    """

    queryset = Filing.objects.all()
    read_serializer_class = serializers.FilingSerializer
    write_serializer_class = serializers.FilingWriteSerializer
    filterset_class = FilingFilterSet
    # State transitions (submit, confirm, ...) need `change_filing` (ModelPermissions); the
    # services then decide whether this user (member or serving liaison) may do this one.
    action_permissions = {"attachments": ["filings.add_attachment"]}
    # Transitions that honour an optional If-Match (412 when stale).
    versioned_actions = frozenset({"submit", "withdraw", "review", "confirm", "report_rectified"})
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def create_object(self, data):
        return services.filing_create(
            actor=self.request.user, enterprise=data["enterprise"],
            **serializers.FilingWriteSerializer.service_fields(data),
        )

    def update_object(self, obj, data, version):
        return services.filing_update(
            filing=obj, actor=self.request.user,
            fields=serializers.FilingWriteSerializer.service_fields(data),
            expected_version=version,
        )

    def _transition(self, service, params_serializer=None):
        """One state transition: the scoped filing, the optional If-Match, the body's
        parameters (if the action takes any), one service call (which locks the filing in
        its own transaction), the filing as written."""
        filing = self.get_object()  # outside the caller's scope: 404 before any 400
        params = {}
        if params_serializer is not None:
            body = params_serializer(data=self.request.data)
            body.is_valid(raise_exception=True)
            params = body.validated_data
        filing = service(
            filing=filing, actor=self.request.user,
            expected_version=expected_version(self.request, required=False), **params,
        )
        return self._read(filing)

    @extend_schema(request=None, responses=serializers.FilingSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft for the instant decision (DESIGN §7)."""
        return self._transition(services.filing_submit)

    @extend_schema(request=None, responses=serializers.FilingSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(services.filing_withdraw)

    @extend_schema(request=serializers.FilingReviewSerializer,
                   responses=serializers.FilingSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """A serving liaison approves (→ filed) or rejects (with a reason) a held filing."""
        return self._transition(services.filing_review, serializers.FilingReviewSerializer)

    @extend_schema(request=serializers.FilingConfirmSerializer,
                   responses=serializers.FilingSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The on-site confirmation (复工确认书): the checklist as found and the outcome,
        `confirmed`, or `rectifying` with `items` and a `deadline`."""
        return self._transition(services.filing_confirm, serializers.FilingConfirmSerializer)

    @extend_schema(request=serializers.FilingReportRectifiedSerializer,
                   responses=serializers.FilingSerializer)
    @action(detail=True, methods=["post"], url_path="report-rectified")
    def report_rectified(self, request, pk=None):
        """The enterprise reports the rectification items fixed."""
        return self._transition(
            services.filing_report_rectified, serializers.FilingReportRectifiedSerializer
        )

    @extend_schema(methods=["GET"], request=None, summary="List the filing's attachments",
                   description="Every attachment of the filing, oldest first: one array, "
                   "not paginated.",
                   responses=serializers.AttachmentSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Upload an attachment",
                   request={"multipart/form-data": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
    }}, responses={201: serializers.AttachmentSerializer})
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        """List the filing's attachments, or upload one (multipart `file`: PDF, JPEG or
        PNG, at most 10 MB; the type is read from the content)."""
        filing = self.get_object()
        if request.method == "GET":
            rows = Attachment.objects.filter(filing=filing).order_by("id")
            return Response([serializers.AttachmentSerializer(row).data for row in rows])
        upload = serializers.AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            filing=filing, actor=request.user, upload=upload.validated_data["file"]
        )
        return Response(serializers.AttachmentSerializer(attachment).data, status=201,
                        headers={"ETag": etag(attachment.version)})

    @extend_schema(responses={(200, media_type): bytes
                              for _magic, media_type, _suffix in SIGNATURES})
    @action(detail=True, methods=["get"],
            url_path=r"attachments/(?P<attachment_id>[0-9]+)")
    def attachment(self, request, pk=None, attachment_id=None):
        """Download one attachment (only for users who can see the filing)."""
        filing = self.get_object()
        row = get_object_or_404(Attachment, pk=attachment_id, filing=filing)
        return attachment_response(row)


def attachment_response(row: Attachment) -> FileResponse:
    try:
        handle = row.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=row.original_name,
                            content_type=row.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class NegativeListViewSet(viewsets.GenericViewSet):
    """The negative list (负面清单): `GET /negative-list/` is the version filings are decided
    against now, with its entries; `GET /negative-list/{number}/` any published version."""

    queryset = NegativeList.objects.all()
    serializer_class = serializers.NegativeListWithEntriesSerializer
    permission_classes = [ModelPermissions]
    lookup_field = "number"
    lookup_value_regex = r"[0-9]+"
    # The list is the current version, which is 404 until one is published.
    extra_error_codes = frozenset({404})
    list_is_one_object = True
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return (
            super().get_queryset().visible_to(self.request.user)
            .select_related("published_by")
            .prefetch_related("entries")
        )

    def _read(self, obj):
        return Response(self.get_serializer(obj).data, headers={"ETag": etag(obj.version)})

    @extend_schema(operation_id="negative_list_current",
                   summary="Get the negative list filings are decided against now",
                   responses=serializers.NegativeListWithEntriesSerializer)
    def list(self, request):
        current = self.get_queryset().published().order_by("-number").first()
        if current is None:
            raise Http404
        return self._read(current)

    def retrieve(self, request, number=None):
        return self._read(self.get_object())
