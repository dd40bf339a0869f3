# Signed journal checkpoints (DESIGN §4), TRUNCATE refused on the journal, and deliveries
# that carry their own next-attempt time (so the sweep retries what a lost task left).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

NO_TRUNCATE = """
CREATE TRIGGER portal_journal_no_truncate
    BEFORE TRUNCATE ON portal_journalentry
    FOR EACH STATEMENT EXECUTE FUNCTION portal_journal_append_only();
"""

ALLOW_TRUNCATE = "DROP TRIGGER IF EXISTS portal_journal_no_truncate ON portal_journalentry;"


def refuse_truncate(apps, schema_editor):
    # The function of 0002 raises for any operation it is called for, TRUNCATE included.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NO_TRUNCATE, params=None)


def allow_truncate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_TRUNCATE, params=None)


def due_times(apps, schema_editor):
    """Pending deliveries are due since they were written; the others are done."""
    Delivery = apps.get_model("portal", "Delivery")
    Delivery.objects.filter(status="pending").update(next_attempt_at=models.F("created_at"))
    Delivery.objects.exclude(status="pending").update(next_attempt_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0006_journalverification"),
    ]

    operations = [
        migrations.CreateModel(
            name="JournalCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(verbose_name="sequence")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
                ("signed_at", models.DateTimeField(verbose_name="signed at")),
                ("key_id", models.CharField(max_length=16, verbose_name="key id")),
                ("signature", models.CharField(max_length=88, verbose_name="signature")),
                ("trigger", models.CharField(choices=[("scheduled", "scheduled"), ("manual", "manual")], max_length=10, verbose_name="trigger")),
                ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="signed by")),
            ],
            options={
                "verbose_name": "journal checkpoint",
                "verbose_name_plural": "journal checkpoints",
                "ordering": ["-seq", "-id"],
                "indexes": [models.Index(fields=["seq"], name="journal_checkpoint_seq_idx")],
            },
        ),
        migrations.RunPython(refuse_truncate, allow_truncate),
        migrations.AlterField(
            model_name="delivery",
            name="status",
            field=models.CharField(choices=[("pending", "pending"), ("sending", "sending"), ("sent", "sent"), ("skipped", "skipped"), ("failed", "failed")], default="pending", max_length=10, verbose_name="status"),
        ),
        migrations.AddField(
            model_name="delivery",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True, verbose_name="next attempt at"),
        ),
        migrations.RunPython(due_times, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="delivery",
            name="delivery_pending_idx",
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(condition=models.Q(("status__in", ["pending", "sending"])), fields=["next_attempt_at"], name="delivery_due_idx"),
        ),
    ]
