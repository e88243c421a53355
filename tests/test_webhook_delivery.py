"""Webhook delivery against a real HTTP receiver on 127.0.0.1: signatures, retries, the outbox,
leases and two workers, 410, Retry-After, timeouts, redirects and the SSRF guard.

The receiver listens on loopback, so delivery tests allow private networks; the guard itself
is tested with the setting off (IP literals, and a resolver that answers what a test says).
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select
from standardwebhooks import Webhook, WebhookVerificationError

from portal.accounts.models import Organization
from portal.clock import utcnow
from portal.extensions import db
from portal.jobs.models import JobStatus
from portal.jobs.queue import claim
from portal.jobs.worker import run_once
from portal.webhooks import delivery, urls
from portal.webhooks.delivery import USER_AGENT, Result, send_now
from portal.webhooks.events import emit, subscribers
from portal.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from portal.webhooks.signing import new_secret, sign
from portal.webhooks.urls import InvalidWebhookUrl, check_url, resolve_for_delivery
from tests.support.receiver import Receiver, Reply

INVOICE = {"id": "inv_0123", "invoiceNumber": "INV-2026-0001", "total": "121.00", "note": "Ñandú"}


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def hook_app(make_app):
    """Private networks allowed (the receiver is on 127.0.0.1), a schedule in seconds."""
    return make_app(
        WEBHOOK_ALLOW_PRIVATE_NETWORKS=True,
        WEBHOOK_RETRY_SCHEDULE="0,5,10,20",
        WEBHOOK_TIMEOUT_SECONDS=2.0,
    )


class Hooks:
    """An organisation with endpoints, and what happened to their deliveries."""

    def __init__(self, app) -> None:
        self.app = app
        with app.app_context():
            organization = Organization(name="Acme", plan="PRO")
            db.session.add(organization)
            db.session.commit()
            self.organization_id = organization.id
            self.organization_public_id = organization.public_id

    def endpoint(self, url: str, **values: Any) -> tuple[int, str]:
        """(id, secret) of a new active endpoint."""
        secret = values.pop("secret", None) or new_secret()
        with self.app.app_context():
            endpoint = WebhookEndpoint(
                organization_id=self.organization_id, url=url, secret=secret, **values
            )
            db.session.add(endpoint)
            db.session.commit()
            return endpoint.id, secret

    def emit(self, event_type: str = "invoice.created", data: dict | None = None) -> str:
        with self.app.app_context():
            event = emit(self.organization_id, event_type, data or INVOICE)
            db.session.commit()
            assert event is not None
            return event.public_id

    def deliveries(self) -> list[WebhookDelivery]:
        with self.app.app_context():
            return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))

    def attempts(self) -> list[WebhookAttempt]:
        with self.app.app_context():
            return list(db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))

    def get_endpoint(self, endpoint_id: int) -> WebhookEndpoint:
        with self.app.app_context():
            endpoint = db.session.get(WebhookEndpoint, endpoint_id)
            assert endpoint is not None
            return endpoint

    def run(self, after_seconds: float = 0) -> int:
        """One worker batch, ``after_seconds`` from now (the retries' clock)."""
        if not after_seconds:
            return run_once(self.app)
        with time_machine.travel(utcnow() + timedelta(seconds=after_seconds), tick=True):
            return run_once(self.app)


@pytest.fixture
def hooks(hook_app) -> Hooks:
    return Hooks(hook_app)


# ---------------------------------------------------------------------------------------
# What a receiver gets


def test_the_signature_verifies_with_standardwebhooks(hooks, receiver):
    _, secret = hooks.endpoint(receiver.url)
    event_id = hooks.emit()
    assert hooks.run() == 1
    [request] = receiver.requests
    assert request.method == "POST" and request.path == "/hooks"
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload == {
        "id": event_id,
        "type": "invoice.created",
        "createdAt": payload["createdAt"],
        "organizationId": hooks.organization_public_id,
        "data": INVOICE,
    }
    assert request.headers["webhook-id"] == event_id
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == USER_AGENT
    assert abs(int(request.headers["webhook-timestamp"]) - utcnow().timestamp()) < 60
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(request.body, request.headers)
    [delivery] = hooks.deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        JobStatus.DONE,
        1,
        200,
    )
    [attempt] = hooks.attempts()
    assert (attempt.status_code, attempt.error, attempt.response_excerpt) == (200, "", "ok")
    assert attempt.next_attempt_at is None and attempt.duration_ms >= 0


