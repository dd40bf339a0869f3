"""Verify the journal's hash chain, anchors and signed checkpoints, and reconcile every
tracked object."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal import checkpoints, journal


class Command(BaseCommand):
    help = (
        "Walk the journal's hash chain, check recorded anchors and every signed checkpoint "
        "(the checkpoint table's and files kept elsewhere), and reconcile each tracked "
        "object against its latest entry. Exit status 1 names the first problem."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chain-only", action="store_true", help="skip reconciling objects with the journal"
        )
        parser.add_argument(
            "--anchor", action="store_true",
            help="after a clean verification, record the head hash as a new anchor",
        )
        parser.add_argument(
            "--checkpoint", action="append", default=[], metavar="FILE",
            help="a signed checkpoint file kept outside the portal (repeatable): it must be "
                 "valid, still in the checkpoint table, and the chain must run through it",
        )
        parser.add_argument(
            "--public-key", action="append", metavar="KEY",
            help="trust only this Ed25519 public key (base64, PEM, or a PEM file; "
                 "repeatable) instead of the configured ones",
        )

    def handle(self, *args, chain_only=False, anchor=False, checkpoint=(), public_key=None,
               **options):
        kept = []
        try:
            for path in checkpoint:
                kept += checkpoints.load_file(path)
            keys = [self._key_text(value) for value in public_key] if public_key else None
            checkpoints.trusted_keys(keys)  # unreadable keys are refused up front
        except (checkpoints.CheckpointFileError, ValueError, ImproperlyConfigured) as error:
            raise CommandError(str(error), returncode=2) from None
        result = journal.verify(objects=not chain_only, checkpoints=kept, public_keys=keys)
        self.stdout.write(
            f"entries verified: {result.entries}; head: #{result.head_seq} {result.head_hash}"
        )
        self._report_checkpoints(result)
        if not chain_only:
            self.stdout.write(f"objects reconciled: {result.objects}")
        if result.problems:
            for problem in result.problems:
                self.stderr.write(str(problem))
            first = result.problems[0]
            raise CommandError(f"journal verification failed: {first}", returncode=1)
        if anchor:
            recorded = journal.anchor()
            if recorded:
                self.stdout.write(f"anchored #{recorded.seq} {recorded.hash}")
        self.stdout.write(self.style.SUCCESS("journal intact"))

    @staticmethod
    def _key_text(value: str) -> str:
        path = Path(value)
        if len(value) < 4096 and "\n" not in value and path.is_file():
            return path.read_text()
        return value

    def _report_checkpoints(self, result) -> None:
        newest = result.checkpoint
        if newest is None:
            self.stdout.write(self.style.WARNING(
                "signed checkpoints: none; a rewrite of the whole chain inside the database "
                "would not show (manage.py checkpoint_journal signs one)"
            ))
            return
        at = timezone.localtime(newest.signed_at).strftime("%Y-%m-%d %H:%M:%S")
        after = max(result.head_seq - newest.seq, 0)
        self.stdout.write(
            f"signed checkpoints verified: {result.checkpoints}; newest: #{newest.seq} "
            f"signed {at} with key {newest.key_id}"
        )
        if after:
            self.stdout.write(self.style.WARNING(
                f"{after} entries after the newest checkpoint are not yet covered by a "
                "signature"
            ))
