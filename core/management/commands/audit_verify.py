from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Recompute the audit hash chain and report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal", action="store_true", help="seal pending events first"
        )

    def handle(self, *args, seal, **options):
        if seal:
            self.stdout.write(f"sealed {audit_seal()} new event(s)")
        result = audit_verify()
        if result.ok:
            head = f"#{result.head_sequence} {result.head_hash}"
            message = f"chain intact: {result.checked} link(s), head {head}"
            self.stdout.write(self.style.SUCCESS(message))
            return
        raise CommandError(
            f"chain broken at link #{result.broken_at}: {result.reason} "
            f"({result.checked} link(s) before it are intact)"
        )
