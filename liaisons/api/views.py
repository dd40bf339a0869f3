"""Liaison API: assignments, help requests with their comments, the policy library, visits
with their photos, task lists, and the help-request figures."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from portal.api.conditional import etag, expected_version, require_current
from portal.api.permissions import ModelPermissions
from portal.api.viewsets import CreateMixin, CrudViewSet, ReadMixin, TrackedViewSet, UpdateMixin

from .. import selectors, services
from ..filters import (
    AssignmentFilterSet,
    HelpRequestFilterSet,
    PolicyNoteFilterSet,
    TaskFilterSet,
    VisitFilterSet,
)
from ..models import (
    Assignment,
    HelpRequest,
    HelpRequestComment,
    PolicyNote,
    Task,
    Visit,
    VisitPhoto,
)
from ..services.visit import PHOTO_TYPES
from . import serializers


class AssignmentViewSet(CrudViewSet):
    queryset = Assignment.objects.all()
    read_serializer_class = serializers.AssignmentSerializer
    write_serializer_class = serializers.AssignmentWriteSerializer
    filterset_class = AssignmentFilterSet


class PolicyNoteViewSet(ReadMixin, CreateMixin, UpdateMixin, TrackedViewSet):
    """The shared policy library (title, text, source, validity, district); `search`
    matches title and text, `valid=true` keeps notes valid today."""

    queryset = PolicyNote.objects.all()
    read_serializer_class = serializers.PolicyNoteSerializer
    write_serializer_class = serializers.PolicyNoteWriteSerializer
    filterset_class = PolicyNoteFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class HelpRequestViewSet(ReadMixin, CreateMixin, UpdateMixin, TrackedViewSet):
    """Help requests of the enterprises in the caller's scope (DESIGN §5, §7).

    An enterprise asks (`category`, `priority`, `title`, `description`); the due time
    follows the priority (urgent 4 h, high 24 h, normal 72 h) and the request goes to the
    enterprise's resident officer or the least-loaded liaison of its spectrum. Officials
    `start`, `resolve`, `reject` and `assign`; the enterprise `confirm`s a resolution or
    `reopen`s it; both sides `comment`.
    """

    queryset = HelpRequest.objects.all()
    read_serializer_class = serializers.HelpRequestSerializer
    write_serializer_class = serializers.HelpRequestWriteSerializer
    filterset_class = HelpRequestFilterSet
    versioned_actions = frozenset({"start", "resolve", "reject", "assign", "confirm", "reopen"})
    action_permissions = {"comments": ["liaisons.add_helprequestcomment"]}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action == "partial_update":
            return serializers.HelpRequestUpdateSerializer
        return super().get_serializer_class()

    def update(self, request, *args, partial=False, **kwargs):
        obj = self.get_object()
        version = expected_version(request, required=True)
        require_current(obj, version)
        body = serializers.HelpRequestUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return self._read(self.update_object(obj, body.validated_data, version))

    def _transition(self, service, params_serializer=None):
        """The scoped request (404 outside the caller's scope, before any 400), the body's
        parameters, one service call."""
        help_request = self.get_object()
        params = {}
        if params_serializer is not None:
            body = params_serializer(data=self.request.data)
            body.is_valid(raise_exception=True)
            params = body.validated_data
        help_request = service(
            help_request=help_request, actor=self.request.user,
            expected_version=expected_version(self.request, required=False), **params,
        )
        return self._read(help_request)

    @extend_schema(request=None, responses=serializers.HelpRequestSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """An official takes the request up."""
        return self._transition(services.help_request_start)

    @extend_schema(request=serializers.ResolveSerializer,
                   responses=serializers.HelpRequestSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """An official answers it as solved (optionally citing a policy note)."""
        return self._transition(services.help_request_resolve, serializers.ResolveSerializer)

    @extend_schema(request=serializers.ReasonSerializer,
                   responses=serializers.HelpRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(services.help_request_reject, serializers.ReasonSerializer)

    @extend_schema(request=serializers.AssignSerializer,
                   responses=serializers.HelpRequestSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the request to another official serving the enterprise."""
        return self._transition(services.help_request_assign, serializers.AssignSerializer)

    @extend_schema(request=None, responses=serializers.HelpRequestSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The enterprise confirms the resolution (the request closes)."""
        return self._transition(services.help_request_confirm)

    @extend_schema(request=serializers.ReasonSerializer,
                   responses=serializers.HelpRequestSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """The enterprise says it is not solved, with the reason."""
        return self._transition(services.help_request_reopen, serializers.ReasonSerializer)

    @extend_schema(methods=["GET"], request=None,
                   responses=serializers.HelpRequestCommentSerializer(many=True))
    @extend_schema(methods=["POST"], request=serializers.CommentWriteSerializer,
                   responses={201: serializers.HelpRequestCommentSerializer})
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        """The conversation, oldest first; POST adds a message (the other side is told)."""
        help_request = self.get_object()
        if request.method == "GET":
            rows = HelpRequestComment.objects.filter(help_request=help_request).order_by("id")
            return Response([serializers.HelpRequestCommentSerializer(row).data
                             for row in rows])
        body = serializers.CommentWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = services.help_request_comment(
            help_request=help_request, actor=request.user, **body.validated_data
        )
        return Response(serializers.HelpRequestCommentSerializer(comment).data,
                        status=status.HTTP_201_CREATED, headers={"ETag": etag(comment.version)})


class VisitViewSet(ReadMixin, CreateMixin, UpdateMixin, TrackedViewSet):
    """Visits to the enterprises in the caller's scope: when, the checklist (the seven
    measures, `visitor_registration` and `health_code_checks`: true found in place, false
    missing, null not checked), findings and photos. An official serving the enterprise
    records one (the official is the caller); a filing's on-site confirmation appears here
    as a visit of kind `resumption_confirmation`. `photos` lists or uploads (multipart
    `file`: JPEG or PNG, at most 10 MB, checked by content)."""

    queryset = Visit.objects.all()
    read_serializer_class = serializers.VisitSerializer
    write_serializer_class = serializers.VisitWriteSerializer
    filterset_class = VisitFilterSet
    action_permissions = {"photos": ["liaisons.add_visitphoto"]}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action == "partial_update":
            return serializers.VisitUpdateSerializer
        return super().get_serializer_class()

    def update(self, request, *args, partial=False, **kwargs):
        obj = self.get_object()
        version = expected_version(request, required=True)
        body = serializers.VisitUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return self._read(self.update_object(obj, body.validated_data, version))

    @extend_schema(methods=["GET"], request=None,
                   responses=serializers.VisitPhotoSerializer(many=True))
    @extend_schema(methods=["POST"], request={"multipart/form-data": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
    }}, responses={201: serializers.VisitPhotoSerializer})
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        """The visit's photos, or upload one (multipart `file`)."""
        from filings.api.serializers import AttachmentUploadSerializer

        visit = self.get_object()
        if request.method == "GET":
            rows = VisitPhoto.objects.filter(visit=visit).order_by("id")
            return Response([serializers.VisitPhotoSerializer(row).data for row in rows])
        upload = AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        photo = services.visit_photo_add(visit=visit, actor=request.user,
                                         upload=upload.validated_data["file"])
        return Response(serializers.VisitPhotoSerializer(photo).data,
                        status=status.HTTP_201_CREATED, headers={"ETag": etag(photo.version)})

    @extend_schema(responses={(200, media_type): bytes for media_type in PHOTO_TYPES})
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>[0-9]+)")
    def photo(self, request, pk=None, photo_id=None):
        """Download one photo (only for users who can see the visit)."""
        visit = self.get_object()
        return photo_response(get_object_or_404(VisitPhoto, pk=photo_id, visit=visit))


