"""Concurrent requests in tests: many threads released at once, each on its own connection.

Every wait here has a deadline, so a deadlock fails the test that caused it, naming what
hung, instead of hanging the whole run.
"""

import threading
import time

import pytest
from django.db import connection

# Long enough for 50 requests queueing on SQLite's write lock on a slow CI machine; far
# below the per-test timeout, so the failure says which wait hung.
WAIT_SECONDS = 60


def join_all(threads, *, timeout: float = WAIT_SECONDS, what: str = "thread") -> None:
    """Join `threads` within one shared deadline; fail naming those still running."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    alive = [thread.name for thread in threads if thread.is_alive()]
    if alive:
        pytest.fail(f"{len(alive)} {what}(s) still running after {timeout:.0f} s "
                    f"(deadlock?): {', '.join(alive)}", pytrace=False)


def at_once(count: int, request, *, timeout: float = WAIT_SECONDS) -> list:
    """`request(index)` from `count` threads released together by a barrier; their answers
    in index order. Any exception in a thread, a barrier that never fills or a thread that
    does not finish within `timeout` seconds fails the calling test."""
    barrier = threading.Barrier(count, timeout=timeout)
    answers, errors = [None] * count, []

    def run(index):
        try:
            barrier.wait()
            answers[index] = request(index)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i,), name=f"request-{i}", daemon=True)
        for i in range(count)
    ]
    for thread in threads:
        thread.start()
    join_all(threads, timeout=timeout, what="request thread")
    assert errors == []
    return answers
