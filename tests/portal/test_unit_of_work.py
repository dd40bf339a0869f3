"""Services own their transaction and locks; the journal is appended last (issue 8 §3)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises import services
from enterprises.models import Enterprise
from portal import journal
from portal.models import JournalEntry
from portal.services import lock, tracked_update, unit_of_work
from tests.enterprises import factories

pytestmark = pytest.mark.django_db


def test_entries_recorded_in_a_unit_are_appended_when_it_ends():
    enterprise = factories.enterprise()
    before = JournalEntry.objects.count()
    with unit_of_work():
        services.enterprise_update(enterprise=enterprise, actor=None,
                                   fields={"employee_count": 7})
        # Recorded, not yet appended: the append lock is not taken mid-service.
        assert JournalEntry.objects.count() == before
        services.enterprise_update(enterprise=enterprise, actor=None,
                                   fields={"employee_count": 8})
        assert JournalEntry.objects.count() == before
    entries = list(JournalEntry.objects.order_by("seq")[before:])
    assert [e.changes["employee_count"] for e in entries] == [[120, 7], [7, 8]]
    assert journal.verify().ok


def test_the_journal_append_is_the_last_statement_of_the_unit():
    enterprise = factories.enterprise()
    with CaptureQueriesContext(connection) as queries, unit_of_work():
        services.enterprise_update(enterprise=enterprise, actor=None,
                                   fields={"address": "钱塘区1号"})
        Enterprise.objects.filter(pk=enterprise.pk).exists()  # some later read
    statements = [q["sql"] for q in queries.captured_queries]
    journal_table = JournalEntry._meta.db_table
    writes = [i for i, sql in enumerate(statements) if f"INSERT INTO \"{journal_table}\"" in sql]
    assert writes, statements
    later = [sql for sql in statements[writes[-1] + 1:]
             if not sql.startswith(("RELEASE", "COMMIT", "SAVEPOINT"))]
    assert later == [], later


def test_a_failed_nested_service_leaves_nothing_recorded_and_the_unit_goes_on():
    enterprise = factories.enterprise()
    before = JournalEntry.objects.count()
    with unit_of_work():
        with pytest.raises(ValidationError):
            services.enterprise_update(enterprise=enterprise, actor=None,
                                       fields={"contact_phone": "not a phone"})
        services.enterprise_update(enterprise=enterprise, actor=None,
                                   fields={"employee_count": 9})
    actions = list(JournalEntry.objects.order_by("seq")[before:].values_list("changes", flat=True))
    assert actions == [{"employee_count": [120, 9]}]


def test_a_failed_unit_writes_neither_rows_nor_entries():
    enterprise = factories.enterprise()
    before = JournalEntry.objects.count()
    with pytest.raises(RuntimeError), unit_of_work():
        services.enterprise_update(enterprise=enterprise, actor=None,
                                   fields={"employee_count": 9})
        raise RuntimeError("boom")
    enterprise.refresh_from_db()
    assert enterprise.employee_count == 120
    assert JournalEntry.objects.count() == before


def test_a_row_locked_in_the_unit_is_not_locked_and_read_again():
    enterprise = factories.enterprise()
    with unit_of_work():
        locked = lock(enterprise)
        with CaptureQueriesContext(connection) as queries:
            tracked_update(locked, actor=None, action="enterprises.enterprise.updated",
                           fields={"employee_count": 11})
    assert not any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
    # An object the unit did not lock itself is locked by the write.
    with unit_of_work(), CaptureQueriesContext(connection) as queries:
        tracked_update(Enterprise.objects.get(pk=enterprise.pk), actor=None,
                       action="enterprises.enterprise.updated", fields={"employee_count": 12})
    if connection.features.has_select_for_update:
        assert any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
