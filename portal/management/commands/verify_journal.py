"""Verify the journal's hash chain and anchors, and reconcile every tracked object."""

from django.core.management.base import BaseCommand, CommandError

from portal import journal


class Command(BaseCommand):
    help = (
        "Walk the journal's hash chain, check recorded anchors, and reconcile each tracked "
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

    def handle(self, *args, chain_only=False, anchor=False, **options):
        result = journal.verify(objects=not chain_only)
        self.stdout.write(
            f"entries verified: {result.entries}; head: #{result.head_seq} {result.head_hash}"
        )
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
