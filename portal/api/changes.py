"""The sync feed (DESIGN §5): journal entries the caller may see, in commit order.

Which entries a user sees follows each tracked model's declared scope (`portal.scope`): the
same declaration that gives its `visible_to`, so the two cannot disagree. Only types whose
`view` permission the user holds are included. One page is a constant number of queries
and never counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring

from django.db import connections, models
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import ISO_8601, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from portal import tracking
from portal.models import JournalEntry

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Entries examined per request at most, so a user who sees little of a long journal gets
# bounded requests that still move `next_after` forward.
SCAN_FACTOR = 10
MIN_SCAN = 1000


def _viewable(user) -> list[tracking.Tracked]:
    """Tracked types whose `view` permission the user holds, as the API requires."""
    return [
        spec for spec in tracking.tracked_types().values()
        if user.has_perm(f"{spec.model._meta.app_label}.view_{spec.model._meta.model_name}")
    ]


def visible_entries(user):
    """Journal entries `user` may see, annotated with `exit_type`: the type of the object
    an entry takes out of the user's scope, which they receive as its deletion (see
    ChangesView), or ""."""
    # Events (an inspector's search, say) changed no object: nothing for a client to sync.
    entries = JournalEntry.objects.exclude(op=JournalEntry.Op.EVENT)
    if not (user.is_authenticated and user.is_active):
        return entries.none()
    groups: dict[tuple, tuple] = {}
    everything = []
    exits = []
    for spec in _viewable(user):
        scope = spec.scope
        if scope.sees_all(user):
            everything.append(spec.object_type)
        else:
            key = scope.feed_key
            groups.setdefault(key, (scope, []))[1].append(spec.object_type)
        leaving = scope.exits(user)
        if leaving is not None:
            exits.append((models.Q(object_type=spec.object_type) & leaving, scope.exit_type))
    query = models.Q(object_type__in=everything) if everything else models.Q(pk__in=[])
    for scope, types in groups.values():
        query |= scope.entries(user, types)
    exit_type = models.Value("")
    if exits:
        for condition, _type in exits:
            query |= condition
        exit_type = models.Case(
            *(models.When(condition, then=models.Value(type_)) for condition, type_ in exits),
            default=models.Value(""), output_field=models.CharField(),
        )
    return entries.filter(query).annotate(exit_type=exit_type)


# A page is read as plain tuples, `data` as the JSON text the database holds where that text
# is valid JSON (PostgreSQL's jsonb output, SQLite's checked text): the JSON renderer splices
# it in as it is instead of decoding and re-encoding every object.
_COLUMNS = ("seq", "at", "action", "op", "object_type", "object_id", "enterprise_id", "exit_type")
_TEXT_JSON_VENDORS = frozenset({"postgresql", "sqlite"})


def _json_text(value) -> str:
    """`value` as JSON text, as DRF's JSON renderer writes it."""
    return json.dumps(
        value, cls=JSONEncoder, ensure_ascii=not api_settings.UNICODE_JSON,
        allow_nan=not api_settings.STRICT_JSON, separators=(",", ":"),
    )


def _at_formatter(field: serializers.DateTimeField) -> Callable[[object], str]:
    """`field.to_representation` as JSON text, its common case (an aware datetime in ISO
    8601) without the per-call settings and time zone look-ups."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.default_timezone()
    if output_format is None or output_format.lower() != ISO_8601 or zone is None:
        return lambda value: _json_text(field.to_representation(value))
    is_aware = timezone.is_aware

    def at_json(value) -> str:
        if not is_aware(value):
            return _json_text(field.to_representation(value))
        text = value.astimezone(zone).isoformat()
        return f'"{text[:-6]}Z"' if text.endswith("+00:00") else f'"{text}"'

    return at_json


def _row(values: tuple, data, at_field) -> dict:
    seq, at, action, op, object_type, object_id, enterprise_id, exit_type = values
    if exit_type:
        # The caller lost this enterprise: it leaves their copy like a deletion would.
        return {
            "seq": seq, "at": at_field.to_representation(at),
            "action": action, "op": JournalEntry.Op.DELETE, "type": exit_type,
            "id": str(enterprise_id), "data": {"id": enterprise_id},
        }
    return {
        "seq": seq, "at": at_field.to_representation(at), "action": action,
        "op": op, "type": object_type, "id": object_id, "data": data,
    }


class _Encoded(dict):
    """value → its JSON text, encoded on first use: actions, ops, types and times repeat."""

    def __init__(self, encode: Callable[[object], str]):
        super().__init__()
        self.encode = encode

    def __missing__(self, value) -> str:
        text = self[value] = self.encode(value)
        return text


def _rows_json(page: list[tuple], at_field, data_json: Callable[[object], str]) -> str:
    """`[_row(...), ...]` as JSON text: the same objects `_row` builds for the renderer."""
    strings, ats = _Encoded(encode_basestring), _Encoded(_at_formatter(at_field))
    delete = strings[JournalEntry.Op.DELETE]
    parts = []
    append = parts.append
    for seq, at, action, op, object_type, object_id, enterprise_id, exit_type, data in page:
        if exit_type:
            append(
                f'{{"seq":{seq},"at":{ats[at]},"action":{strings[action]},"op":{delete},'
                f'"type":{strings[exit_type]},"id":{encode_basestring(str(enterprise_id))},'
                f'"data":{{"id":{_json_text(enterprise_id)}}}}}'
            )
        else:
            append(
                f'{{"seq":{seq},"at":{ats[at]},"action":{strings[action]},"op":{strings[op]},'
                f'"type":{strings[object_type]},"id":{encode_basestring(object_id)},'
                f'"data":{data_json(data)}}}'
            )
    return f"[{','.join(parts)}]"


class _Params(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)


_DESCRIPTION = """\
Every change the caller may see, in commit order, for offline clients to replay.

