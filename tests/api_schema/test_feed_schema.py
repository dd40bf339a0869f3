"""The sync feed against its schema: every page validated, `data` per `type` equal to the
API representation of the object (issue 10 §1).

The feed's types come from `portal.tracking.tracked_types()` and the schema's `Change` maps
each to a component; a type added later is covered here without editing this file. Every
user of the contract world replays the feed from the start, and every page must validate
against /api/schema/, strictly (no undeclared property). What the administrator's replay
leaves for each object must be that object's API representation (personal data masked):
its detail endpoint's answer where it has one, its read serializer's otherwise.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from portal import journal, tracking
from portal.api import urls as api_urls
from portal.api.schema import representation_serializers

from .validation import check_response, live_schema

pytestmark = pytest.mark.django_db

SCHEMAS = "#/components/schemas/"


def _client(world, name: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=world.headers_for(name)["Authorization"])
    return client


def replay(client: APIClient, limit: int = 1000) -> dict[tuple[str, str], dict]:
    """The feed from `after=0` to its end, each page checked against the schema: the
    latest `data` per (type, id), deletions removed."""
    store: dict[tuple[str, str], dict] = {}
    after = 0
    while True:
        response = check_response(client.get("/api/v1/changes/", {"after": after,
                                                                  "limit": limit}))
        assert response.status_code == 200
        page = response.json()
        for change in page["results"]:
            key = (change["type"], change["id"])
            if change["op"] == "delete":
                store.pop(key, None)
            else:
                store[key] = change["data"]
        after = page["next_after"]
        if not page["has_more"]:
            return store


def test_the_schema_maps_every_tracked_type_to_a_documented_schema():
    schema = live_schema()
    components = schema["components"]["schemas"]
    change = components["Change"]
    types = set(tracking.tracked_types())
    assert set(change["discriminator"]["mapping"]) == types
    assert len(change["oneOf"]) == len(types)
    feed_types = schema["paths"]["/api/v1/changes/"]["get"]["x-feed-types"]
    undocumented = sorted(name for name, ref in feed_types.items() if ref is None)
    assert not undocumented, (
        f"feed types without a read serializer: {undocumented}; give each a "
        "RepresentationSerializer whose `represent` is the one it is tracked with"
    )
    for object_type, variant in change["discriminator"]["mapping"].items():
        variant = components[variant.removeprefix(SCHEMAS)]
        type_enum = components[variant["properties"]["type"]["$ref"].removeprefix(SCHEMAS)]
        assert type_enum["enum"] == [object_type]
        assert feed_types[object_type].removeprefix(SCHEMAS) in components


@pytest.mark.parametrize("name", [
    "member_a", "member_b", "member_left", "liaison_a", "liaison_b", "labor_officer_a",
    "supply_officer_b", "inspector_a", "admin_a",
])
def test_every_feed_page_of_every_user_is_as_documented(world, name):
    """Pages of 7 entries too, so that `has_more` and short pages are met."""
    replay(_client(world, name))
    replay(_client(world, name), limit=7)


def _detail_routes() -> dict:
    """model → (URL name, lookup field) of the detail route that reads it."""
    routes = {}
    for _prefix, viewset, basename in api_urls.router.registry:
        queryset = getattr(viewset, "queryset", None)
        if queryset is not None and "retrieve" in dir(viewset):
            routes.setdefault(queryset.model, (f"{basename}-detail", viewset.lookup_field))
    return routes


def _expansions_are_feed_data(answer: dict, data: dict, store) -> list[str]:
    """Keys the detail answer adds to the feed's `data` (a version's `entries`) must each
    be a list of objects that are themselves some type's feed data."""
    wrong = []
    by_id: dict[str, list[dict]] = {}
    for (_type, object_id), value in store.items():
        by_id.setdefault(object_id, []).append(value)
    for key in sorted(set(answer) - set(data)):
        items = answer[key]
        if not isinstance(items, list):
            wrong.append(f"{key} is in the answer but not in the feed's data")
            continue
        for item in items:
            if not (isinstance(item, dict) and item in by_id.get(str(item.get("id")), [])):
                wrong.append(f"{key}: {item!r} is no object's feed data")
    return wrong


def test_feed_data_is_the_api_representation_of_every_object(world):
    admin = world.people["admin_a"]
    store = replay(_client(world, "admin_a"))
    client = _client(world, "admin_a")
    by_represent = representation_serializers()
    routes = _detail_routes()
    problems = []
    compared = 0
    for object_type, spec in sorted(tracking.tracked_types().items()):
        serializer = by_represent.get(spec.represent)
        assert serializer is not None, f"{object_type}: no read serializer"
        for obj in spec.objects().order_by("pk"):
            data = store.get((object_type, str(obj.pk)))
            if data is None:
                problems.append(f"{object_type} {obj.pk}: not in the administrator's feed")
                continue
            representation = journal.mask(obj, serializer(obj).data)
            if representation != data:
                problems.append(f"{object_type} {obj.pk}: serializer {representation} "
                                f"!= feed {data}")
            route = routes.get(spec.model)
            if route is not None and admin.has_perm(
                f"{spec.model._meta.app_label}.view_{spec.model._meta.model_name}"
            ):
                name, lookup = route
                value = obj.pk if lookup == "pk" else getattr(obj, lookup)
                response = check_response(client.get(reverse(name, kwargs={lookup: value})))
                assert response.status_code == 200, (object_type, response.content[:300])
                answer = journal.mask(obj, response.json())
                common = {key: answer[key] for key in data if key in answer}
                if common != data:
                    problems.append(f"{object_type} {obj.pk}: GET {answer} != feed {data}")
                problems += [f"{object_type} {obj.pk}: {line}"
                             for line in _expansions_are_feed_data(answer, data, store)]
            compared += 1
    assert compared >= len(tracking.tracked_types())
    assert not problems, "\n".join(problems)


def test_a_negative_list_version_answers_the_feed_data_with_its_entries(world):
    """Regression (issue 10): `negative-list` entries had another shape than the feed's
    `filings.negativelistentry` data, and the version itself other fields."""
    store = replay(_client(world, "member_a"))
    published = world.objects["negative_list_published"]
    response = check_response(_client(world, "member_a").get(
        f"/api/v1/negative-list/{published.number}/"
    ))
    answer = response.json()
    entries = answer.pop("entries")
    assert answer == store[("filings.negativelist", str(published.pk))]
    assert entries == [store[("filings.negativelistentry", str(entry.pk))]
                       for entry in published.entries.order_by("pk")]
