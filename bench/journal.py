"""`journal.verify_chain` over a 1M-entry journal against bare SHA-256 of the same bytes.

Target: verification runs at 50 % or more of the rate of `hashlib.sha256` over the entries'
canonical bytes, precomputed in memory (hashing only). The journal is generated with a valid
chain and written with COPY into the bench database (see bench/common.py).
"""

import hashlib
import os
import time

from bench import common

ENTRIES = int(os.environ.get("BENCH_JOURNAL_ENTRIES", "1000000"))
MIN_RATE = 0.5


def run() -> list[tuple]:
    common.setup_django()
    from portal import journal

    common.truncate_registry()
    start = time.perf_counter()
    canonicals = common.extend_journal(ENTRIES, keep_canonical=True)
    build_seconds = time.perf_counter() - start

    start = time.perf_counter()
    for text in canonicals:
        hashlib.sha256(text).hexdigest()
    hash_seconds = time.perf_counter() - start
    size_mb = sum(map(len, canonicals)) / 1e6
    del canonicals

    result = journal.Verification()
    start = time.perf_counter()
    journal.verify_chain(result)
    verify_seconds = time.perf_counter() - start

    rate = hash_seconds / verify_seconds
    intact = "PASS" if result.ok and result.entries == ENTRIES else "FAIL"
    return [
        ("entries (generated / verified)", f"{ENTRIES} / {result.entries}", f"{ENTRIES}, intact",
         intact),
        ("generate + COPY", f"{build_seconds:.1f} s", "", ""),
        ("sha256 of canonical bytes", f"{hash_seconds:.2f} s ({size_mb:.0f} MB)", "", ""),
        ("verify_chain", f"{verify_seconds:.2f} s", "", ""),
        ("verify rate / sha256 rate", f"{rate:.0%}", f">= {MIN_RATE:.0%}",
         "PASS" if rate >= MIN_RATE else "FAIL"),
    ]
