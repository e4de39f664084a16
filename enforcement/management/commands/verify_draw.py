"""Re-run a plan's random draw from its stored inputs and (revealed) seed."""

from django.core.management.base import BaseCommand, CommandError

from enforcement.models import InspectionPlan
from enforcement.services import plan_verify


class Command(BaseCommand):
    help = "Re-run an inspection plan's draw and check it against the published list."

    def add_arguments(self, parser):
        parser.add_argument("plan", type=int, help="plan id")
        parser.add_argument(
            "--seed",
            help="check this seed instead of the stored one (e.g. as revealed)",
        )

    def handle(self, *args, plan, seed=None, **options):
        try:
            plan_obj = InspectionPlan.objects.get(pk=plan)
        except InspectionPlan.DoesNotExist as error:
            raise CommandError(f"No plan {plan}.") from error
        if plan_obj.status != InspectionPlan.Status.CLOSED and seed is None:
            self.stderr.write(
                "Note: the plan is open; its seed is not public yet (checked anyway)."
            )
        result = plan_verify(plan=plan_obj, seed=seed)
        self.stdout.write(f"Plan {plan_obj.pk}: {plan_obj.name}")
        self.stdout.write(f"  algorithm        {plan_obj.algorithm}")
        self.stdout.write(f"  seed sha256      {plan_obj.seed_sha256}")
        self.stdout.write(f"  inputs sha256    {plan_obj.inputs_sha256}")
        self.stdout.write(f"  seed matches     {result.seed_matches}")
        self.stdout.write(f"  inputs match     {result.inputs_match}")
        self.stdout.write(f"  same list        {result.list_matches}")
        for position, target in enumerate(result.drawn, start=1):
            inspectors = ",".join(str(u) for u in target.inspector_ids)
            self.stdout.write(
                f"  {position:>4}  enterprise {target.enterprise_id:<8} "
                f"{target.colour:<6} inspectors {inspectors}"
            )
        if not result.ok:
            raise CommandError("The draw does NOT match the published plan.")
        self.stdout.write(self.style.SUCCESS("OK: the draw reproduces the plan."))
