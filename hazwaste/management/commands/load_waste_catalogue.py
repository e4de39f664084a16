"""Load a full edition of the National Hazardous Waste List from a CSV file.

Columns: category, category_name, code, description, characteristics and,
optionally, industry, short_name, exemption_note (UTF-8, header row)."""

import csv
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidInput
from hazwaste.services import catalogue_load


class Command(BaseCommand):
    help = "Load an edition of the hazardous waste list from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--edition", required=True, help="e.g. 2025")
        parser.add_argument("--name", required=True)
        parser.add_argument("--effective-from", required=True, type=date.fromisoformat)
        parser.add_argument("--effective-until", type=date.fromisoformat, default=None)

    def handle(self, *args, **options):
        with open(options["path"], encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        categories = {}
        for row in rows:
            code = str(row.get("category", "")).strip().upper()
            if code:
                categories.setdefault(code, str(row.get("category_name", "")).strip())
        try:
            edition, count = catalogue_load(
                edition_code=options["edition"],
                name=options["name"],
                effective_from=options["effective_from"],
                effective_until=options["effective_until"],
                categories=categories,
                rows=rows,
            )
        except InvalidInput as error:
            problems = "; ".join(
                f"{k}: {', '.join(map(str, v))}" for k, v in error.fields.items()
            )
            raise CommandError(f"{error.detail} {problems}") from error
        self.stdout.write(f"{edition}: {count} codes in {len(categories)} categories")