def photo_response(row: VisitPhoto) -> FileResponse:
    try:
        handle = row.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, filename=row.original_name, content_type=row.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class TaskViewSet(ReadMixin, CreateMixin, UpdateMixin, TrackedViewSet):
    """Task lists (任务清单) of the enterprises in the caller's scope, from a visit or a
    meeting. An official serving the enterprise sets one (owner `enterprise`, or
    `official` with the official named); the owner `close`s it with what was done; an
    official `verify`s a done task or `reopen`s it with the reason."""

    queryset = Task.objects.all()
    read_serializer_class = serializers.TaskSerializer
    write_serializer_class = serializers.TaskWriteSerializer
    filterset_class = TaskFilterSet
    versioned_actions = frozenset({"close", "verify", "reopen"})
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action == "partial_update":
            return serializers.TaskUpdateSerializer
        return super().get_serializer_class()

    def update(self, request, *args, partial=False, **kwargs):
        obj = self.get_object()
        version = expected_version(request, required=True)
        body = serializers.TaskUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return self._read(self.update_object(obj, body.validated_data, version))

    def _transition(self, service, params_serializer=None):
        task = self.get_object()  # outside the caller's scope: 404 before any 400
        params = {}
        if params_serializer is not None:
            body = params_serializer(data=self.request.data)
            body.is_valid(raise_exception=True)
            params = body.validated_data
        task = service(task=task, actor=self.request.user,
                       expected_version=expected_version(self.request, required=False),
                       **params)
        return self._read(task)

    @extend_schema(request=serializers.TaskCloseSerializer, responses=serializers.TaskSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The owner reports the task done (`note`: what was done)."""
        return self._transition(services.task_close, serializers.TaskCloseSerializer)

    @extend_schema(request=None, responses=serializers.TaskSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """An official serving the enterprise signs a done task off."""
        return self._transition(services.task_verify)

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.TaskSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """An official finds a done task not done: open again, with the `reason`."""
        return self._transition(services.task_reopen, serializers.ReasonSerializer)


class HelpRequestFiguresViewSet(viewsets.ViewSet):
    """Help-request figures for officials and administrators, over the requests in the
    caller's scope: requests solved, median first-response and resolution hours, by
    official, spectrum, category and week (of raising, Asia/Shanghai, weeks from Monday).
    `since` and `until` (dates, both included) bound when the requests were raised."""

    # Whoever reads help requests reads the figures of those in their scope (an enterprise
    # its own, a liaison those it serves, inspectors and administrators all).
    permission_classes = [ModelPermissions]
    queryset = HelpRequest.objects.all()
    # Its `list` answers one object (the figures), not a list (portal.api.schema).
    list_is_one_object = True

    @extend_schema(
        parameters=[OpenApiParameter("since", str, description="YYYY-MM-DD"),
                    OpenApiParameter("until", str, description="YYYY-MM-DD")],
        responses=serializers.FiguresSerializer,
    )
    def list(self, request):
        window = serializers.FiguresQuerySerializer(data=request.query_params)
        window.is_valid(raise_exception=True)
        figures = selectors.help_request_figures(
            request.user, since=window.validated_data.get("since"),
            until=window.validated_data.get("until"),
        )
        return Response(figures.as_json())
