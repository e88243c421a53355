"""gunicorn settings: ``gunicorn -c gunicorn.conf.py app:app``."""

import multiprocessing
import os

from portal.config import request_timeout_seconds

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("PORTAL_THREADS", "4"))
worker_class = "gthread"
# PORTAL_REQUEST_TIMEOUT (default 120 s; a 10 MB CSV import takes about 35 s on 2 cores): the
# longest request allowed. The concurrency slots in Redis expire a margin after it. With the
# gthread worker, gunicorn's timeout only catches a worker whose main loop is stuck; a request
# running in a thread is not cut (see docs/decisions.md, "Plans and rate limits").
timeout = request_timeout_seconds()
graceful_timeout = request_timeout_seconds()  # on restart, let running requests finish
accesslog = "-"
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker) -> None:
    """With --preload the engine was created in the master: never share its pool."""
    if server.cfg.preload_app:
        engine = server.app.wsgi().extensions.get("portal.db")
        if engine is not None:
            engine.dispose(close=False)


def when_ready(server) -> None:
    """Counters in memory are per process: with several workers each allows the full limit."""
    storage = os.environ.get("PORTAL_RATELIMIT_STORAGE_URL", "memory://")
    if server.cfg.workers > 1 and storage.startswith("memory://"):
        server.log.warning(
            "PORTAL_RATELIMIT_STORAGE_URL is memory:// with %s workers: every worker counts "
            "rate limits and concurrent requests on its own, so each user gets about %s× their "
            "plan. Set PORTAL_RATELIMIT_STORAGE_URL=redis://… to share the counters.",
            server.cfg.workers,
            server.cfg.workers,
        )
