from django.core.management.base import BaseCommand, CommandError

from exchange import services
from exchange.models import ExchangeClient
from grid.models import District


class Command(BaseCommand):
    help = (
        "Create an exchange client (the city platform) for districts and print its "
        "key once; with --rotate, issue a new key for an existing client."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--district", action="append", default=[], help="district code"
        )
        parser.add_argument("--rotate", action="store_true")

    def handle(self, *args, name, district, rotate, **options):
        if rotate:
            client = ExchangeClient.objects.filter(name=name).first()
            if client is None:
                raise CommandError(f"no exchange client named {name!r}")
            key = services.exchange_client_rotate(client=client)
        else:
            districts = list(District.objects.filter(code__in=district))
            missing = set(district) - {d.code for d in districts}
            if missing or not districts:
                raise CommandError(f"unknown or no districts: {sorted(missing)}")
            client, key = services.exchange_client_create(
                name=name, districts=districts
            )
        self.stdout.write(f"client: {client.name} (#{client.pk})")
        self.stdout.write(f"key (shown once): {key}")
        self.stdout.write(f"use: Authorization: Bearer {key}")
