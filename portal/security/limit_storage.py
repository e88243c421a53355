"""``memory://`` rate-limit storage of our own, registered through ``limits``' extension point.

``limits`` finds a storage class by the scheme of its URI (every subclass of
``limits.storage.Storage`` with a ``STORAGE_SCHEME`` is registered), and flask-limiter builds
its storage from that URI. ``limiter_storage_uri`` maps ``memory://`` onto
``portal+memory://``: ``FixedWindowMemoryStorage``, a fixed-window counter per key in a
dict, one lock, expired keys dropped lazily from the callers' own threads (no timer thread:
limits' ``MemoryStorage`` restarts one on nearly every hit). Any other URI is left as it is.

Only what the fixed-window strategy needs is implemented (flask-limiter's default, and the
one the portal uses): a moving-window or sliding-window strategy refuses this storage when
the limiter starts.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from typing import Any

from limits.storage import Storage

PREFIX = "portal+"


def limiter_storage_uri(uri: str) -> str:
    """Our storage for ``memory://``; any other URI as it is."""
    return PREFIX + uri if uri.partition("://")[0] == "memory" else uri


class FixedWindowMemoryStorage(Storage):
    """Fixed-window counters of one process: ``key → [count, expires at]``.

    Every change is made under one ``threading.Lock``. Windows that have ended are forgotten lazily:
    each new window pushes its end on a heap, and every ``incr`` pops the ends that have
    passed (O(log n) per window, O(1) when nothing is due), so nothing grows without bound
    and no thread is started.
    """

    STORAGE_SCHEME = ["portal+memory"]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._clock = clock  # Unix time: limits reports a window's end as a Unix time
        self._lock = threading.Lock()
        self._windows: dict[str, list] = {}  # key -> [count, expires_at]
        self._ends: list[tuple[float, str]] = []  # heap of (expires_at, key)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError  # nothing here talks to a server

    def _forget_ended(self, now: float) -> None:
        ends, windows = self._ends, self._windows
        while ends and ends[0][0] <= now:
            expires_at, key = heapq.heappop(ends)
            window = windows.get(key)
            if window is not None and window[1] == expires_at:
                del windows[key]

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = self._clock()
        with self._lock:
            if self._ends and self._ends[0][0] <= now:
                self._forget_ended(now)
            window = self._windows.get(key)
            if window is None or window[1] <= now:
                expires_at = now + expiry
                self._windows[key] = [amount, expires_at]
                heapq.heappush(self._ends, (expires_at, key))
                return amount
            window[0] += amount
            return window[0]

    # Reads take no lock: one dict lookup and two reads of a list that only ``incr`` changes
    # (its count, in place) are each atomic, and a count read a moment early is what a
    # locked read just before that ``incr`` would have returned.

    def get(self, key: str) -> int:
        window = self._windows.get(key)
        return window[0] if window is not None and window[1] > self._clock() else 0

    def get_expiry(self, key: str) -> float:
        now = self._clock()
        window = self._windows.get(key)
        return window[1] if window is not None and window[1] > now else now

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)  # its heap entry no longer matches: skipped later

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._windows)
            self._windows.clear()
            self._ends.clear()
            return count

    def check(self) -> bool:
        return True

    def windows(self) -> int:
        """Windows held (ended ones not yet forgotten included). Not ``__len__``: an empty
        storage must stay truthy (flask-limiter asserts ``self._storage``)."""
        return len(self._windows)