Start with `after=0` and call again with `after=<next_after>` until `has_more` is false;
store `next_after` and resume from it later. Sequence numbers grow in commit order, so an
entry below one already read never appears later. `next_after` also moves past entries
the caller may not see, so a page can be short or empty while `has_more` is true.

Each result is one journal entry: `type` (`enterprises.enterprise`, ...) and `id` name the
object; `op` is `upsert` (replace your copy with `data`, its API representation with
personal data masked) or `delete` (remove your copy).

Scope changes: when the caller's own membership of an enterprise is removed, they get, at
that entry's `seq`, a `delete` of type `enterprises.enterprise` with that enterprise's id
(`action` names the cause, `enterprises.membership.removed`), and no later entries of that
enterprise. Remove the enterprise and everything you keep of it (its memberships and
other objects whose `enterprise` is that id). What a user sees is decided by their scope
at the time of the request: entries of an enterprise that leaves a liaison's scope
otherwise (an assignment ending, the enterprise moving to another spectrum) simply stop
arriving; resync from `after=0` to drop such data."""


class ChangesView(APIView):
    """The sync feed: `GET /api/v1/changes/?after=<seq>&limit=<n>`."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="changes_list",
        description=_DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "after", {"type": "integer", "minimum": 0},
                description="Return entries after this seq (0 to start).",
            ),
            OpenApiParameter(
                "limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                description=f"Page size, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
            ),
        ],
        responses=inline_serializer("ChangesPage", {
            "results": inline_serializer("Change", {
                "seq": serializers.IntegerField(),
                "at": serializers.DateTimeField(),
                "action": serializers.CharField(),
                "op": serializers.ChoiceField(choices=JournalEntry.Op.choices),
                "type": serializers.CharField(),
                "id": serializers.CharField(),
                "data": serializers.JSONField(),
            }, many=True),
            "next_after": serializers.IntegerField(),
            "has_more": serializers.BooleanField(),
        }),
    )
    def get(self, request):
        params = _Params(data=request.query_params)
        params.is_valid(raise_exception=True)
        after, limit = params.validated_data["after"], params.validated_data["limit"]

        # The head first: seq is commit-ordered, so everything up to it is committed now
        # and nothing at or below it can appear later.
        head = JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        upper = min(head, after + max(limit * SCAN_FACTOR, MIN_SCAN))
        entries = visible_entries(request.user).filter(seq__gt=after, seq__lte=upper)
        text_json = connections[entries.db].vendor in _TEXT_JSON_VENDORS
        data = Cast("data", models.TextField()) if text_json else "data"
        page = list(entries.order_by("seq").values_list(*_COLUMNS, data)[: limit + 1])
        if len(page) > limit:
            page = page[:limit]
            next_after, has_more = page[-1][0], True
        else:
            next_after, has_more = max(upper, after), upper < head
        at_field = serializers.DateTimeField()
        renderer = request.accepted_renderer
        if type(renderer) is JSONRenderer and renderer.get_indent(
            request.accepted_media_type, self.get_renderer_context()
        ) is None:
            # What the JSON renderer would write (but for the whitespace the database puts in
            # `data`), without building the objects and without decoding and encoding `data`.
            rows = _rows_json(page, at_field, str if text_json else _json_text)
            body = (
                f'{{"results":{rows},"next_after":{next_after},'
                f'"has_more":{"true" if has_more else "false"}}}'
            )
            # As the renderer does, for a strict JavaScript subset.
            body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
            return HttpResponse(body.encode(), content_type=renderer.media_type)
        decode = json.loads if text_json else None
        return Response({
            "results": [
                _row(values[:-1], decode(values[-1]) if decode else values[-1], at_field)
                for values in page
            ],
            "next_after": next_after,
            "has_more": has_more,
        })
