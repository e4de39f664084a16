from django.core.management.base import BaseCommand, CommandError

from grid.selectors import street_list_without_bureau_officer


class Command(BaseCommand):
    help = "List every street whose grid has no active bureau officer; fail if any."

    def handle(self, *args, **options):
        streets = list(street_list_without_bureau_officer())
        if not streets:
            self.stdout.write(
                self.style.SUCCESS("Every street has a bureau officer in its grid.")
            )
            return
        for street in streets:
            self.stdout.write(f"{street.district.name}\t{street.code}\t{street.name}")
        raise CommandError(f"{len(streets)} street(s) without a bureau officer.")
