"""A TCP proxy in a thread, to take a live server (Redis) away from an app and back.

``stop()`` closes the listening socket and every connection through it, as when Redis dies
or the network drops: clients see their connections closed and new ones refused.
``start()`` listens again on the same port.
"""

from __future__ import annotations

import selectors
import socket
import threading


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> TcpProxy:
        assert self._thread is None, "already running"
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR on POSIX
        self.port = listener.getsockname()[1]
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, args=(listener,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive()
        self._thread = None

    def _run(self, listener: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ)
        peers: dict[socket.socket, socket.socket] = {}

        def close(sock: socket.socket) -> None:
            for one in (sock, peers.get(sock)):
                if one is not None and one in peers:
                    selector.unregister(one)
                    del peers[one]
                    one.close()

        try:
            while not self._stopping.is_set():
                for key, _ in selector.select(timeout=0.05):
                    sock = key.fileobj
                    if sock is listener:
                        client, _ = listener.accept()
                        try:
                            upstream = socket.create_connection(self.target, timeout=5)
                        except OSError:
                            client.close()
                            continue
                        upstream.settimeout(None)
                        peers[client], peers[upstream] = upstream, client
                        selector.register(client, selectors.EVENT_READ)
                        selector.register(upstream, selectors.EVENT_READ)
                        continue
                    if sock not in peers:
                        continue
                    try:
                        data = sock.recv(65536)
                        if data:
                            peers[sock].sendall(data)
                    except OSError:
                        data = b""
                    if not data:
                        close(sock)
        finally:
            for sock in list(peers):
                close(sock)
            selector.unregister(listener)
            listener.close()
            selector.close()
