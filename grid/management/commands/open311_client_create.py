import hashlib
import secrets

from django.core.management.base import BaseCommand

from grid.models import Open311Client


class Command(BaseCommand):
    help = "Create an Open311 client and print its api_key (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        key = secrets.token_urlsafe(24)
        Open311Client.objects.create(
            name=name, key_hash=hashlib.sha256(key.encode()).hexdigest()
        )
        self.stdout.write(key)
