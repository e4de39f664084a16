from django.core.management.base import BaseCommand

from grid.services import tickets_escalate_overdue


class Command(BaseCommand):
    help = "Mark overdue tickets and escalate them (what the periodic task runs)."

    def handle(self, *args, **options):
        report = tickets_escalate_overdue()
        self.stdout.write(
            f"to street: {report.to_street}, to district: {report.to_district}"
        )
