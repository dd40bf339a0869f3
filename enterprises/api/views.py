"""Registry API: thin views that authorise, validate shapes and call one service."""

from rest_framework import viewsets

from portal.api.viewsets import CrudViewSet, ReadMixin, ReadOnlyViewSet, TrackedViewSet, UpdateMixin

from ..filters import DistrictFilterSet, EnterpriseFilterSet, IndustryFilterSet, SpectrumFilterSet
from ..models import District, Enterprise, Industry, Membership, Spectrum
from . import serializers


class DistrictViewSet(ReadOnlyViewSet):
    """Administrative divisions with their current epidemic risk level."""

    queryset = District.objects.all()
    read_serializer_class = serializers.DistrictSerializer
    filterset_class = DistrictFilterSet
    lookup_value_regex = r"[0-9]{6,12}"


class IndustryViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 4754-2017 industry classification."""

    queryset = Industry.objects.all()
    serializer_class = serializers.IndustrySerializer
    filterset_class = IndustryFilterSet
    lookup_value_regex = r"[A-T]|[0-9]{2,4}"

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class SpectrumViewSet(ReadMixin, UpdateMixin, TrackedViewSet):
    queryset = Spectrum.objects.all()
    read_serializer_class = serializers.SpectrumSerializer
    write_serializer_class = serializers.SpectrumWriteSerializer
    filterset_class = SpectrumFilterSet
    http_method_names = ["get", "put", "patch", "head", "options"]


class EnterpriseViewSet(CrudViewSet):
    """Enterprises in the caller's scope. Writes need If-Match with the version read."""

    queryset = Enterprise.objects.all()
    read_serializer_class = serializers.EnterpriseSerializer
    write_serializer_class = serializers.EnterpriseWriteSerializer
    filterset_class = EnterpriseFilterSet


class MembershipViewSet(CrudViewSet):
    """Who acts for which enterprise (administrators manage; members see their own)."""

    queryset = Membership.objects.all()
    read_serializer_class = serializers.MembershipSerializer
    write_serializer_class = serializers.MembershipWriteSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
