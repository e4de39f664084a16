"""Celery under faults, with a real worker (``celery -A config worker``), a real
Redis and the PostgreSQL test database. Each test starts its own worker on its own
queue; every wait is bounded.

- A worker killed with SIGKILL in the middle of a task (after its effect, before
  the acknowledgement): the task runs again and its effect exists exactly once.
- Redis killed and restarted (a dedicated redis-server with an append-only file):
  the worker reconnects, consumes what was queued, and nothing is lost.
- Beat down for two (simulated) days: when it comes back the periodic job runs
  once over the whole gap; further sends and duplicates change nothing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .tasks_for_faults import TABLES

pytestmark = [
    pytest.mark.celery,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

TASKS = "tests.trust.tasks_for_faults"
WAIT_SECONDS = 45


def wait_until(predicate: Callable[[], bool], what: str, timeout=WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(f"gave up after {timeout} s waiting for {what}")


def sql(query: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else None


def count(query: str, params=()) -> int:
    return sql(query, params)[0][0]


@pytest.fixture
def fault_tables():
    for statement in TABLES:
        sql(statement)
    yield
    for table in ("run", "effect", "gate", "event", "notice", "window", "clock"):
        sql(f"DROP TABLE IF EXISTS fault_{table}")


def _database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )


class Celeryd:
    """One worker or beat process for one test, on its own queue."""

    def __init__(self, broker_url: str, queue: str, log_dir: Path):
        self.broker_url, self.queue, self.log_dir = broker_url, queue, log_dir
        self.processes: list[subprocess.Popen] = []

    def _env(self) -> dict:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="tests.trust.celery_settings",
            DATABASE_URL=_database_url(),
            FAULTS_BROKER_URL=self.broker_url,
            FAULTS_QUEUE=self.queue,
            PYTHONPATH=str(settings.BASE_DIR),
        )
        return env

    def _start(self, *args) -> subprocess.Popen:
        log = open(self.log_dir / f"{args[0]}-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=settings.BASE_DIR,
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed as a whole
        )
        self.processes.append(process)
        return process

    def worker(self, concurrency: int = 1) -> subprocess.Popen:
        return self._start(
            "worker",
            "-Q",
            self.queue,
            "-c",
            str(concurrency),
            "-P",
            "prefork",
            "-n",
            f"{self.queue}-{len(self.processes)}@localhost",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
        )

    def beat(self) -> subprocess.Popen:
        return self._start(
            "beat", "-s", str(self.log_dir / "beat-schedule"), "-l", "INFO"
        )

    def kill(self, process: subprocess.Popen, sig=signal.SIGKILL) -> None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        process.wait(timeout=WAIT_SECONDS)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process, signal.SIGTERM)


@pytest.fixture
def celeryd(tmp_path, fault_tables):
    queue = f"faults-{uuid.uuid4().hex[:10]}"
    broker = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    daemons = Celeryd(broker, queue, tmp_path)
    yield daemons
    daemons.stop_all()


def sender(broker_url: str) -> Celery:
    app = Celery("faults-sender", broker=broker_url)
    app.conf.broker_connection_retry_on_startup = True
    return app


def send(app: Celery, queue: str, name: str, *args) -> None:
    app.send_task(f"{TASKS}.{name}", args=list(args), queue=queue)


def runs(key: str) -> int:
    return count("SELECT count(*) FROM fault_run WHERE key = %s", [key])


def effects(key: str) -> int:
    return count("SELECT count(*) FROM fault_effect WHERE key = %s", [key])


def open_gate(key: str) -> None:
    sql("INSERT INTO fault_gate (key) VALUES (%s) ON CONFLICT DO NOTHING", [key])


def test_a_task_killed_with_its_worker_runs_again_and_its_effect_exists_once(
    celeryd,
):
    app = sender(celeryd.broker_url)
    worker = celeryd.worker()
    send(app, celeryd.queue, "record_effect", "kill-worker")
    wait_until(lambda: effects("kill-worker") == 1, "the first run's effect")

    celeryd.kill(worker)  # SIGKILL to the worker and its pool: no ack was sent
    open_gate("kill-worker")
    celeryd.worker()  # the message comes back after the visibility timeout
    wait_until(lambda: runs("kill-worker") >= 2, "the task to run again")

    assert effects("kill-worker") == 1


def test_a_pool_process_killed_mid_task_is_redelivered_and_takes_effect_once(
    celeryd,
):
    app = sender(celeryd.broker_url)
    celeryd.worker()
    send(app, celeryd.queue, "record_effect", "kill-child")
    wait_until(lambda: effects("kill-child") == 1, "the first run's effect")
    child = sql("SELECT pid FROM fault_run WHERE key = 'kill-child'")[0][0]

    os.kill(child, signal.SIGKILL)  # reject_on_worker_lost: requeued at once
    open_gate("kill-child")
    wait_until(lambda: runs("kill-child") >= 2, "the task to run again")

    pids = {pid for (pid,) in sql("SELECT pid FROM fault_run WHERE key='kill-child'")}
    assert len(pids) == 2
    assert effects("kill-child") == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_server(port: int, directory: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_until(answers, f"redis-server on port {port}")
    return process


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_after_redis_restarts_the_worker_resumes_and_nothing_queued_is_lost(
    celeryd, tmp_path
):
    port = _free_port()
    redis = _redis_server(port, tmp_path)
    try:
        celeryd.broker_url = f"redis://127.0.0.1:{port}/0"
        app = sender(celeryd.broker_url)
        celeryd.worker()
        before = [f"before-{n}" for n in range(5)]
        for key in before:
            send(app, celeryd.queue, "record_effect", key)
        # One task is running (held at its gate), four wait in the queue.
        wait_until(lambda: effects(before[0]) == 1, "the first task to start")

        os.killpg(redis.pid, signal.SIGKILL)  # a crash, not a clean shutdown
        redis.wait(timeout=WAIT_SECONDS)
        redis = _redis_server(port, tmp_path)  # same port, same append-only file

        after = [f"after-{n}" for n in range(3)]
        app = sender(celeryd.broker_url)
        for key in after:
            send(app, celeryd.queue, "record_effect", key)
        for key in before + after:
            open_gate(key)
        for key in before + after:
            wait_until(lambda k=key: effects(k) == 1, f"the effect of {key}")
        assert all(effects(key) == 1 for key in before + after)
    finally:
        os.killpg(redis.pid, signal.SIGKILL)
        redis.wait(timeout=WAIT_SECONDS)


def test_after_two_days_without_beat_one_run_catches_up_without_duplicate_notices(
    celeryd,
):
    start = timezone.now().replace(microsecond=0) - timedelta(days=10)
    sql("INSERT INTO fault_clock (id, now) VALUES (1, %s)", [start])
    app = sender(celeryd.broker_url)
    celeryd.worker(concurrency=2)
    send(app, celeryd.queue, "notices_catch_up")  # the last run before beat stopped
    wait_until(lambda: count("SELECT count(*) FROM fault_window") == 1, "first run")

    # Beat is down; things happen over two days.
    for hours in (1, 25, 47):
        sql(
            "INSERT INTO fault_event (at) VALUES (%s)", [start + timedelta(hours=hours)]
        )
    sql("UPDATE fault_clock SET now = %s WHERE id = 1", [start + timedelta(days=2)])

    beat = celeryd.beat()  # back: it sends the job every half second
    wait_until(lambda: runs("notices") >= 5, "beat to send the job several times")
    celeryd.kill(beat, signal.SIGTERM)
    send(app, celeryd.queue, "notices_catch_up")  # and a stray duplicate
    wait_until(lambda: runs("notices") >= 6, "the duplicate to be consumed")

    windows = sql("SELECT since, until FROM fault_window ORDER BY id")
    assert len(windows) == 2
    assert windows[1] == (start, start + timedelta(days=2))
    notices = sql("SELECT event_id FROM fault_notice ORDER BY event_id")
    assert len(notices) == 3
    assert len(set(notices)) == 3
