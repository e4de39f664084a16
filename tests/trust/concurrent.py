"""Run callables at the same instant in threads, each on its own database
connection, to prove that concurrent transitions and edits cannot both win.

Use from a ``transactional_db`` test on PostgreSQL (``@pytest.mark.postgres``):

    results = run_concurrently(
        lambda: api(officer_a).post(url, body),
        lambda: api(officer_b).post(url, body),
    )
    assert sorted(r.status_code for r in results) == [200, 409]

Each callable waits at a barrier, so they start together; an exception in a
thread is re-raised in the test. Every wait is bounded."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

DEFAULT_TIMEOUT_SECONDS = 30.0


def run_concurrently(
    *calls: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> list[Any]:
    """Results in the order of ``calls``; raises the first thread's exception."""
    barrier = threading.Barrier(len(calls), timeout=timeout)
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            errors[index] = error
        finally:
            connections.close_all()  # this thread's connections

    threads = [
        threading.Thread(target=run, args=(i, call), daemon=True)
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        if thread.is_alive():
            raise TimeoutError(f"a concurrent call did not finish in {timeout} s")
    for error in errors:
        if error is not None:
            raise error
    return results
