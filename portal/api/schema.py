"""OpenAPI generation that knows our read/write serializer split and conditional requests."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiParameter

from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import IdempotentPostMixin


class AutoSchema(BaseAutoSchema):
    def _write_action(self) -> bool:
        return getattr(self.view, "action", None) in {"create", "update", "partial_update"}

    def get_request_serializer(self):
        write = getattr(self.view, "write_serializer_class", None)
        if write is not None and self._write_action():
            return write()
        return super().get_request_serializer()

    def get_response_serializers(self):
        read = getattr(self.view, "read_serializer_class", None)
        if read is not None and self._write_action():
            return read()
        return super().get_response_serializers()

    def get_override_parameters(self):
        params = super().get_override_parameters()
        if self.method == "POST" and isinstance(self.view, IdempotentPostMixin):
            params.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="Up to 255 visible ASCII characters. A retry with the same key "
                    "replays the first answer (Idempotent-Replayed: true); 422 with a different "
                    "body; 409 while the first is still running. Kept at least 24 hours.",
                )
            )
        if getattr(self.view, "read_serializer_class", None) is None:
            return params
        if getattr(self.view, "action", None) in {"update", "partial_update"}:
            params.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    required=True,
                    description="The ETag (version) you last read; 428 without it, 412 when stale.",
                )
            )
        if getattr(self.view, "action", None) == "destroy":
            params.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="Optional ETag; 412 when stale.",
                )
            )
        return params
