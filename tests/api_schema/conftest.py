"""The contract world (tests/api_contract/world.py), built per test through the services."""

import pytest

from tests.api_contract.world import build_world


@pytest.fixture
def world(db):
    return build_world()


def pytest_terminal_summary(terminalreporter):
    """How many responses the schema check validated in this run (issue 10's count)."""
    from . import validation

    if validation.checker.cache_info().currsize == 0:
        return
    tally = validation.checker().tally
    if tally.responses:
        terminalreporter.write_line(
            f"schema check: {tally.responses} responses validated against /api/schema/, "
            f"{len(tally.operations)} operations, statuses "
            f"{dict(sorted(tally.statuses.items()))}, {tally.problems} mismatches"
        )
