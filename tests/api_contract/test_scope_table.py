"""The hand-written scope table against the code: permissions and rows, per role and model.

Every model a surface serves (tracked, routed or in the admin) must be in the table, for
both users of each role (and `member_left`); each difference is named. Disagreements that
are known defects are xfail(strict=True) with their issue (scope_table.KNOWN_DEFECTS).
"""

from __future__ import annotations

import pytest

from . import code_answers
from .scope_table import ROLES, TABLE, defect, expected
from .world import person

pytestmark = pytest.mark.django_db

LABELS = [model._meta.label_lower for model in code_answers.compared_models()]


def _cases():
    for role in ROLES:
        for label in LABELS:
            reason = defect(role, label)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(role, label, marks=marks, id=f"{role}-{label}")


def _users(role: str) -> list[str]:
    names = [person(role, "a"), person(role, "b")]
    return names + (["member_left"] if role == "enterprise" else [])


@pytest.mark.parametrize(("role", "label"), list(_cases()))
def test_code_grants_and_scopes_as_the_table_says(shared_world, role, label):
    model = code_answers.model_of(label)
    differences = []
    for name in _users(role):
        want = expected(name, role, label)
        if want is None:
            pytest.fail(f"{label} is missing from the scope table for {role}: add it to "
                        "tests/api_contract/scope_table.py (from DESIGN §6)")
        user = shared_world.people[name]
        may = code_answers.may(user, model)
        if may != want.may:
            differences.append(f"{name}: may {sorted(may)}, the table says {sorted(want.may)}")
        reads = code_answers.reads(shared_world, user, model)
        want_reads = code_answers.in_full(shared_world, model, want.reads)
        if reads != want_reads:
            differences.append(
                f"{name}: reads {_show(reads)}, the table says {_show(want_reads)}"
            )
    assert not differences, f"{label}:\n" + "\n".join(differences)


def _show(names):
    return names if isinstance(names, str) else sorted(names)


def test_table_names_only_models_the_portal_serves():
    """A model removed from the portal leaves the table too (no stale rows)."""
    stale = {label for rows in TABLE.values() for label in rows} - set(LABELS)
    assert not stale, f"the scope table names models no surface serves: {sorted(stale)}"




def test_every_routed_model_declares_its_scope():
    """No routed model is read as "visible to all" for want of a declaration (DESIGN §6);
    the journal is read only by those holding `view_journalentry`, but it says so in a
    declared scope like every other model."""
    undeclared = sorted(model._meta.label for model in code_answers.routed_models()
                        if not code_answers.declares_scope(model))
    assert not undeclared, f"routed models that declare no scope: {undeclared}"
