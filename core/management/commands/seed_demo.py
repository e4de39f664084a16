import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from core.demo import HISTORY_LIMIT, DemoContext, demo_data_present, demo_steps


class Command(BaseCommand):
    help = "Build the synthetic demo district (deterministic for a given --seed)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--enterprises", type=int, default=3000)
        parser.add_argument(
            "--histories",
            type=int,
            default=HISTORY_LIMIT,
            help="At most this many enterprises (the first ones) get a history "
            f"of inspections, penalties and waste records (default {HISTORY_LIMIT}).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if a district already exists.",
        )

    def handle(self, *args, seed, enterprises, histories, if_empty, **options):
        if if_empty and demo_data_present():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        context = DemoContext(
            seed=seed,
            enterprises=enterprises,
            histories=histories,
            random=random.Random(seed),
            log=lambda message: self.stdout.write(message),
        )
        started = time.perf_counter()
        for step in demo_steps():
            step_started = time.perf_counter()
            with transaction.atomic():
                step.run(context)
            self.stdout.write(
                f"  {step.name}: {time.perf_counter() - step_started:.1f} s"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo district ready in {time.perf_counter() - started:.1f} s."
            )
        )
        if context.credentials:
            self.stdout.write(
                "\nDemo accounts (synthetic data; change them before any real use):"
            )
            for role, username, password in context.credentials:
                self.stdout.write(f"  {role:<28} {username:<14} {password}")
