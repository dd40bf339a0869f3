"""ETag and If-Match for versioned objects (DESIGN §5): no blind overwrites.

A write names the version it read: `If-Match: "<n>"`, the ETag a read answered. Without it
a write that needs it is 428; a version that is no longer current is 412 (with the current
ETag); anything but one entity tag is 400. `*` and weak tags (`W/"3"`) name no version the
client has read (If-Match compares strongly), so they match none: 412.
"""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException

from portal.exceptions import PreconditionFailed

HEADER = "If-Match"
# What a write's If-Match must look like: one of our ETags.
PATTERN = r'^"[0-9]+"$'
# A version no object has: `*` and weak tags compare unequal to every version, so the
# service answers 412 with the current ETag, as for a stale one.
NO_VERSION = -1

_TAG = re.compile(r'^(W/)?"([^"]*)"$')


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _("This request needs an If-Match header with the version you last read.")
    default_code = "precondition_required"


class PreconditionFailedError(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The object has changed since you read it; fetch it again.")
    default_code = "precondition_failed"


class MalformedIfMatch(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _('If-Match must be the ETag you read, with its quotes, such as "3".')
    default_code = "malformed_if_match"


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request, *, required: bool) -> int | None:
    """The version If-Match names; None when it is absent and not `required` (428 when it
    is). `NO_VERSION` for `*` or a weak tag; 400 for anything else but `"<n>"`."""
    header = request.headers.get(HEADER, "").strip()
    if not header:
        if required:
            raise PreconditionRequired()
        return None
    if header == "*":
        return NO_VERSION
    match = _TAG.match(header)
    if match is None:
        raise MalformedIfMatch()
    weak, tag = match.groups()
    if not (tag.isascii() and tag.isdigit()):
        raise MalformedIfMatch()
    return NO_VERSION if weak else int(tag)


def require_current(obj, version: int | None) -> None:
    """412, with the current ETag, unless `version` (from `expected_version`) is `obj`'s:
    for a write that may call no service at all (a PATCH that changes nothing), where no
    service would compare it."""
    if version is not None and version != obj.version:
        raise PreconditionFailed(obj.version)
