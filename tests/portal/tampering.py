"""Changing the journal table behind the portal's back, as a database superuser would."""

from django.db import connection

TRIGGER = "portal_journal_append_only"


def tamper(sql, params=()):
    """Run `sql` with the append-only trigger disabled (PostgreSQL has one; SQLite none)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE portal_journalentry DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE portal_journalentry ENABLE TRIGGER {TRIGGER}")
