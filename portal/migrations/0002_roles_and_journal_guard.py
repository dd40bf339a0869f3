from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION portal_journal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'portal_journalentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_journal_append_only
    BEFORE UPDATE OR DELETE ON portal_journalentry
    FOR EACH ROW EXECUTE FUNCTION portal_journal_append_only();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS portal_journal_append_only ON portal_journalentry;
DROP FUNCTION IF EXISTS portal_journal_append_only();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)


def roles(apps, schema_editor):
    from portal.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("enterprises", "0003_load_industries"),
        ("liaisons", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(guard, unguard),
        migrations.RunPython(roles, migrations.RunPython.noop),
    ]
