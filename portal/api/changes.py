"""The sync feed (DESIGN §5): journal entries the caller may see, in commit order.

Which entries a user sees is decided per entry by its object type (`RULES`) with the
same scope as `visible_to`: enterprise-scoped types by the entry's `enterprise_id` being
in the caller's visible enterprises, reference data for everyone, and a few types only
about the caller themself. One page is a constant number of queries and never counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from enterprises.models import Enterprise
from portal.models import JournalEntry

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Entries examined per request at most, so a user who sees little of a long journal gets
# bounded requests that still move `next_after` forward.
SCAN_FACTOR = 10
MIN_SCAN = 1000

MEMBERSHIP = "enterprises.membership"
ENTERPRISE = "enterprises.enterprise"


@dataclass(frozen=True)
class Rule:
    """Which entries of one object type a (non-global) user sees."""

    visible: Callable[[str, object, models.QuerySet], models.Q]


def enterprise_scoped() -> Rule:
    """Entries about an enterprise the caller may see now (the default)."""
    return Rule(lambda object_type, _user, enterprises: models.Q(
        object_type=object_type, enterprise_id__in=enterprises
    ))


def everyone() -> Rule:
    """Reference data every signed-in user may read."""
    return Rule(lambda object_type, _user, _enterprises: models.Q(object_type=object_type))


def own(field: str) -> Rule:
    """Rows whose `field` (in the entry's data) is the caller: their own assignments, ..."""
    return Rule(lambda object_type, user, _enterprises: models.Q(
        object_type=object_type, **{f"data__{field}": user.pk}
    ))


# object_type → rule. Types not listed are enterprise-scoped; add a line for a new type
# whose `visible_to` is not "by enterprise".
RULES: dict[str, Rule] = {
    "enterprises.district": everyone(),
    "enterprises.spectrum": everyone(),
    "enterprises.jurisdiction": own("user"),
    "liaisons.assignment": own("official"),
}
DEFAULT_RULE = enterprise_scoped()


def _viewable_types(user) -> list[str]:
    """Journaled types whose `view` permission the user holds, as the API requires."""
    from portal import journal

    names = []
    for object_type in journal.tracked_types():
        model = apps.get_model(object_type)
        if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
            names.append(object_type)
    return names


def _scope_left(user, enterprises) -> models.Q:
    """The removal of the caller's own membership of an enterprise now out of their scope."""
    return models.Q(
        object_type=MEMBERSHIP, op=JournalEntry.Op.DELETE, data__user=user.pk,
    ) & ~models.Q(enterprise_id__in=enterprises)


def visible_entries(user):
    """Journal entries `user` may see, annotated with `scope_left` (see ChangesView)."""
    # Events (an inspector's search, say) changed no object: nothing for a client to sync.
    entries = JournalEntry.objects.exclude(op=JournalEntry.Op.EVENT)
    if not (user.is_authenticated and user.is_active):
        return entries.none()
    if user.sees_everything:
        return entries.annotate(scope_left=models.Value(False))
    enterprises = Enterprise.objects.visible_to(user).values("pk")
    query = models.Q(pk__in=[])
    for object_type in _viewable_types(user):
        query |= RULES.get(object_type, DEFAULT_RULE).visible(object_type, user, enterprises)
    left = _scope_left(user, enterprises)
    return entries.filter(query | left).annotate(
        scope_left=models.Case(
            models.When(left, then=models.Value(True)),
            default=models.Value(False),
            output_field=models.BooleanField(),
        )
    )


def _row(entry, at_field) -> dict:
    if entry.scope_left:
        # The caller lost this enterprise: it leaves their copy like a deletion would.
        return {
            "seq": entry.seq, "at": at_field.to_representation(entry.at),
            "action": entry.action, "op": JournalEntry.Op.DELETE, "type": ENTERPRISE,
            "id": str(entry.enterprise_id), "data": {"id": entry.enterprise_id},
        }
    return {
        "seq": entry.seq, "at": at_field.to_representation(entry.at), "action": entry.action,
        "op": entry.op, "type": entry.object_type, "id": entry.object_id, "data": entry.data,
    }


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
                "after", int, description="Return entries after this seq (0 to start)."
            ),
            OpenApiParameter(
                "limit", int, description=f"Page size, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."
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
        page = list(
            visible_entries(request.user)
            .filter(seq__gt=after, seq__lte=upper)
            .order_by("seq")
            .only("seq", "at", "action", "op", "object_type", "object_id", "enterprise_id",
                  "data")[: limit + 1]
        )
        if len(page) > limit:
            page = page[:limit]
            next_after, has_more = page[-1].seq, True
        else:
            next_after, has_more = max(upper, after), upper < head
        at_field = serializers.DateTimeField()
        return Response({
            "results": [_row(entry, at_field) for entry in page],
            "next_after": next_after,
            "has_more": has_more,
        })
