"""`flush`, meeting the journal's TRUNCATE guard on PostgreSQL: refused there, as every
erasure of the journal is, except in the test suite (PORTAL_TESTING), where each
transactional test ends by emptying the test database."""

from django.conf import settings
from django.core.management.commands import flush
from django.db import connections, transaction

TRIGGER = "portal_journal_no_truncate"


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if not (settings.TESTING and connection.vendor == "postgresql"):
            return super().handle(**options)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [TRIGGER])
            guarded = cursor.fetchone() is not None
            if guarded:  # for this transaction only: it commits enabled again
                cursor.execute(f"ALTER TABLE portal_journalentry DISABLE TRIGGER {TRIGGER}")
            super().handle(**options)
            if guarded:
                cursor.execute(f"ALTER TABLE portal_journalentry ENABLE TRIGGER {TRIGGER}")
