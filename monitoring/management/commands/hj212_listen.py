import asyncio
import signal

from django.core.management.base import BaseCommand

from monitoring.listener import Hj212Listener


class Command(BaseCommand):
    help = "Accept HJ 212—2017 data packets from online monitors over TCP."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0")
        parser.add_argument("--port", type=int, default=8212)
        parser.add_argument(
            "--batch-ms", type=float, default=20, help="store packets every N ms"
        )
        parser.add_argument(
            "--follow-up-s",
            type=float,
            default=2.0,
            help="run rollups and rules for new data every N seconds",
        )

    def handle(self, *args, host, port, batch_ms, follow_up_s, **options):
        asyncio.run(self._serve(host, port, batch_ms / 1000, follow_up_s))

    async def _serve(self, host, port, batch_seconds, follow_up_seconds):
        listener = Hj212Listener(
            batch_seconds=batch_seconds, follow_up_seconds=follow_up_seconds
        )
        server = await listener.start(host, port)
        self.stdout.write(f"HJ 212 listener on {host}:{port}")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with server:
            await stop.wait()
        await listener.stop()
        stats = listener.stats
        self.stdout.write(
            f"stopped: {stats.packets} packets, {stats.stored} readings stored, "
            f"{stats.rejected} rejected, {stats.responses} responses"
        )
