from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidInput
from exchange import services
from exchange.models import CityList
from grid.models import District


class Command(BaseCommand):
    help = "Apply a city shared list (CSV/XLSX with a uscc column) to a district."

    def add_arguments(self, parser):
        parser.add_argument("list_code")
        parser.add_argument("file")
        parser.add_argument("--district", required=True, help="district code")
        parser.add_argument("--user", required=True, help="username on the record")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, list_code, file, district, user, dry_run, **options):
        try:
            city_list = CityList.objects.get(code=list_code)
            target = District.objects.get(code=district)
            actor = get_user_model().objects.get(username=user)
        except (CityList.DoesNotExist, District.DoesNotExist) as error:
            raise CommandError(str(error)) from None
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {user!r}") from None
        path = Path(file)
        try:
            report = services.city_list_import_file(
                city_list=city_list,
                district=target,
                user=actor,
                content=path.read_bytes(),
                file_name=path.name,
                dry_run=dry_run,
            )
        except InvalidInput as error:
            raise CommandError(f"{error.detail}: {error.fields}") from None
        self.stdout.write(
            f"{'dry run: ' if dry_run else ''}{report.tagged} tagged, "
            f"{report.added} added, {report.removed} removed, "
            f"{len(report.unknown)} unknown codes"
        )
        for code in report.unknown[:50]:
            self.stdout.write(f"  unknown: {code}")
