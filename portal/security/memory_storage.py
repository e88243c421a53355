"""``memory://`` rate-limit storage without a timer thread.

limits' MemoryStorage restarts a 10 ms ``threading.Timer`` on nearly every hit to sweep
expired keys; under load that is a thread start per request and GIL contention. Reads
already drop an expired key lazily, so sweeping once a second from the request's own
thread is enough.
"""

from __future__ import annotations

import time

from limits.storage import MemoryStorage


class SweepingMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["portal-memory"]
    SWEEP_EVERY = 1.0  # seconds

    _next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the timer restart
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY
            self._MemoryStorage__expire_events()


def limiter_storage_uri(uri: str) -> str:
    """Our thread-free storage for ``memory://``; any other URI as it is."""
    return (
        "portal-memory://" + uri.removeprefix("memory://") if uri.startswith("memory://") else uri
    )
