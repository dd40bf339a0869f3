"""Import enterprises from a CSV or XLSX file: every row valid, or nothing written."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from enterprises.imports import ImportFileError, enterprise_import, read_path


class Command(BaseCommand):
    help = "Import (upsert by credit code) enterprises from a .csv or .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .csv (UTF-8) or .xlsx file with a header row")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and count, but write nothing"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, path, dry_run, no_progress, **options):
        bars = {}

        def progress(stage, rows):
            if stage not in bars:
                for bar in bars.values():
                    bar.close()
                bars[stage] = tqdm(desc=stage, unit=" rows", file=sys.stderr, leave=False)
            bars[stage].update(rows)

        try:
            result = enterprise_import(
                rows=read_path(path), actor=None, dry_run=dry_run,
                progress=None if no_progress else progress,
            )
        except (ImportFileError, OSError) as error:
            raise CommandError(str(error)) from error
        finally:
            for bar in bars.values():
                bar.close()

        if result.errors:
            for error in result.errors:
                self.stderr.write(
                    _("row %(row)d, %(field)s: %(message)s")
                    % {"row": error.row, "field": error.field, "message": error.message}
                )
            raise CommandError(
                _("%(errors)d errors in %(rows)d rows; nothing was imported.")
                % {"errors": len(result.errors), "rows": len({e.row for e in result.errors})},
                returncode=1,
            )
        summary = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
        }
        if dry_run:
            summary = _("Dry run, nothing written: %(summary)s") % {"summary": summary}
        self.stdout.write(summary)
