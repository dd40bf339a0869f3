"""A client generated from /api/schema/ works as it is (issue 10 §2).

openapi-python-client (a dev dependency) generates a package from the live schema into a
temporary folder, with the network cut off (generation must need nothing from outside).
Through that generated code only, against a live test server, an enterprise member signs
in, pulls the whole feed into a local store, creates a draft filing with an
Idempotency-Key (and retries it), reads its ETag, PATCHes it with If-Match (and is refused
with a stale one), submits it with an Idempotency-Key, syncs the change and signs out.
Every answer the generated client receives is validated against the schema as well.
"""

from __future__ import annotations

import datetime
import importlib
import json
import socket
import sys
from collections import Counter

import pytest
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType

from portal.roles import Role
from tests.factories import PASSWORD, user_with
from tests.filings import factories

from .validation import check_response, checker, live_schema

PACKAGE = "portal_api_client"


def _no_network(*args, **kwargs):
    raise OSError("the network is cut off while the client is generated")


@pytest.fixture
def generated(tmp_path, monkeypatch):
    """The generated package, imported from its temporary folder."""
    document = tmp_path / "schema.json"
    document.write_text(json.dumps(live_schema(), ensure_ascii=False), encoding="utf-8")
    config = Config.from_sources(
        # No formatting hooks: they would run ruff in a subprocess, and need not.
        ConfigFile(post_hooks=[], package_name_override=PACKAGE,
                   project_name_override=PACKAGE),
        MetaType.NONE, document, "utf-8", overwrite=True, output_path=tmp_path / PACKAGE,
    )
    with monkeypatch.context() as offline:
        for name in ("connect", "connect_ex"):
            offline.setattr(socket.socket, name, _no_network)
        offline.setattr(socket, "create_connection", _no_network)
        offline.setattr(socket, "getaddrinfo", _no_network)
        errors = generate(config=config)
    assert not errors, "\n".join(f"{error.header}: {error.detail}" for error in errors)
    monkeypatch.syspath_prepend(str(tmp_path))
    package = importlib.import_module(PACKAGE)
    yield package
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def _module(package, name: str):
    return importlib.import_module(f"{package.__name__}.{name}")


class Recorder:
    """An httpx response hook: every answer is read, checked against the schema, and its
    operation counted."""

    def __init__(self):
        self.operations: Counter = Counter()

    def __call__(self, response):
        response.read()
        check_response(response)
        found = checker().find(response.request.url.path)
        self.operations[(response.request.method, found[0] if found else "?")] += 1


def pull(changes_list, client, store: dict, after: int) -> int:
    """The feed from `after` to its end into `store` ({type: {id: data}}), as the generated
    models give it; the `after` to resume from."""
    while True:
        page = changes_list.sync(client=client, after=after, limit=1000)
        assert page is not None and hasattr(page, "results"), page
        for change in page.results:
            kept = store.setdefault(change.type_.value, {})
            if change.op.value == "delete":
                kept.pop(change.id, None)
            else:
                kept[change.id] = change.data.to_dict()
        after = page.next_after
        if not page.has_more:
            return after


