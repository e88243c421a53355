"""gunicorn settings: ``gunicorn -c gunicorn.conf.py app:app``."""

import multiprocessing
import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PORTAL_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("PORTAL_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 30
accesslog = "-"
forwarded_allow_ips = os.environ.get("PORTAL_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """With --preload the engine was created in the master: never share its pool."""
    if server.cfg.preload_app:
        engine = server.app.wsgi().extensions.get("portal.db")
        if engine is not None:
            engine.dispose(close=False)