def test_after_a_rotation_both_secrets_sign_until_the_old_one_expires(hooks, receiver):
    old, new = new_secret(), new_secret()
    hooks.endpoint(
        receiver.url,
        secret=new,
        previous_secret=old,
        previous_secret_expires_at=utcnow() + timedelta(hours=24),
    )
    hooks.emit()
    hooks.run()
    request = receiver.requests[-1]
    signatures = request.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2
    Webhook(new).verify(request.body, request.headers)
    Webhook(old).verify(request.body, request.headers)  # a receiver not updated yet
    ts = int(request.headers["webhook-timestamp"])
    assert signatures == [
        sign(s, request.headers["webhook-id"], ts, request.body) for s in (new, old)
    ]

    hooks.emit()
    with time_machine.travel(utcnow() + timedelta(hours=24, seconds=1), tick=True):
        run_once(hooks.app)
        request = receiver.requests[-1]
        assert len(request.headers["webhook-signature"].split(" ")) == 1
        Webhook(new).verify(request.body, request.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(request.body, request.headers)


# ---------------------------------------------------------------------------------------
# Retries


def test_failing_twice_then_accepting_delivers_on_the_third_attempt_with_one_id(hooks, receiver):
    endpoint_id, secret = hooks.endpoint(receiver.url)
    event_id = hooks.emit()
    receiver.answers = [500, Reply(503, body=b"maintenance")]
    assert hooks.run() == 1
    assert hooks.get_endpoint(endpoint_id).failing_since is not None
    assert hooks.run() == 0  # the retry waits for its time (5 s ± 10 %)
    assert hooks.run(after_seconds=6) == 1
    assert hooks.run(after_seconds=6 + 12) == 1  # 10 s ± 10 % after the second
    assert receiver.ids() == [event_id] * 3
    for request in receiver.requests:
        Webhook(secret).verify(request.body, request.headers)  # each one signed afresh
    [delivery] = hooks.deliveries()
    assert (delivery.status, delivery.attempts) == (JobStatus.DONE, 3)
    attempts = hooks.attempts()
    assert [a.status_code for a in attempts] == [500, 503, 200]
    assert attempts[1].response_excerpt == "maintenance" and attempts[1].error == "HTTP 503"
    first_retry = (attempts[0].next_attempt_at - attempts[0].at).total_seconds()
    assert 4.4 <= first_retry <= 5.6
    assert attempts[2].next_attempt_at is None
    assert hooks.get_endpoint(endpoint_id).failing_since is None  # a success clears it


def test_after_the_schedule_the_delivery_fails(hooks, receiver):
    hooks.endpoint(receiver.url)
    hooks.emit()
    receiver.default = 500
    for after in (0, 6, 18, 41, 100):  # past each wait of 0, 5, 10, 20 s ± 10 %
        hooks.run(after_seconds=after)
    [delivery] = hooks.deliveries()
    assert (delivery.status, delivery.attempts) == (JobStatus.FAILED, 4)
    assert delivery.last_error == "HTTP 500" and delivery.finished_at is not None
    assert len(receiver.requests) == 4


def test_retry_after_is_honoured(hooks, receiver):
    hooks.endpoint(receiver.url)
    hooks.emit()
    receiver.answers = [Reply(429, headers={"Retry-After": "15"})]
    hooks.run()
    [attempt] = hooks.attempts()
    assert attempt.status_code == 429
    wait = (attempt.next_attempt_at - attempt.at).total_seconds()
    assert 14.9 <= wait <= 15.5  # not the schedule's 5 s
    assert hooks.run(after_seconds=10) == 0
    assert hooks.run(after_seconds=16) == 1
    assert hooks.deliveries()[0].status == JobStatus.DONE


def test_a_slow_receiver_times_out_and_is_retried(make_app, receiver):
    app = make_app(
        WEBHOOK_ALLOW_PRIVATE_NETWORKS=True,
        WEBHOOK_RETRY_SCHEDULE="0,5",
        WEBHOOK_TIMEOUT_SECONDS=0.5,
    )
    hooks = Hooks(app)
    hooks.endpoint(receiver.url)
    hooks.emit()
    receiver.answers = [Reply(200, delay=3)]
    hooks.run()
    [attempt] = hooks.attempts()
    assert attempt.status_code is None and attempt.error == "timeout after 0.5 s"
    assert attempt.duration_ms < 2000
    assert hooks.deliveries()[0].status == JobStatus.PENDING


def test_a_redirect_is_not_followed(hooks, receiver):
    hooks.endpoint(receiver.url)
    hooks.emit()
    receiver.answers = [Reply(302, headers={"Location": f"http://127.0.0.1:{receiver.port}/x"})]
    hooks.run()
    assert len(receiver.requests) == 1
    [attempt] = hooks.attempts()
    assert attempt.status_code == 302 and "not followed" in attempt.error
    assert hooks.deliveries()[0].status == JobStatus.PENDING  # a failure, retried


def test_a_client_error_is_retried_too(hooks, receiver):
    hooks.endpoint(receiver.url)
    hooks.emit()
    receiver.answers = [400]
    hooks.run()
    hooks.run(after_seconds=6)
    assert [a.status_code for a in hooks.attempts()] == [400, 200]


def test_only_the_first_kilobyte_of_the_answer_is_kept(hooks, receiver):
    hooks.endpoint(receiver.url)
    hooks.emit()
    receiver.answers = [Reply(500, body=b"\x00" + "é".encode() * 2000)]
    hooks.run()
    [attempt] = hooks.attempts()
    # 1,024 bytes: the NUL (shown as U+FFFD) and 511 "é"; the half "é" at the cut dropped.
    assert attempt.response_excerpt == "\ufffd" + "é" * 511


def test_a_closed_port_is_a_connection_error(hooks):
    hooks.endpoint(f"http://127.0.0.1:{closed_port()}/hooks")
    hooks.emit()
    hooks.run()
    [attempt] = hooks.attempts()
    assert attempt.status_code is None and attempt.error == "connection refused"
    assert hooks.deliveries()[0].status == JobStatus.PENDING


# ---------------------------------------------------------------------------------------
# Disabling endpoints


def test_410_fails_the_delivery_and_disables_the_endpoint(hooks, receiver):
    endpoint_id, _ = hooks.endpoint(receiver.url)
    hooks.emit()
    hooks.emit()  # queued before the 410: not sent afterwards
    receiver.answers = [410]
    hooks.run()
    first, second = hooks.deliveries()
    assert (first.status, first.attempts) == (JobStatus.FAILED, 1)
    assert second.status == JobStatus.FAILED and second.last_error == "endpoint disabled"
    assert len(receiver.requests) == 1
    endpoint = hooks.get_endpoint(endpoint_id)
    assert endpoint.active is False and endpoint.disabled_reason == "gone"
    assert endpoint.disabled_at is not None
    with hooks.app.app_context():
        assert emit(hooks.organization_id, "invoice.paid", INVOICE) is None  # none wants it


def test_an_endpoint_failing_for_five_days_is_disabled(hooks, receiver):
    endpoint_id, _ = hooks.endpoint(
        receiver.url, failing_since=utcnow() - timedelta(days=5, minutes=1)
    )
    hooks.emit()
    receiver.default = 503
    hooks.run()
    endpoint = hooks.get_endpoint(endpoint_id)
    assert endpoint.active is False and endpoint.disabled_reason == "failing"


def test_an_endpoint_failing_for_less_is_kept(hooks, receiver):
    endpoint_id, _ = hooks.endpoint(
        receiver.url, failing_since=utcnow() - timedelta(days=4, hours=23)
    )
    hooks.emit()
    receiver.default = 503
    hooks.run()
    endpoint = hooks.get_endpoint(endpoint_id)
    assert endpoint.active is True and endpoint.disabled_reason == ""


# ---------------------------------------------------------------------------------------
# The outbox and the workers


def test_a_change_that_rolls_back_emits_nothing(hooks, receiver):
    hooks.endpoint(receiver.url)
    with hooks.app.app_context():
        assert emit(hooks.organization_id, "invoice.created", INVOICE) is not None
        db.session.flush()  # written, inside the transaction of the change
        db.session.rollback()  # the change fails
        assert db.session.scalar(select(func.count(WebhookEvent.id))) == 0
        assert db.session.scalar(select(func.count(WebhookDelivery.id))) == 0
    assert hooks.run() == 0
    assert receiver.requests == []


def test_a_worker_killed_between_claiming_and_sending_loses_nothing(hooks, receiver):
    hooks.endpoint(receiver.url)
    event_id = hooks.emit()
    with hooks.app.app_context():
        claim(WebhookDelivery, limit=10, lease_seconds=60, now=utcnow())
    # ... and the worker dies here, before sending.
    assert hooks.run() == 0  # leased: another worker leaves it alone
    assert hooks.run(after_seconds=61) == 1
    assert hooks.run(after_seconds=200) == 0
    assert receiver.ids() == [event_id]
    assert hooks.deliveries()[0].status == JobStatus.DONE


def test_two_workers_on_postgresql_send_each_delivery_once(make_app, receiver, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "SQLite runs one worker (its claims are serialised by the write lock, there is "
            "no SKIP LOCKED); set PORTAL_TEST_DATABASE_URL to run this on PostgreSQL"
        )
    settings = {"WEBHOOK_ALLOW_PRIVATE_NETWORKS": True, "WEBHOOK_RETRY_SCHEDULE": "0,1"}
    first, second = make_app(**settings), make_app(**settings)  # two "processes"
    hooks = Hooks(first)
    for _ in range(3):
        hooks.endpoint(receiver.url)
    events = [hooks.emit() for _ in range(40)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(app) -> None:
        try:
            barrier.wait(timeout=10)
            while run_once(app):
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    sent = Counter((r.headers["webhook-id"], json.loads(r.body)["id"]) for r in receiver.requests)
    assert len(receiver.requests) == 120  # 40 events × 3 endpoints, each exactly once
    assert Counter(event_id for event_id, _ in sent.elements()) == Counter(
        {event_id: 3 for event_id in events}
    )
    assert {d.status for d in hooks.deliveries()} == {JobStatus.DONE}
    assert all(d.attempts == 1 for d in hooks.deliveries())


# ---------------------------------------------------------------------------------------
# The test button


def test_send_now_pings_at_once_without_storing_anything(hooks, receiver):
    endpoint_id, secret = hooks.endpoint(receiver.url)
    with hooks.app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        result = send_now(endpoint, "ping", {"endpointId": endpoint.public_id})
        assert db.session.scalar(select(func.count(WebhookEvent.id))) == 0
        assert db.session.scalar(select(func.count(WebhookAttempt.id))) == 0
    assert isinstance(result, Result) and result.ok
    assert result.status_code == 200 and result.error == "" and result.duration_ms >= 0
    [request] = receiver.requests
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "ping" and payload["id"].startswith("evt_")
    assert payload["organizationId"] == hooks.organization_public_id


def test_send_now_reports_what_went_wrong(hooks, receiver):
    down_id, _ = hooks.endpoint(f"http://127.0.0.1:{closed_port()}/")
    failing_id, _ = hooks.endpoint(receiver.url)
    receiver.answers = [503]
    with hooks.app.app_context():
        down = send_now(db.session.get(WebhookEndpoint, down_id), "ping", {})
        failing = send_now(db.session.get(WebhookEndpoint, failing_id), "ping", {})
    assert not down.ok and down.status_code is None and down.error == "connection refused"
    assert not failing.ok and failing.status_code == 503 and failing.error == "HTTP 503"
    assert hooks.get_endpoint(failing_id).failing_since is None  # a test changes nothing


# ---------------------------------------------------------------------------------------
# The SSRF guard


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "169.254.1.1",
        "100.64.0.1",  # CGNAT
        "100.100.100.200",  # Alibaba Cloud metadata, in CGNAT
        "0.0.0.0",  # noqa: S104 - refused, not bound
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "[::1]",
        "[::]",
        "[fe80::1]",
        "[fc00::1]",
        "[fd00:ec2::254]",  # AWS metadata over IPv6
        "[ff02::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:169.254.169.254]",
        "[::ffff:10.0.0.1]",
        "[64:ff9b::a00:1]",  # NAT64 of 10.0.0.1
        "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
        "[::10.0.0.1]",
    ],
)
def test_non_public_addresses_are_refused(address):
    with pytest.raises(InvalidWebhookUrl, match="non-public"):
        check_url(f"https://{address}/hooks", allow_private=False)
    assert check_url(f"https://{address}/hooks", allow_private=True)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "[2606:4700:4700::1111]"])
