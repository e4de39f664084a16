"""Run the anomaly rules over every producer (a periodic job)."""

from django.core.management.base import BaseCommand

from hazwaste.services import anomaly_scan


class Command(BaseCommand):
    help = "Run every enabled hazardous-waste anomaly rule now."

    def handle(self, *args, **options):
        report = anomaly_scan()
        for rule, count in report.by_rule.items():
            self.stdout.write(f"{rule}: {count}")
        self.stdout.write(
            f"created {report.created}, refreshed {report.refreshed}, "
            f"resolved {report.resolved}"
        )
