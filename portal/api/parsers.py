"""The API's JSON parser: DRF's, bounded in depth and refusing text no database column takes.

A body nested ten thousand deep made the decoder raise RecursionError (a 500, even on the
sign-in endpoint); a NUL or a lone surrogate in a string reached PostgreSQL, which refuses
both with an error rather than a 4xx. Every view that reads JSON uses this parser
(`DEFAULT_PARSER_CLASSES`, and the views that name their parsers).
"""

from __future__ import annotations

import codecs
import math

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

# Deeper than any payload of the API (a supply request's lines are three levels) by a margin,
# far below the interpreter's recursion limit.
MAX_JSON_DEPTH = 32


def json_fault(data, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why `data` (parsed JSON) is refused, or None: nested deeper than `max_depth`, a key
    or string holding a NUL or a lone surrogate, or a number too large to be finite (1e999).
    Iterative, so depth costs no stack."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            items = list(value.keys()) + list(value.values())
        elif isinstance(value, list):
            items = value
        elif isinstance(value, str):
            if "\x00" in value:
                return _("Text may not contain NUL characters.")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return _("Text may not contain unpaired surrogate characters.")
            continue
        elif isinstance(value, float) and not math.isfinite(value):
            return _("Numbers must be finite.")
        else:
            continue
        if depth > max_depth:
            return _("The JSON body is nested more than %(depth)d levels deep.") % {
                "depth": max_depth
            }
        pending.extend((item, depth + 1) for item in items)
    return None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with `json_fault`'s limits and its errors in the user's language."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        parse_constant = json.strict_constant if self.strict else None
        try:
            data = json.load(codecs.getreader(encoding)(stream), parse_constant=parse_constant)
        except RecursionError as exc:
            raise ParseError(_("The JSON body is nested too deeply.")) from exc
        except ValueError as exc:
            # UnicodeDecodeError included: bytes that are not in the declared charset.
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from exc
        fault = json_fault(data)
        if fault:
            raise ParseError(fault)
        return data
