"""An asyncio TCP listener for HJ 212 monitors.

Each connection sends packets terminated by CRLF. Data packets (2011/2051/2061/
2031) from all connections are batched (a few milliseconds or a few hundred
packets) and stored in one transaction on a single worker thread; a packet whose
Flag asks for a response is answered (CN 9014) only after its batch is stored,
so an answer means the data is safe. Bad packets are logged as rejections.
Rollups and rules for what arrived run every few seconds, coalesced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from monitoring import hj212

log = logging.getLogger(__name__)
MAX_LINE = 6 + hj212.MAX_SEGMENT_LENGTH + 4 + 2


@dataclass
class ListenerStats:
    connections: int = 0
    packets: int = 0
    stored: int = 0
    rejected: int = 0
    responses: int = 0
    batches: int = 0


@dataclass
class _Pending:
    packets: list = field(default_factory=list)
    bad: list = field(default_factory=list)
    waiters: list = field(default_factory=list)


def default_store(*, own_thread: bool = True):
    """The Django side: store packets through the ingestion service."""
    from django.db import close_old_connections

    from monitoring.services.ingest import SensorDirectory, packets_ingest

    state: dict = {"at": float("-inf"), "directory": None}

    def store(packets, bad):
        if own_thread:  # a long-lived worker thread: drop broken connections
            close_old_connections()
        now = time.monotonic()
        directory = state["directory"]
        stale = directory is None or now - state["at"] > 60
        unknown = directory is not None and any(
            p.mn not in directory.stations for p in packets
        )
        if stale or (unknown and now - state["at"] > 5):
            state["directory"] = SensorDirectory.load()
            state["at"] = now
        return packets_ingest(
            packets=packets, bad=bad, directory=state["directory"], follow_up=False
        )

    return store


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


def default_follow_up(touched: dict) -> None:
    from monitoring import tasks

    payload = {
        str(sensor_id): [first.isoformat(), last.isoformat()]
        for sensor_id, (first, last) in touched.items()
    }
    tasks.readings_arrived.delay(payload)


class Hj212Listener:
    """Accept HJ 212 packets from many monitors at once and store them."""

    def __init__(
        self,
        *,
        store: Callable | None = None,
        follow_up: Callable[[dict], None] | None = default_follow_up,
        in_thread: bool = True,
        batch_seconds: float = 0.02,
        max_batch: int = 500,
        follow_up_seconds: float = 2.0,
    ):
        self.store = store or default_store(own_thread=in_thread)
        self.follow_up = follow_up
        self.in_thread = in_thread
        self.batch_seconds = batch_seconds
        self.max_batch = max_batch
        self.follow_up_seconds = follow_up_seconds
        self.stats = ListenerStats()
        self._pending = _Pending()
        self._wakeup: asyncio.Event | None = None
        self._touched: dict = {}
        self._executor = ThreadPoolExecutor(max_workers=1) if in_thread else None
        self._tasks: list[asyncio.Task] = []

    async def start(self, host: str, port: int) -> asyncio.base_events.Server:
        self._wakeup = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._batcher()),
            asyncio.create_task(self._follow_up_loop()),
        ]
        return await asyncio.start_server(self._handle, host, port, limit=MAX_LINE * 4)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self._flush()
        if self._executor:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._run_follow_up)
            await loop.run_in_executor(self._executor, _close_connections)
            self._executor.shutdown(wait=True)
        else:
            self._run_follow_up()

    async def _handle(self, reader, writer) -> None:
        self.stats.connections += 1
        try:
            while True:
                try:
                    line = await reader.readuntil(b"\r\n")
                except asyncio.IncompleteReadError:
                    break
                except asyncio.LimitOverrunError:
                    await reader.read(MAX_LINE * 4)  # drop the oversized junk
                    self._pending.bad.append(("", "length: packet too long"))
                    continue
                self.stats.packets += 1
                try:
                    packet = hj212.parse(line)
                except hj212.PacketError as error:
                    self._pending.bad.append(
                        (line.decode("utf-8", "replace")[:1000], str(error))
                    )
                    continue
                if packet.cn not in hj212.DATA_COMMANDS:
                    continue  # heartbeats and notices need no storage
                done = asyncio.get_running_loop().create_future()
                self._pending.packets.append(packet)
                self._pending.waiters.append(done)
                if len(self._pending.packets) >= self.max_batch:
                    self._wakeup.set()
                stored = await done
                if stored and packet.wants_response:
                    writer.write(hj212.build_data_response(packet).encode())
                    await writer.drain()
                    self.stats.responses += 1
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            self.stats.connections -= 1
            writer.close()

    async def _batcher(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.batch_seconds)
            self._wakeup.clear()
            await self._flush()

    async def _flush(self) -> None:
        pending, self._pending = self._pending, _Pending()
        if not pending.packets and not pending.bad:
            return
        try:
            if self._executor:
                report = await asyncio.get_running_loop().run_in_executor(
                    self._executor, self.store, pending.packets, pending.bad
                )
            else:
                report = self.store(pending.packets, pending.bad)
            ok = True
        except Exception:  # noqa: BLE001 - the monitors resend unanswered packets
            log.exception("storing %d HJ 212 packets failed", len(pending.packets))
            report, ok = None, False
        self.stats.batches += 1
        if report is not None:
            self.stats.stored += report.stored
            self.stats.rejected += report.rejected
            for sensor_id, (first, last) in report.touched.items():
                old = self._touched.get(sensor_id)
                self._touched[sensor_id] = (
                    (min(old[0], first), max(old[1], last)) if old else (first, last)
                )
        for waiter in pending.waiters:
            if not waiter.done():
                waiter.set_result(ok)

    async def _follow_up_loop(self) -> None:
        while True:
            await asyncio.sleep(self.follow_up_seconds)
            if self._touched:
                if self._executor:
                    await asyncio.get_running_loop().run_in_executor(
                        self._executor, self._run_follow_up
                    )
                else:
                    self._run_follow_up()

    def _run_follow_up(self) -> None:
        touched, self._touched = self._touched, {}
        if touched and self.follow_up is not None:
            try:
                self.follow_up(touched)
            except Exception:  # noqa: BLE001 - the next round retries the rollups
                log.exception("follow-up after HJ 212 data failed")
