"""Who is acting and from where, for the journal: set per request or per task."""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "portal_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or _EMPTY


@contextmanager
def bound(*, ip: str | None = None, request_id: str = ""):
    token = _current.set(RequestContext(ip=ip, request_id=request_id[:64]))
    try:
        yield
    finally:
        _current.reset(token)
