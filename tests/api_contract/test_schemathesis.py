"""schemathesis against /api/schema/: generated requests, signed in, every default check.

Runs in-process against the WSGI application inside the test's transaction, on the
contract world (so detail routes meet real objects as well as made-up ids). Each
operation gets a bounded number of examples to keep the run short.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from portal.wsgi import application

# Loaded while collecting (the schema view needs no database), so that each operation
# becomes its own test.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def wsgi_keeps_connection():
    """Calls through the WSGI app end with `request_finished`, whose handler closes a
    connection inside a transaction (PostgreSQL) and with it the test's; Django's test
    client holds it off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schemathesis.check
def negative_data_rejection_outside_query(ctx, response, case):
    """`negative_data_rejection`, except for cases that break only query parameters.

    Filters follow django-filter's convention: an empty value (`?at_to=`) or a boolean it
    cannot read (`?active=maybe`) means "no filter" and the list is answered in full. That
    leniency is deliberate and harmless; bodies, path parameters and headers must still be
    rejected when they break the schema.
    """
    meta = case.meta
    if meta is not None:
        negative = {loc for loc, info in meta.components.items() if info.mode.is_negative}
        if negative and negative <= {ParameterLocation.QUERY}:
            return None
    return negative_data_rejection(ctx, response, case)


@schema.parametrize()
# Derandomised: the same examples every run, so `make test` does not turn red by chance;
# raise max_examples locally (or drop derandomize) to explore further.
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, world, wsgi_keeps_connection):
    # Excluded: `positive_data_acceptance` (a schema-valid request must be accepted). Our
    # writes and filters refuse schema-valid input for reasons no JSON Schema can state:
    # ids of rows that do not exist (`official: 0`), a credit code's check character, a
    # filing's status that does not allow the transition, a wrong password. Those are 400s
    # with field errors by design (DESIGN §5). `negative_data_rejection` runs in the
    # narrowed form above. Every other default check runs as it is.
    case.call_and_validate(
        headers=world.headers("admin"),
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
        additional_checks=[negative_data_rejection_outside_query],
    )
