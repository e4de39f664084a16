from django.core.management.base import BaseCommand

from exchange import services


class Command(BaseCommand):
    help = "Write the scheduled export files now (changes since the last files)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="whole datasets")

    def handle(self, *args, full, **options):
        for export in services.exports_write(full=full):
            self.stdout.write(f"{export.path}: {export.rows} rows")
