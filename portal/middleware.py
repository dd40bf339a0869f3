"""Request middleware: the client address and id bound to the journal context, and the input
hygiene that refuses control characters and broken UTF-8 in the request line and headers."""

import ipaddress
import re
import uuid
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from . import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_ip(request) -> str | None:
    """The client address; X-Forwarded-For is trusted only when a proxy count is configured."""
    address = request.META.get("REMOTE_ADDR")
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            address = chain[-hops]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with context.bound(ip=client_ip(request), request_id=request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


# --- input hygiene --------------------------------------------------------------------------

# A NUL reaches PostgreSQL as an error ("A string literal cannot contain NUL"), not a 4xx: it
# is refused in the path and the query (where a newline or a tab may be a search's text). A
# header has no use for any C0 control but the tab, nor for DEL.
_NUL = re.compile(r"\x00")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _wsgi_bytes(value: str) -> bytes | None:
    """The raw bytes of a WSGI environ string (PEP 3333: bytes decoded as latin-1); None
    for text that was decoded already (ASGI), which is valid Unicode by construction."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return None


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def input_fault(request) -> str | None:
    """What is wrong with the request line and headers, if anything: a NUL, or bytes that are
    not UTF-8, in the path or the query string; control characters or bytes that are not
    UTF-8 in a header."""
    # Django has decoded the path already, percent-encoding again the bytes that were not
    # UTF-8 (so %FF arrives as the text "%FF"): undo that to see them.
    text = _utf8(unquote_to_bytes(request.path_info.encode("utf-8", "surrogatepass")))
    if text is None or _NUL.search(text):
        return "path"
    query = request.META.get("QUERY_STRING", "")
    raw = _wsgi_bytes(query)
    raw = query.encode("utf-8", "surrogatepass") if raw is None else raw
    text = _utf8(unquote_to_bytes(raw.replace(b"+", b" ")))
    if text is None or _NUL.search(text):
        return "query"
    for name, value in request.META.items():
        if not isinstance(value, str) or not (
            name.startswith("HTTP_") or name in {"CONTENT_TYPE", "CONTENT_LENGTH"}
        ):
            continue
        raw = _wsgi_bytes(value)
        text = value if raw is None else _utf8(raw)
        if text is None and name == "HTTP_COOKIE":
            # A cookie another site set on a parent domain (.gov.cn) may hold GBK bytes; it
            # is not ours to judge, and refusing it would lock the browser out of the portal.
            text = value
        if text is None or _CONTROL.search(text):
            return "header " + name.removeprefix("HTTP_").replace("_", "-").title()
    return None


class InputHygieneMiddleware:
    """Refuse, with a 400, a request whose path or query string carries a NUL, or whose
    headers carry control characters, or any of them bytes that are not UTF-8 (`input_fault`),
    before the session, a form, a view or the database sees them. Placed right after
    `RequestContextMiddleware`, which reads only a validated request id and the address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fault = input_fault(request)
        if fault is None:
            return self.get_response(request)
        return self.refuse(request, fault)

    @staticmethod
    def refuse(request, fault: str):
        # The headers themselves may be what is broken, so the answer is in the portal's
        # language (zh-hans) rather than one negotiated from Accept-Language.
        with translation.override(settings.LANGUAGE_CODE):
            if fault.startswith("header "):
                part = _("the header %(name)s") % {"name": fault.removeprefix("header ")}
            else:
                part = {"path": _("the path"), "query": _("the query string")}[fault]
            message = _(
                "The request was refused: %(part)s contains control characters or bytes "
                "that are not UTF-8."
            ) % {"part": part}
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
