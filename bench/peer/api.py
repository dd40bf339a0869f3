"""A plain token-authenticated DRF ModelViewSet for filings, as a competent developer would
write it without the portal's guarantees: scoped to the user's memberships, the same fields
validated, the negative-list check by industry code prefix against the current published list
and a filing number, written with plain ORM saves. No journal, no idempotency keys, no ETags,
no notifications. It reuses the portal's tables, so both sides write the same rows."""

from __future__ import annotations

import datetime
import hashlib

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework import authentication, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from enterprises.models import Enterprise
from filings.models import MEASURES, Filing, FilingCounter, NegativeList, NegativeListEntry
from portal.models import ApiToken

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
EARLIEST = datetime.date(2020, 1, 1)
ACTIVE = ("draft", "filed", "needs_review", "confirmed", "rectifying")


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's stock token authentication (the token with its user, one query), over the
    portal's token table, which keeps the SHA-256 digest of each key rather than the key:
    no expiry and no last-use bookkeeping."""

    model = ApiToken

    def authenticate_credentials(self, key):
        try:
            token = ApiToken.objects.select_related("user").get(
                digest=hashlib.sha256(key.encode()).hexdigest()
            )
        except ApiToken.DoesNotExist:
            raise AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        return token.user, token


class MeasuresSerializer(serializers.Serializer):
    screening = serializers.BooleanField(required=False)
    dedicated_staff = serializers.BooleanField(required=False)
    isolation_area = serializers.BooleanField(required=False)
    masks = serializers.BooleanField(required=False)
    disinfection = serializers.BooleanField(required=False)
    closed_management = serializers.BooleanField(required=False)
    temperature_checks = serializers.BooleanField(required=False)


class MemberEnterpriseField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Enterprise.objects.filter(memberships__user=self.context["request"].user)


class FilingSerializer(serializers.ModelSerializer):
    enterprise = MemberEnterpriseField()
    measures = MeasuresSerializer(source="*", required=False)
    employees_total = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                               max_value=2_000_000)
    employees_returning = serializers.IntegerField(required=False, allow_null=True,
                                                   min_value=0, max_value=2_000_000)
    employees_from_outside = serializers.IntegerField(required=False, allow_null=True,
                                                      min_value=0, max_value=2_000_000)
    negative_list_version = serializers.IntegerField(source="negative_list_id", read_only=True)

    class Meta:
        model = Filing
        fields = [
            "id", "enterprise", "planned_resume_date", "employees_total", "employees_returning",
            "employees_from_outside", "measures", "commitment_accepted", "signer_name",
            "status", "number", "decision_reason", "negative_list_version", "submitted_at",
            "decided_at",
        ]
        read_only_fields = ["status", "number", "decision_reason", "submitted_at", "decided_at"]
        # The one-active-filing rule is checked in validate() with its own message.
        validators = []

    def validate_planned_resume_date(self, value):
        if value is not None and not EARLIEST <= value <= timezone.localdate() + (
            datetime.timedelta(days=366)
        ):
            raise ValidationError("Choose a date from 2020 to one year ahead.")
        return value

    def validate(self, data):
        errors = {}
        total = data.get("employees_total")
        returning = data.get("employees_returning")
        outside = data.get("employees_from_outside")
        if total is not None and returning is not None and returning > total:
            errors["employees_returning"] = "Cannot exceed the total number of employees."
        if returning is not None and outside is not None and outside > returning:
            errors["employees_from_outside"] = "Cannot exceed the returning employees."
        enterprise = data.get("enterprise")
        if self.instance is None and enterprise is not None and Filing.objects.filter(
            enterprise=enterprise, status__in=ACTIVE
        ).exists():
            errors["enterprise"] = "This enterprise already has an active filing."
        if errors:
            raise ValidationError(errors)
        return data


def _missing(filing: Filing) -> dict:
    errors = {}
    for name in ("planned_resume_date", "employees_total", "employees_returning",
                 "employees_from_outside"):
        if getattr(filing, name) is None:
            errors[name] = ["This field is required to file."]
    for name in MEASURES:
        if not getattr(filing, name):
            errors[name] = ["This measure must be in place before filing."]
    if not filing.commitment_accepted:
        errors["commitment_accepted"] = ["Accept the prevention commitment."]
    if not filing.signer_name.strip():
        errors["signer_name"] = ["Enter the name of the person signing."]
    return errors


def _matching_entry(negative_list, enterprise: Enterprise) -> NegativeListEntry | None:
    """The most specific entry whose industry code prefixes the enterprise's, global or for
    a district the enterprise lies in."""
    code = enterprise.industry_id
    districts = [part for part in enterprise.district.path.split("/") if part]
    return (
        NegativeListEntry.objects.filter(
            negative_list=negative_list, industry_id__in=[code[:n] for n in range(1, len(code) + 1)]
        )
        .filter(Q(district__isnull=True) | Q(district_id__in=districts))
        .order_by(Length("industry_id").desc(), "id")
        .first()
    )


def _next_number(enterprise: Enterprise, day: datetime.date) -> str:
    """`<county>-<yyyymmdd>-<daily sequence>`, from the per-county daily counter row."""
    county = enterprise.district_id[:6]
    table = FilingCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (district_code, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (district_code, day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [county, day],
        )
        serial = cursor.fetchone()[0]
    return f"{county}-{day:%Y%m%d}-{serial:04d}"


class FilingViewSet(viewsets.ModelViewSet):
    serializer_class = FilingSerializer
    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    pagination_class = PageNumberPagination
    filter_backends: list = []
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return Filing.objects.filter(enterprise__memberships__user=self.request.user).order_by(
            "-id"
        )

    def perform_update(self, serializer):
        if serializer.instance.status != "draft":
            raise ValidationError({"status": "Only a draft can be changed."})
        serializer.save()

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        with transaction.atomic():
            filing = get_object_or_404(
                self.get_queryset().select_for_update(of=("self",))
                .select_related("enterprise__district"),
                pk=pk,
            )
            if filing.status != "draft":
                raise ValidationError({"status": "Only a draft can be submitted."})
            missing = _missing(filing)
            if missing:
                raise ValidationError(missing)
            now = timezone.now()
            negative_list = NegativeList.objects.filter(
                published_at__isnull=False
            ).order_by("-number").first()
            entry = _matching_entry(negative_list, filing.enterprise) if negative_list else None
            filing.submitted_at = filing.decided_at = now
            filing.negative_list = negative_list
            if entry is not None:
                filing.status = "rejected"
                filing.matched_entry = entry
                filing.decision_reason = entry.reason
            else:
                filing.status = "filed"
                filing.number = _next_number(filing.enterprise, now.astimezone(SHANGHAI).date())
            filing.save()
        return Response(self.get_serializer(filing).data)
