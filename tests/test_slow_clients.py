"""A slow client must not stall anyone else, and a lock that cannot be had is a 503.

A write request reads its whole body before its first query (``portal.web.read_body_first``),
so a client that trickles its body holds no database lock: on SQLite a write takes the
database's write lock with its first query. When a lock is not granted within
``DB_LOCK_TIMEOUT_SECONDS`` the answer is 503 ``BUSY`` with ``Retry-After``, never a 500.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import requests
from sqlalchemy import create_engine, text

from tests.conftest import assert_envelope, bearer, csrf_from, login

TRICKLE_SECONDS = 3.0


class TricklingClient:
    """Sends a request's headers at once, then its body one byte at a time."""

    def __init__(self, url: str, path: str, headers: dict[str, str], body: bytes) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        head = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        self.body = body
        self.started = threading.Event()

    def trickle(self) -> None:
        pause = TRICKLE_SECONDS / len(self.body)
        for position in range(len(self.body)):
            self.sock.sendall(self.body[position : position + 1])
            if position == 2:
                self.started.set()  # the server has the headers and part of the body
            time.sleep(pause)

    def response(self) -> tuple[int, bytes]:
        chunks = []
        while chunk := self.sock.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                length = int(
                    next(
                        line.split(b":", 1)[1]
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    )
                )
                if len(rest) >= length:
                    break
        self.sock.close()
        raw = b"".join(chunks)
        return int(raw.split(b" ", 2)[1]), raw.partition(b"\r\n\r\n")[2]


def _other_tenant_write_during(trickler, live_server, other, sku: str = "FAST-1") -> float:
    """While ``trickler`` sends its body, how long another organisation's write takes."""
    thread = threading.Thread(target=trickler.trickle)
    thread.start()
    assert trickler.started.wait(10)
    time.sleep(0.3)  # the slow request is well inside the server now
    started = time.perf_counter()
    answer = requests.post(
        f"{live_server.url}/api/v1/products",
        json={"name": "Rápido", "sku": sku, "price": "1.00"},
        headers=bearer(other),
        timeout=30,
    )
    elapsed = time.perf_counter() - started
    assert answer.status_code == 201, answer.text
    thread.join()
    return elapsed


def test_a_trickled_json_body_holds_no_lock(live_server, make_user):
    slow, other = make_user(role="OWNER"), make_user(role="OWNER")
    body = json.dumps({"name": "Lento", "sku": "SLOW-1", "price": "2.50"}).encode()
    trickler = TricklingClient(
        live_server.url,
        "/api/v1/products",
        {**bearer(slow), "Content-Type": "application/json"},
        body,
    )
    elapsed = _other_tenant_write_during(trickler, live_server, other)
    status, payload = trickler.response()
    assert status == 201, payload
    assert elapsed < 1.0, f"another organisation's write waited {elapsed:.2f} s"


def test_a_trickled_form_post_and_csv_upload_hold_no_lock(app, live_server, make_user):
    slow, other = make_user(role="OWNER"), make_user(role="OWNER")
    http = requests.Session()
    page = http.get(f"{live_server.url}/login", timeout=30).text
    logged = http.post(
        f"{live_server.url}/login",
        data={
            "email": slow.email,
            "password": "correct-horse-battery",
            "csrf_token": csrf_from(page),
        },
        allow_redirects=False,
        timeout=30,
    )
    assert logged.status_code == 302
    form_page = http.get(f"{live_server.url}/products/new", timeout=30).text
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    body = f"csrf_token={csrf_from(form_page)}&name=Lento&sku=SLOW-2&price=3".encode()
    trickler = TricklingClient(
        live_server.url,
        "/products/new",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body,
    )
    elapsed = _other_tenant_write_during(trickler, live_server, other)
    status, _ = trickler.response()
    assert status == 302
    assert elapsed < 1.0, f"another organisation's write waited {elapsed:.2f} s"

    csv_body = b"name,sku,price\nTuerca,TU-1,0.10\nArandela,AR-1,0.05\n"
    trickler = TricklingClient(
        live_server.url,
        "/api/v1/products/import",
        {**bearer(slow), "Content-Type": "text/csv"},
        csv_body,
    )
    elapsed = _other_tenant_write_during(trickler, live_server, other, "FAST-2")
    status, payload = trickler.response()
    assert status == 201, payload
    assert elapsed < 1.0, f"another organisation's write waited {elapsed:.2f} s"


@contextmanager
def held_lock(database_url: str) -> Iterator[None]:
    """Another connection holding the lock a write needs: SQLite's write lock, or (PostgreSQL)
    every organisation row, which team changes lock."""
    engine = create_engine(database_url)
    connection = engine.connect()
    try:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.execute(text("SELECT id FROM organizations FOR UPDATE"))
        yield
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()


def test_a_lock_not_granted_in_time_is_503_busy(make_app, make_user, database_url):
    app = make_app(DB_LOCK_TIMEOUT_SECONDS=0.3)
    owner = make_user(role="OWNER")
    client = app.test_client()
    body = {"name": "Nadie", "email": "nadie@acme.example.com", "role": "VIEWER"}
    body["password"] = "x" * 10
    with held_lock(database_url):
        started = time.perf_counter()
        answer = client.post("/api/v1/users", json=body, headers=bearer(owner))
        assert time.perf_counter() - started < 5
        data = assert_envelope(answer, 503, "BUSY")
        assert data["error"] == "El servidor está ocupado, intenta de nuevo"
        assert answer.headers["Retry-After"] == "2"
        english = bearer(owner, **{"Accept-Language": "en"})
        answer = client.post("/api/v1/users", json=body, headers=english)
        assert assert_envelope(answer, 503, "BUSY")["error"] == "The server is busy, try again"
    # Nothing was half-done: once the lock is free the same request succeeds.
    assert_envelope(client.post("/api/v1/users", json=body, headers=bearer(owner)), 201)


def test_a_page_whose_lock_is_not_granted_shows_a_busy_page(make_app, make_user, database_url):
    app = make_app(DB_LOCK_TIMEOUT_SECONDS=0.3)
    owner = make_user(role="OWNER")
    client = app.test_client()
    assert login(client, owner.email).status_code == 302
    page = client.get("/team/new")
    form = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "name": "Nadie",
        "email": "nadie@acme.example.com",
        "role": "VIEWER",
        "password": "x" * 10,
    }
    with held_lock(database_url):
        answer = client.post("/team/new", data=form)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "2"
    assert "El servidor está ocupado, intenta de nuevo" in answer.get_data(as_text=True)