def test_public_addresses_are_accepted(address):
    assert check_url(f"https://{address}/hooks", allow_private=False) == (
        f"https://{address}/hooks"
    )


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.216.34/hooks", "scheme"),
        ("ftp://93.184.216.34/hooks", "scheme"),
        ("93.184.216.34/hooks", "scheme"),
        ("https://user:pass@93.184.216.34/", "credentials"),
        ("https://user@93.184.216.34/", "credentials"),
        ("https:///hooks", "no host"),
        ("https://93.184.216.34/hooks#frag", "fragment"),
        ("https://93.184.216.34/a b", "spaces"),
        ("https://93.184.216.34:99999/", "malformed"),
        ("https://93.184.216.34:0/", "port 0"),
        ("https://exa_mple.com/", "not valid"),
        ("", "empty"),
        ("https://93.184.216.34/" + "a" * 2000, "too long"),
    ],
)
def test_malformed_urls_are_refused(url, why):
    with pytest.raises(InvalidWebhookUrl, match=why):
        check_url(url, allow_private=False)


def test_urls_are_normalised():
    assert check_url(" HTTPS://93.184.216.34:443 ", allow_private=False) == (
        "https://93.184.216.34/"
    )
    assert check_url("https://93.184.216.34:8443/a/b?x=1", allow_private=False) == (
        "https://93.184.216.34:8443/a/b?x=1"
    )
    assert check_url("http://127.0.0.1:80/", allow_private=True) == "http://127.0.0.1/"
    assert check_url("https://93.184.216.34/ñandú/a%20b?q=á&x=1", allow_private=False) == (
        "https://93.184.216.34/%C3%B1and%C3%BA/a%20b?q=%C3%A1&x=1"
    )


