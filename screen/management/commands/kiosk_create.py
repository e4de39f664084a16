from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidInput
from grid.models import District
from screen.services import kiosk_create


class Command(BaseCommand):
    help = "Create a wall-screen kiosk for a district and print its key (once)."

    def add_arguments(self, parser):
        parser.add_argument("--district", required=True, help="district code")
        parser.add_argument("--name", required=True)

    def handle(self, *args, district, name, **options):
        found = District.objects.filter(code=district).first()
        if found is None:
            raise CommandError(f"No district with code {district!r}.")
        try:
            kiosk, key = kiosk_create(name=name, district=found)
        except InvalidInput as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"kiosk {kiosk.pk} ({kiosk.name}): key {key}")
