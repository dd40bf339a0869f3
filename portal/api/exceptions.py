"""One error shape for the API: Django's domain errors become 400/409/412 like DRF's own."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from portal.exceptions import PreconditionFailed

from .conditional import PreconditionFailedError


class StillReferenced(exceptions.APIException):
    """A delete refused because other records (filings, ...) still point at the object."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Other records still refer to this object, so it cannot be deleted.")
    default_code = "still_referenced"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if field == "__all__" else field): [
                    str(message) for error in errors for message in error.messages
                ]
                for field, errors in exc.error_dict.items()
            }
        else:
            detail = {"non_field_errors": [str(message) for message in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = StillReferenced()
    elif isinstance(exc, PreconditionFailed):
        response = drf_exception_handler(PreconditionFailedError(str(exc)), context)
        response["ETag"] = f'"{exc.current_version}"'
        return response
    return drf_exception_handler(exc, context)
