"""The schema check finds what it is for: each kind of disagreement, on a real answer
altered one way at a time (responses as httpx gives them, as a generated client's)."""

import httpx
import pytest

from .validation import SchemaCheck, live_schema

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def check():
    """A checker of its own: the disagreements made here are not the suite's count."""
    return SchemaCheck(live_schema())

ETAG = {"ETag": '"1"', "X-Request-ID": "abc"}


def _answer(status, path, body=None, headers=None, method="GET"):
    request = httpx.Request(method, f"http://testserver{path}")
    return httpx.Response(status, json=body, headers=headers or {}, request=request)


@pytest.fixture
def unread():
    return {"unread": 3}


def test_a_documented_answer_passes(check, unread):
    assert check.problems(_answer(200, "/api/v1/notifications/unread-count/", unread)) == []


def test_an_undocumented_status_is_found(check, unread):
    found = check.problems(_answer(201, "/api/v1/notifications/unread-count/", unread))
    assert found and "status not documented" in found[0]


def test_a_property_the_schema_does_not_declare_is_found(check, unread):
    found = check.problems(_answer(200, "/api/v1/notifications/unread-count/",
                                       {**unread, "extra": 1}))
    assert found and "extra" in "\n".join(found)


def test_a_wrong_type_is_found(check):
    found = check.problems(_answer(200, "/api/v1/notifications/unread-count/",
                                       {"unread": "3"}))
    assert found


def test_a_missing_required_header_is_found(check, world):
    district = world.objects["district_a"]
    body = {key: value for key, value in _district(district).items()}
    path = f"/api/v1/districts/{district.code}/"
    assert check.problems(_answer(200, path, body, ETAG)) == []
    found = check.problems(_answer(200, path, body, {"X-Request-ID": "abc"}))
    assert found and "ETag" in "\n".join(found)


def test_a_header_the_schema_does_not_declare_is_found(check, unread):
    found = check.problems(_answer(200, "/api/v1/notifications/unread-count/", unread,
                                       {"X-Secret-Debug": "1"}))
    assert found and "x-secret-debug" in found[0].lower()


def test_an_unknown_address_must_be_a_404(check):
    assert check.problems(_answer(404, "/api/v1/no-such-thing/", {"detail": "x"})) == []
    assert check.problems(_answer(200, "/api/v1/no-such-thing/", {}))


def test_a_method_the_path_does_not_offer_must_be_a_405(check, unread):
    path = "/api/v1/notifications/unread-count/"
    assert check.problems(_answer(405, path, {"detail": "x"}, method="DELETE")) == []
    assert check.problems(_answer(200, path, unread, method="DELETE"))


def test_answers_outside_the_api_are_not_checked(check):
    assert check.problems(_answer(500, "/admin/", None)) == []


def _district(district):
    from enterprises.api.serializers import DistrictSerializer

    return DistrictSerializer(district).data
