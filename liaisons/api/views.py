"""Liaison API: assignments of officials to spectra and enterprises."""

from portal.api.viewsets import CrudViewSet

from .. import services
from ..filters import AssignmentFilterSet
from ..models import Assignment
from . import serializers


class AssignmentViewSet(CrudViewSet):
    queryset = Assignment.objects.all()
    read_serializer_class = serializers.AssignmentSerializer
    write_serializer_class = serializers.AssignmentWriteSerializer
    filterset_class = AssignmentFilterSet

    def create_object(self, data):
        return services.assignment_create(actor=self.request.user, **data)

    def update_object(self, obj, data, version):
        return services.assignment_update(
            assignment=obj, actor=self.request.user, fields=data, expected_version=version
        )

    def delete_object(self, obj, version):
        services.assignment_delete(
            assignment=obj, actor=self.request.user, expected_version=version
        )
