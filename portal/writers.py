"""SQLite's writers wait in a queue of their own (issue 16.2).

SQLite lets one transaction write at a time. A second writer's ``BEGIN IMMEDIATE`` finds the
lock taken and its busy handler sleeps and retries — 1, 2, 5, 10 … up to 100 ms between tries
— so queued writers miss the moment the lock frees and the last of eight waits over a second
(p99 1.2 s in ``bench/bench_invoices.py``'s `create`), though each holds it for ~10 ms.

Here a writer first takes the database's gate: a lock of this process (threads queue on it and
wake when it is released) and then an ``flock`` on a file beside the database (the other
processes of the same server; polled every half millisecond, since ``flock`` has no timeout).
Only then does it send ``BEGIN IMMEDIATE``, which finds the lock free. The gate is given back
when the transaction ends (commit, rollback, or the connection going back to the pool). A
writer that cannot have it within the lock timeout gets SQLite's own "database is locked",
which the portal answers 503 BUSY as before. Readers never take it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy.exc import OperationalError

POLL_SECONDS = 0.0005
_HOLDS = "portal_writer_gate"  # in a pooled connection's info: the gate it holds


class WriterGate:
    def __init__(self, database_path: str, timeout: float) -> None:
        self.lock_path = f"{database_path}-writers"
        self.timeout = timeout
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid: int | None = None

    def enter(self, info: dict[str, Any]) -> None:
        """Wait for the gate (up to the timeout), then note in ``info`` that it is held."""
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise _busy()
        try:
            fd = self._file()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise _busy() from None
                    time.sleep(POLL_SECONDS)
        except BaseException:
            self._threads.release()
            raise
        info[_HOLDS] = self

    def _file(self) -> int:
        # One descriptor per process: a descriptor inherited through fork shares its flock.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def _leave(self) -> None:
        assert self._fd is not None
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


def leave(info: dict[str, Any]) -> None:
    """Give the gate back if this connection holds it (a transaction's end)."""
    gate = info.pop(_HOLDS, None)
    if gate is not None:
        gate._leave()


def _busy() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
