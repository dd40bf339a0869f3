"""The server-rendered pages and exports × every role, in scope and out (scope_table.PAGES).

Each page is tried by each role's A-side user on an A-side object and on its B-side twin,
and signed out; the answers are the hand-written table's. Failures a known defect explains
(scope_table.KNOWN_DEFECTS) make the case an xfail naming it.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from filings.models import MEASURES

from .conftest import COUNTS, undone
from .scope_table import PAGES, ROLES, defect, mirror
from .world import ANONYMOUS, PDF, person

pytestmark = pytest.mark.django_db

# What a form on a page posts, per page: enough to reach the step's own checks.
POSTS = {
    "review": lambda: {"form": "review", "decision": "approve", "reason": ""},
    "withdraw": lambda: {},
    "report rectified": lambda: {"report": "已整改"},
    "upload": lambda: {"file": SimpleUploadedFile("方案.pdf", PDF, "application/pdf")},
    "confirmation": lambda: {"outcome": "confirmed",
                             **{f"check_{name}": "on" for name in MEASURES}},
}


def _path(world, page, side: str) -> str | None:
    if page.subject is None:
        return page.path if side == "a" else None
    obj = world.objects[page.subject if side == "a" else mirror(page.subject)]
    values = {"pk": obj.pk}
    if "{attachment}" in page.path:
        values["attachment"] = obj.attachments.order_by("pk").first().pk
    if "{verify_token}" in page.path:
        values["verify_token"] = obj.verify_token
    return page.path.format(**values)


def _ask(client, page, path):
    with undone():
        if page.method == "get":
            response = client.get(path)
        else:
            response = client.post(path, POSTS[page.name]())
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    return response


def _signed_out_answer(page, side: str):
    if page.anonymous == "login":
        return ("redirect", reverse("login"))
    if page.anonymous == "admin-login":
        return ("redirect", reverse("admin:login"))
    a, _slash, b = str(page.anonymous).partition("/")
    return int(a if side == "a" else (b or a))


def _matches(response, want) -> bool:
    if isinstance(want, tuple):
        return response.status_code == 302 and response["Location"].startswith(want[1])
    return response.status_code == want


@pytest.mark.parametrize("identity", [ANONYMOUS, *ROLES])
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name.replace(" ", "-"))
def test_page_answers_each_role_as_the_table_says(shared_world, page, identity):
    world = shared_world
    client = Client()
    if identity != ANONYMOUS:
        client.force_login(world.people[person(identity, "a")])
    failures = []
    for index, side in enumerate("ab"):
        path = _path(world, page, side)
        if path is None:
            continue
        want = (_signed_out_answer(page, side) if identity == ANONYMOUS
                else page.codes[identity][index])
        response = _ask(client, page, path)
        COUNTS["pages matrix: requests (page × role, in and out of scope)"] += 1
        if not _matches(response, want):
            shown = want[1] if isinstance(want, tuple) else want
            failures.append(f"{identity}: {page.method.upper()} {path} ({side.upper()} side): "
                            f"{response.status_code} {response.get('Location', '')}, "
                            f"expected {shown}")
    known = defect(identity, page.label) if page.label and identity != ANONYMOUS else None
    if failures and known:
        pytest.xfail(f"{known}\n" + "\n".join(failures))
    assert not failures, "\n".join(failures)


def test_every_page_route_is_in_the_table():
    """A new page of the filings or the audit is added to scope_table.PAGES."""
    from django.urls import get_resolver

    tried = {page.path.split("{")[0] for page in PAGES}
    missing = []
    for prefix, module in (("/filings/", "filings.urls"), ("/audit/", "portal.audit.urls")):
        for pattern in get_resolver(module).url_patterns:
            route = prefix + str(pattern.pattern)
            head = route.split("<")[0]
            if not any(path.startswith(head) or head.startswith(path) for path in tried):
                missing.append(route)
    assert not missing, f"pages missing from scope_table.PAGES: {missing}"
