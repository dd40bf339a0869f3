"""Make an Ed25519 key for signing journal checkpoints, or show the configured one's public
half."""

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand, CommandError

from portal import checkpoints


class Command(BaseCommand):
    help = (
        "Print a new journal signing key for JOURNAL_SIGNING_KEY (or write it as a PEM file "
        "with --output), with its public key and key id. Keep the private key out of the "
        "database and its backups; hand the public key to the inspectors."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", metavar="FILE",
            help="write the private key as PEM to FILE (mode 0600, never overwritten), for "
                 "JOURNAL_SIGNING_KEY_FILE",
        )
        parser.add_argument(
            "--public", action="store_true",
            help="print the public key of the configured signing key instead",
        )

    def handle(self, *args, output=None, public=False, **options):
        if public:
            key = checkpoints.current_key()
            if key is None:
                raise CommandError("no journal signing key is configured", returncode=1)
            self._describe(key.public)
            if key.development:
                self.stderr.write(self.style.WARNING(f"this is the {key.source}"))
            return
        private = Ed25519PrivateKey.generate()
        if output:
            try:
                descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                raise CommandError(f"{output} exists; not overwritten", returncode=1) from None
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(checkpoints.private_pem(private))
            self.stdout.write(f"JOURNAL_SIGNING_KEY_FILE={Path(output).resolve()}")
        else:
            self.stdout.write(f"JOURNAL_SIGNING_KEY={checkpoints.private_text(private)}")
        self._describe(private.public_key())

    def _describe(self, public_key) -> None:
        self.stdout.write(f"key id: {checkpoints.key_id(public_key)}")
        text = checkpoints.public_text(public_key)
        self.stdout.write(f"public key (JOURNAL_VERIFY_KEYS): {text}")
        self.stdout.write(checkpoints.public_pem(public_key).rstrip())
