"""One error shape for the API: Django's domain errors become 400/412 like DRF's own."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from portal.exceptions import PreconditionFailed

from .conditional import PreconditionFailedError


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
    elif isinstance(exc, PreconditionFailed):
        response = drf_exception_handler(PreconditionFailedError(str(exc)), context)
        response["ETag"] = f'"{exc.current_version}"'
        return response
    return drf_exception_handler(exc, context)
