"""ETag and If-Match for versioned objects (DESIGN §5): no blind overwrites."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = _("This request needs an If-Match header with the version you last read.")
    default_code = "precondition_required"


class PreconditionFailedError(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The object has changed since you read it; fetch it again.")
    default_code = "precondition_failed"


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request, *, required: bool) -> int | None:
    """The version named by If-Match; `*` or absent (when allowed) means any."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise PreconditionRequired()
        return None
    if header == "*":
        return None
    tag = header.split(",")[0].strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    if not tag.isdigit():
        raise PreconditionFailedError()
    return int(tag)
