from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidInput
from enforcement import io
from enforcement.services import enterprises_import


class Command(BaseCommand):
    help = "Import enterprises from CSV/XLSX (a dry run unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--commit", action="store_true", help="save when every row is good"
        )

    def handle(self, *args, path, commit, **options):
        try:
            rows = io.read_rows(Path(path).read_bytes(), path)
            report = enterprises_import(rows=rows, dry_run=not commit)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error}") from error
        except InvalidInput as error:
            raise CommandError(str(error.fields)) from error
        for problem in report.errors:
            self.stdout.write(
                f"row {problem['row']} {problem['field']}: {problem['message']}"
            )
        if report.errors:
            raise CommandError(f"{len(report.errors)} problem(s); nothing was saved.")
        verb = "imported" if commit else "would import (dry run)"
        self.stdout.write(f"{verb}: {report.created} new, {report.updated} updated")
