"""Domain errors that every layer (API, admin, pages, imports) maps to its own answer."""

from django.utils.translation import gettext_lazy as _


class PreconditionFailed(Exception):
    """The client's If-Match version is no longer the object's version (HTTP 412)."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(
            _("The object has changed since you read it (now version %(version)s).")
            % {"version": current_version}
        )