class FakeDNS:
    """Answers ``getaddrinfo`` from a table, as the resolver of ``portal.webhooks.urls``."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    def __call__(self, host, port, *args, **kwargs):
        self.asked.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in self.table[host]
        ]


def test_host_names_are_resolved_and_every_address_checked(monkeypatch):
    dns = FakeDNS(
        {
            "hooks.example.com": ["93.184.216.34", "2606:2800:220:1::1"],
            "sneaky.example.com": ["93.184.216.34", "10.0.0.7"],
            "xn--and-6ma2c.example.com": ["93.184.216.34"],
        }
    )
    monkeypatch.setattr(urls, "getaddrinfo", dns)
    assert check_url("https://Hooks.Example.COM/in", allow_private=False) == (
        "https://hooks.example.com/in"
    )
    with pytest.raises(InvalidWebhookUrl, match="non-public address"):
        check_url("https://sneaky.example.com/", allow_private=False)
    with pytest.raises(InvalidWebhookUrl, match="does not resolve"):
        check_url("https://nowhere.example.com/", allow_private=False)
    assert check_url("https://ñandú.example.com/", allow_private=False) == (
        "https://xn--and-6ma2c.example.com/"
    )
    asked = len(dns.asked)
    assert check_url("https://nowhere.example.com/", allow_private=True)  # nothing to check
    assert len(dns.asked) == asked


def test_delivery_resolves_again_and_connects_to_the_checked_address(hooks, receiver, monkeypatch):
    """DNS rebinding: a name public when saved and private when sent is refused then; with
    private networks allowed, the connection goes to the address checked, with the name in
    ``Host``."""
    dns = FakeDNS({"hooks.example.com": ["127.0.0.1"]})
    monkeypatch.setattr(urls, "getaddrinfo", dns)
    target = resolve_for_delivery(
        f"http://hooks.example.com:{receiver.port}/in?a=1", allow_private=True
    )
    assert (target.host, target.port, target.ip, target.path) == (
        "hooks.example.com",
        receiver.port,
        "127.0.0.1",
        "/in?a=1",
    )
    hooks.endpoint(f"http://hooks.example.com:{receiver.port}/in")
    hooks.emit()
    hooks.run()
    [request] = receiver.requests
    assert request.headers["host"] == f"hooks.example.com:{receiver.port}"
    assert request.path == "/in"


def test_the_guard_runs_again_at_delivery(make_app, receiver, monkeypatch):
    app = make_app(WEBHOOK_ALLOW_PRIVATE_NETWORKS=False, WEBHOOK_RETRY_SCHEDULE="0,5")
    hooks = Hooks(app)
    dns = FakeDNS({"hooks.example.com": ["93.184.216.34"]})
    monkeypatch.setattr(urls, "getaddrinfo", dns)
    url = "https://hooks.example.com/in"
    assert check_url(url, allow_private=False) == url  # public when saved
    hooks.endpoint(url)
    hooks.endpoint(receiver.url)  # saved while the setting was on
    hooks.emit()
    dns.table["hooks.example.com"] = ["169.254.169.254"]  # ... and then it was not
    hooks.run()
    errors = sorted(a.error for a in hooks.attempts())
    assert errors == [
        "address refused: host hooks.example.com resolves to a non-public address "
        "(169.254.169.254)",
        "address refused: scheme must be https",
    ]
    assert receiver.requests == []
    assert {d.status for d in hooks.deliveries()} == {JobStatus.PENDING}  # retried later


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------
# TLS and the deadline


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver for hooks.example.com on 127.0.0.1, its certificate signed by a CA
    of the test's own; yields (port, CA file, the SNI names it was asked for)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificates")
    ca_key, ca_cert = tmp_path / "ca.key", tmp_path / "ca.pem"
    key, csr, cert = tmp_path / "host.key", tmp_path / "host.csr", tmp_path / "host.pem"
    extensions = tmp_path / "ext.cnf"
    extensions.write_text("subjectAltName=DNS:hooks.example.com\n")
    commands = (
        f"req -x509 -newkey rsa:2048 -nodes -keyout {ca_key} -out {ca_cert} -days 2"
        " -subj /CN=TestCA",
        f"req -newkey rsa:2048 -nodes -keyout {key} -out {csr} -subj /CN=hooks.example.com",
        f"x509 -req -in {csr} -CA {ca_cert} -CAkey {ca_key} -CAcreateserial -out {cert}"
        f" -days 2 -extfile {extensions}",
    )
    for command in commands:
        subprocess.run(["openssl", *command.split()], check=True, capture_output=True)  # noqa: S603, S607
    server_names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: server_names.append(name)
    with Receiver() as receiver:
        receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
        yield receiver, ca_cert, server_names


def test_https_connects_to_the_checked_address_with_the_host_name_for_tls(
    hooks, tls_receiver, monkeypatch
):
    receiver, ca_file, server_names = tls_receiver
    monkeypatch.setattr(urls, "getaddrinfo", FakeDNS({"hooks.example.com": ["127.0.0.1"]}))
    _, secret = hooks.endpoint(f"https://hooks.example.com:{receiver.port}/in")
    hooks.emit()
    hooks.run()  # the test's CA is not trusted: refused
    [refused] = hooks.attempts()
    assert refused.status_code is None
    assert refused.error.startswith("TLS certificate not accepted"), refused.error
    assert server_names == ["hooks.example.com"]

    def trusting() -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(ca_file))

    monkeypatch.setattr(delivery, "tls_context", trusting)
    hooks.run(after_seconds=6)
    [request] = receiver.requests
    assert request.headers["host"] == f"hooks.example.com:{receiver.port}"
    Webhook(secret).verify(request.body, request.headers)
    assert hooks.deliveries()[0].status == JobStatus.DONE


def test_the_deadline_bounds_the_whole_exchange(make_app):
    """A receiver that trickles its answer a byte at a time, each within the socket's
    timeout, is still cut off when the whole exchange passes the deadline."""
    app = make_app(WEBHOOK_ALLOW_PRIVATE_NETWORKS=True, WEBHOOK_TIMEOUT_SECONDS=0.6)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while not stop.is_set():
                try:
                    connection.sendall(b"a")
                except OSError:
                    return
                stop.wait(0.1)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    hooks = Hooks(app)
    hooks.endpoint(f"http://127.0.0.1:{listener.getsockname()[1]}/")
    hooks.emit()
    try:
        hooks.run()
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
    [attempt] = hooks.attempts()
    assert attempt.status_code is None and attempt.error == "timeout after 0.6 s"
    assert 550 <= attempt.duration_ms < 1500


def test_the_outbox_reads_which_endpoints_want_an_event_without_loading_them(app):
    """A change looks up its subscribers by id and their event lists only: no endpoint
    object (secrets and all) is built, and each wanting endpoint gets its delivery."""
    hooks = Hooks(app)
    wanting, _ = hooks.endpoint("https://a.example.com/hook", events=["invoice.created"])
    everything, _ = hooks.endpoint("https://b.example.com/hook")
    hooks.endpoint("https://c.example.com/hook", events=["invoice.paid"])
    hooks.endpoint("https://d.example.com/hook", active=False)
    with app.app_context():
        assert subscribers(hooks.organization_id, "invoice.created") == [wanting, everything]
        emit(hooks.organization_id, "invoice.created", INVOICE)
        loaded = list(db.session.identity_map.values())
        assert not any(isinstance(obj, WebhookEndpoint) for obj in loaded)
        db.session.commit()
    assert [d.endpoint_id for d in hooks.deliveries()] == [wanting, everything]
