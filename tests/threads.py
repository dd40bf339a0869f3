"""Concurrent requests in tests: many threads released at once, each on its own connection."""

import threading

from django.db import connection


def at_once(count: int, request) -> list:
    """`request(index)` from `count` threads released together by a barrier; their answers
    in index order. Any exception in a thread fails the calling test."""
    barrier = threading.Barrier(count)
    answers, errors = [None] * count, []

    def run(index):
        try:
            barrier.wait()
            answers[index] = request(index)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers
