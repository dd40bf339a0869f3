"""Sign a checkpoint of the journal's head now and send it to the inspectors."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import checkpoints
from portal.models import JournalCheckpoint


class Command(BaseCommand):
    help = (
        "Verify the journal since the newest checkpoint, sign its head with the key from "
        "JOURNAL_SIGNING_KEY and send the checkpoint to the inspectors. Exit status 1 when "
        "no key is configured or the journal does not verify."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", metavar="FILE", help="also write the signed checkpoint file here"
        )
        parser.add_argument(
            "--if-changed", action="store_true",
            help="sign nothing when no entry was appended since the newest checkpoint",
        )

    def handle(self, *args, output=None, if_changed=False, **options):
        try:
            checkpoint = checkpoints.checkpoint_create(
                trigger=JournalCheckpoint.Trigger.MANUAL, if_changed=if_changed
            )
        except checkpoints.SigningKeyMissing as error:
            raise CommandError(str(error), returncode=1) from None
        except checkpoints.CheckpointRefused as refused:
            raise CommandError(f"checkpoint refused: {refused.problem}", returncode=1) from None
        if checkpoint is None:
            self.stdout.write("nothing to sign: no entry since the newest checkpoint")
            return
        self.stdout.write(
            f"checkpoint #{checkpoint.seq} {checkpoint.hash} signed with key {checkpoint.key_id}"
        )
        if output:
            Path(output).write_text(checkpoints.file_text(checkpoint))
            self.stdout.write(f"written to {output}")
        self.stdout.write(self.style.SUCCESS("checkpoint signed and sent to the inspectors"))