@pytest.mark.django_db(transaction=True)
def test_generated_client_signs_in_syncs_files_and_edits(generated, live_server):
    api = _module(generated, "api")
    token_create = _module(api, "auth.auth_token_create")
    logout = _module(api, "auth.auth_logout_create")
    changes_list = _module(api, "changes.changes_list")
    filings_create = _module(api, "filings.filings_create")
    filings_retrieve = _module(api, "filings.filings_retrieve")
    filings_update = _module(api, "filings.filings_partial_update")
    filings_submit = _module(api, "filings.filings_submit_create")
    models = _module(generated, "models")

    enterprise, member = factories.member_enterprise()
    factories.negative_list([("0610", "煤炭开采", None)])
    recorder = Recorder()
    hooks = {"event_hooks": {"response": [recorder]}}

    # Sign in: no token needed to get one, one JSON body.
    anonymous = generated.Client(base_url=live_server.url, httpx_args=hooks)
    signed_in = token_create.sync(client=anonymous, body=models.TokenRequest(
        username=member.username, password=PASSWORD, name="generated client",
    ))
    assert isinstance(signed_in, models.TokenResponse), signed_in
    client = generated.AuthenticatedClient(base_url=live_server.url, token=signed_in.token,
                                           prefix="Token", httpx_args=hooks)

    # The whole feed into a local store.
    store: dict[str, dict[str, dict]] = {}
    after = pull(changes_list, client, store, 0)
    assert str(enterprise.pk) in store["enterprises.enterprise"]
    assert store["filings.negativelist"], "the published negative list is in the feed"

    # A draft, with an Idempotency-Key; the retry replays it and creates nothing.
    body = models.FilingWriteRequest(enterprise=enterprise.pk)
    created = filings_create.sync_detailed(client=client, body=body, idempotency_key="draft-1")
    assert created.status_code == 201, created.content
    retried = filings_create.sync_detailed(client=client, body=body, idempotency_key="draft-1")
    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.parsed.id == created.parsed.id
    filing_id = created.parsed.id

    # Read the ETag, PATCH with If-Match; a stale version is refused.
    read = filings_retrieve.sync_detailed(client=client, id=filing_id)
    etag = read.headers["ETag"]
    assert etag == f'"{read.parsed.version}"'
    fields = factories.complete()
    measures = models.MeasuresRequest(**{name: True for name in factories.ALL_MEASURES})
    patch = models.PatchedFilingWriteRequest(
        planned_resume_date=fields["planned_resume_date"],
        employees_total=fields["employees_total"],
        employees_returning=fields["employees_returning"],
        employees_from_outside=fields["employees_from_outside"],
        measures=measures, commitment_accepted=True, signer_name=fields["signer_name"],
    )
    changed = filings_update.sync_detailed(client=client, id=filing_id, body=patch,
                                           if_match=etag)
    assert changed.status_code == 200, changed.content
    assert changed.parsed.planned_resume_date == datetime.date(2020, 2, 21)
    stale = filings_update.sync_detailed(client=client, id=filing_id, body=patch,
                                         if_match=etag)
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Error)
    assert stale.headers["ETag"] == changed.headers["ETag"]

    # Submit with an Idempotency-Key (and the version just read): the instant decision.
    submitted = filings_submit.sync_detailed(client=client, id=filing_id,
                                             idempotency_key="submit-1",
                                             if_match=changed.headers["ETag"])
    assert submitted.status_code == 200, submitted.content
    assert submitted.parsed.status == models.FilingStatusEnum.FILED
    assert submitted.parsed.number

    # Sync on: the local copy of the filing is what the API answers.
    pull(changes_list, client, store, after)
    final = filings_retrieve.sync(client=client, id=filing_id)
    assert store["filings.filing"][str(filing_id)] == final.to_dict()

    # Sign out: the token ends.
    assert logout.sync_detailed(client=client).status_code == 204
    assert changes_list.sync_detailed(client=client).status_code == 401

    # Every read that needs no argument, as an administrator: each answer parses into
    # the generated models.
    admin = user_with(Role.ADMIN)
    token = token_create.sync(client=anonymous, body=models.TokenRequest(
        username=admin.username, password=PASSWORD)).token
    client = generated.AuthenticatedClient(base_url=live_server.url, token=token,
                                           prefix="Token", httpx_args=hooks)
    unparsed = []
    for module in _argument_free_reads(generated):
        answer = module.sync_detailed(client=client)
        if answer.status_code != 200 or answer.parsed is None:
            unparsed.append(f"{module.__name__}: {answer.status_code} {answer.content[:200]}")
    assert not unparsed, "\n".join(unparsed)

    print(f"\ngenerated client: {len(recorder.operations)} operations driven, "
          f"{sum(recorder.operations.values())} answers validated: "
          f"{sorted(recorder.operations)}")


def _operation_modules(package):
    """(operation, its generated module) for every operation of the schema."""
    for template, path_item in live_schema()["paths"].items():
        for method, operation in path_item.items():
            tag = operation["tags"][0].replace("-", "_")
            yield (method, template, operation), _module(
                package, f"api.{tag}.{operation['operationId']}"
            )


def _argument_free_reads(package):
    for (method, _template, operation), module in _operation_modules(package):
        required = [param for param in operation.get("parameters", []) if param.get("required")]
        if method == "get" and not required:
            yield module


def test_every_operation_has_a_generated_function(generated):
    """Regression (issue 10): the sign-in function of an earlier schema failed to import."""
    missing = [f"{method.upper()} {template}"
               for (method, template, _operation), module in _operation_modules(generated)
               if not callable(getattr(module, "sync_detailed", None))]
    assert not missing
