import asyncio
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from monitoring import hj212
from monitoring.models import Station
from monitoring.simulation import simulated_value

ST_BY_KIND = {
    "ambient_air": "22",
    "surface_water": "21",
    "noise": "23",
    "indoor_air": "22",
    "outlet": "32",
    "fume": "31",
    "dust": "39",
}


class Command(BaseCommand):
    help = (
        "Feed the demo district's stations over HJ 212 (real-time packets), so the "
        "boards move; --exceed MN pushes one monitor over its limits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8212)
        parser.add_argument("--interval", type=float, default=10.0)
        parser.add_argument(
            "--duration", type=float, default=0, help="seconds; 0 runs until stopped"
        )
        parser.add_argument("--exceed", action="append", default=[], metavar="MN")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, host, port, interval, duration, exceed, seed, **options):
        monitors = []
        for station in (
            Station.objects.filter(mn__isnull=False)
            .exclude(status=Station.Status.RETIRED)
            .prefetch_related("sensors")
        ):
            codes = {
                s.hj212_code: s.parameter
                for s in station.sensors.all()
                if s.is_active and s.hj212_code
            }
            if codes:
                monitors.append((station.mn, ST_BY_KIND[station.kind], codes))
        if not monitors:
            raise CommandError("No station with an MN and HJ 212 sensor codes.")
        self.stdout.write(f"simulating {len(monitors)} monitors → {host}:{port}")
        sent, answered = asyncio.run(
            simulate(
                monitors,
                host=host,
                port=port,
                interval=interval,
                duration=duration,
                exceed=set(exceed),
                seed=seed,
            )
        )
        self.stdout.write(f"sent {sent} packets, {answered} answered")


def exceeding(parameter: str, at, rng: random.Random) -> float:
    """A value over the usual limits, whatever the hour: fume well above
    1 mg/m³ with the fan running and the cleaner off, other values tripled."""
    if parameter == "fume":
        return round(rng.uniform(1.5, 2.5), 3)
    if parameter in ("fan_on", "cleaner_on"):
        return 1.0 if parameter == "fan_on" else 0.0
    return simulated_value(parameter, at, rng, scale=3.0)


async def simulate(monitors, *, host, port, interval, duration, exceed, seed):
    """One connection per monitor, a real-time packet every ``interval``."""
    counts = {"sent": 0, "answered": 0}
    deadline = time.monotonic() + duration if duration else None

    async def monitor(index, mn, st, codes):
        rng = random.Random(f"{seed}:{mn}")
        reader, writer = await asyncio.open_connection(host, port)
        await asyncio.sleep(rng.uniform(0, interval))  # spread the monitors
        try:
            while deadline is None or time.monotonic() < deadline:
                now = timezone.now().replace(microsecond=0)
                values = {
                    code: {
                        "Rtd": exceeding(parameter, now, rng)
                        if mn in exceed
                        else simulated_value(parameter, now, rng),
                        "Flag": "N",
                    }
                    for code, parameter in codes.items()
                }
                packet = hj212.build(
                    qn=hj212.qn_for(now),
                    st=st,
                    cn=hj212.CN_REALTIME,
                    mn=mn,
                    flag=5,
                    data_time=now,
                    values=values,
                )
                writer.write(packet.encode())
                await writer.drain()
                counts["sent"] += 1
                await reader.readuntil(b"\r\n")
                counts["answered"] += 1
                await asyncio.sleep(interval)
        finally:
            writer.close()

    await asyncio.gather(
        *(monitor(i, *m) for i, m in enumerate(monitors)), return_exceptions=False
    )
    return counts["sent"], counts["answered"]
