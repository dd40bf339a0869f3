"""Base ViewSet for tracked objects: scoped reads, writes through services, ETag/If-Match.

A resource declares its queryset, read and write serializers and filterset; its writes call
the services its model is bound to (`portal.tracking.track(..., writes=...)`), the same ones
the admin calls. Scope (404 outside it), versions, Idempotency-Key on every POST (custom
actions included) and error shapes come from here, so every resource added later gets them
by default.
"""

from rest_framework import status, viewsets
from rest_framework.response import Response

from portal import tracking
from portal.api.parsers import JSONParser

from .conditional import etag, expected_version, require_current
from .idempotency import IdempotentPostMixin


class TrackedViewSet(IdempotentPostMixin, viewsets.GenericViewSet):
    # The API speaks JSON (uploads declare their own parsers): a form would turn every
    # number and boolean into a string the write serializers must then guess at.
    parser_classes = [JSONParser]
    read_serializer_class = None
    write_serializer_class = None
    # Names of the service-calling methods a resource implements decide its routes.
    select_related: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = super().get_queryset().visible_to(self.request.user)
        return queryset.select_related(*self.select_related) if self.select_related else queryset

    def get_serializer_class(self):
        if self.action in {"create", "update", "partial_update"} and self.write_serializer_class:
            return self.write_serializer_class
        return self.read_serializer_class

    def _read(self, obj, *, code=status.HTTP_200_OK):
        data = self.read_serializer_class(obj, context=self.get_serializer_context()).data
        return Response(data, status=code, headers={"ETag": etag(obj.version)})

    # --- writes: the model's bound services (a resource may map its input first) ---------
    @property
    def tracked(self) -> tracking.Tracked:
        return tracking.spec_for(self.queryset.model)

    def create_object(self, data):
        return self.tracked.create(actor=self.request.user, fields=data)

    def update_object(self, obj, data, version):
        return self.tracked.update(obj, actor=self.request.user, fields=data,
                                   expected_version=version)

    def delete_object(self, obj, version):
        self.tracked.delete(obj, actor=self.request.user, expected_version=version)


class ReadMixin:
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = self.get_serializer_context()
        data = self.read_serializer_class(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        return self._read(self.get_object())


class CreateMixin:
    def create(self, request, *args, **kwargs):
        serializer = self.write_serializer_class(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        obj = self.create_object(serializer.validated_data)
        return self._read(obj, code=status.HTTP_201_CREATED)


class UpdateMixin:
    def update(self, request, *args, partial=False, **kwargs):
        obj = self.get_object()
        version = expected_version(request, required=True)
        # A PATCH that changes nothing calls no service: the version is compared here too.
        require_current(obj, version)
        serializer = self.write_serializer_class(
            obj, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        obj = self.update_object(obj, serializer.validated_data, version)
        return self._read(obj)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class DeleteMixin:
    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        self.delete_object(obj, expected_version(request, required=True))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReadOnlyViewSet(ReadMixin, TrackedViewSet):
    pass


class CrudViewSet(ReadMixin, CreateMixin, UpdateMixin, DeleteMixin, TrackedViewSet):
    pass
