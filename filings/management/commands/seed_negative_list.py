"""`manage.py seed_negative_list`: publish Hangzhou's negative list of 28 Feb 2020 as v1."""

from django.core.management.base import BaseCommand, CommandError

from filings.seed import seed_negative_list


class Command(BaseCommand):
    help = (
        "Publish the Hangzhou negative list of 28 February 2020 (GB/T 4754-2017 codes) as "
        "version 1. Safe to run again: an existing version 1 is left as it is."
    )

    def handle(self, *args, **options):
        try:
            created = seed_negative_list()
        except LookupError as error:
            raise CommandError(f"{error}; load the districts first (seed_demo).") from error
        if created is None:
            self.stdout.write("Negative list version 1 already in place; nothing written.")
        else:
            count = created.entries.count()
            self.stdout.write(self.style.SUCCESS(
                f"Published negative list version 1 with {count} entries."
            ))
