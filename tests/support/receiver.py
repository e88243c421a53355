"""A webhook receiver on 127.0.0.1 for tests: records every request, answers as told.

    with Receiver() as receiver:
        receiver.answers = [503, 503, 200]  # then 200 for ever
        ...
        receiver.requests[0].headers["webhook-id"]

An answer is a status code, or a ``Reply`` (status, headers, body, a delay before answering).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay: float = 0.0  # seconds before the status line


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: float  # time.monotonic()


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.answers: list[int | Reply] = []
        self.default: int | Reply = 200
        self.respond: Callable[[Received], int | Reply] | None = None
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                received = Received(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                    time.monotonic(),
                )
                reply = receiver._record(received)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the sender gave up (timeout test)

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _record(self, received: Received) -> Reply:
        with self._lock:
            self.requests.append(received)
            if self.respond is not None:
                answer = self.respond(received)
            elif self.answers:
                answer = self.answers.pop(0)
            else:
                answer = self.default
        return answer if isinstance(answer, Reply) else Reply(answer)

    def ids(self) -> list[str]:
        with self._lock:
            return [r.headers.get("webhook-id", "") for r in self.requests]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)
