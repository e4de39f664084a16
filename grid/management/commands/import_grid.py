import json

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidInput
from grid.models import District
from grid.services import grid_cells_import


class Command(BaseCommand):
    help = (
        "Import grid cells from a GeoJSON FeatureCollection (dry run unless --commit)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--district", required=True, help="district administrative code"
        )
        parser.add_argument(
            "--commit", action="store_true", help="save when every feature is good"
        )

    def handle(self, *args, path, district, commit, **options):
        try:
            district_obj = District.objects.get(code=district)
        except District.DoesNotExist:
            raise CommandError(f"unknown district {district}") from None
        try:
            with open(path, encoding="utf-8") as handle:
                collection = json.load(handle)
            report = grid_cells_import(
                district=district_obj, feature_collection=collection, dry_run=not commit
            )
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read {path}: {error}") from error
        except InvalidInput as error:
            raise CommandError(str(error.fields)) from error
        for problem in report.errors:
            where = (
                f"feature {problem['feature']} ({problem['code']}) {problem['field']}"
            )
            self.stdout.write(f"{where}: {problem['message']}")
        if report.errors:
            raise CommandError(
                f"{len(report.errors)} feature(s) rejected; nothing was saved."
            )
        verb = "imported" if commit else "would import (dry run)"
        self.stdout.write(f"{verb}: {report.created} new, {report.updated} updated")
