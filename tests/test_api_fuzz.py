"""Schemathesis against the live API, from its own description (issue 14.2).

The server is a real threaded werkzeug on 127.0.0.1 with the portal's app; the caller is the
OWNER of an ENTERPRISE organisation (every feature) with data in it and rate limits set
high. Every operation of ``/api/v1/openapi.json`` is fuzzed with bodies, queries and
paths drawn from its schema (valid and invalid), and each answer must be no 5xx, a status
the description lists, the content type it lists and a body that matches its schema.
Path ids are drawn from the organisation's real ids half the time, so that operations on
one resource are reached, not only their 404.

CI runs a bounded number of examples per operation (``PORTAL_FUZZ_EXAMPLES``, default 4);
``make fuzz`` runs many more.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.extensions import db
from tests.conftest import LiveServer, bearer, org_today
from tests.test_document_races import call

EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "4"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Operations left out: each would end the caller's own session for the rest of the run.
SKIPPED = {("DELETE", "/api/v1/auth/token")}


@pytest.fixture
def fuzz_target(make_app, make_user):
    """(live server, OWNER, real ids by collection, the app)."""
    app = make_app(PROPAGATE_INTERNAL_ERRORS=False)
    owner = make_user(role="OWNER", plan="ENTERPRISE")
    restore(app, owner)
    with LiveServer(app) as server:
        ids = seed(server, owner)
        yield server, owner, ids, app


def restore(app, owner) -> None:
    """Put back what a fuzzed request may have changed for the caller: the plan and its
    limits (``PATCH /organization`` may move it to FREE), the OWNER's role and activity."""
    with app.app_context():
        organization = db.session.scalar(
            select(Organization).where(Organization.public_id == owner.organization_id)
        )
        organization.plan = "ENTERPRISE"
        organization.custom_requests_per_minute = 1_000_000
        organization.custom_concurrent_requests = 1_000
        user = db.session.scalar(select(User).where(User.public_id == owner.id))
        user.role, user.active, user.tokens_revoked_at = "OWNER", True, None
        db.session.commit()


def seed(server, owner) -> dict[str, list[str]]:
    """A little of everything, and the ids to aim at."""

    def post(path, body):
        status, answer = call("POST", f"{server.url}/api/v1{path}", owner, json=body)
        assert status in (200, 201), answer
        return answer["data"]

    customer = post("/customers", {"name": "Cliente Fuzz", "email": "fuzz@example.com"})
    product = post("/products", {"name": "Tornillo", "sku": "TOR-1", "price": "0.35"})
    line = {"productId": product["id"], "quantity": "3"}
    quote = post("/quotes", {"customerId": customer["id"], "lines": [line]})
    invoice = post(
        "/invoices",
        {"customerId": customer["id"], "invoiceDate": org_today().isoformat(), "lines": [line]},
    )
    issued = post(
        "/invoices",
        {"customerId": customer["id"], "invoiceDate": org_today().isoformat(), "lines": [line]},
    )
    post(f"/invoices/{issued['id']}/issue", {})
    recurring = post(
        "/recurring-invoices",
        {
            "customerId": customer["id"],
            "frequency": "MONTHLY",
            "startDate": org_today().isoformat(),
            "lines": [line],
        },
    )
    return {
        "customers": [customer["id"]],
        "products": [product["id"]],
        "quotes": [quote["id"]],
        "invoices": [invoice["id"], issued["id"]],
        "recurring-invoices": [recurring["id"]],
        "users": [owner.id],
    }


def cases(operation, ids: dict[str, list[str]]):
    """Valid and invalid requests for ``operation``; where its path names one resource,
    half of them aim at the organisation's real ones."""
    drawn = [operation.as_strategy(mode) for mode in GenerationMode]
    parts = operation.path.split("/")  # relative to /api/v1: "/invoices/{public_id}/…"
    known = ids.get(parts[1], []) if len(parts) > 2 and "{public_id}" in parts[2] else []
    aimed = [
        operation.as_strategy(mode, path_parameters={"public_id": real})
        for mode in GenerationMode
        for real in known
    ]
    return st.one_of(*aimed, *drawn)  # the first is what a derandomized run tries first


def test_the_api_answers_as_it_describes_itself(fuzz_target):
    server, owner, ids, app = fuzz_target
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    base_url = f"{server.url}/api/v1"
    failures: list[str] = []
    reached: set[str] = set()  # operations on one resource that answered 2xx
    operations = [result.ok() for result in schema.get_all_operations()]
    tried = 0
    for operation in operations:
        if (operation.method.upper(), f"/api/v1{operation.path}") in SKIPPED:
            continue
        tried += 1
        restore(app, owner)

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(case=cases(operation, ids))
        def exercise(case) -> None:
            response = case.call_and_validate(
                base_url=base_url, headers=bearer(owner), checks=CHECKS
            )
            if "{" in case.path and response.status_code < 300:
                reached.add(f"{case.method.upper()} {case.path}")

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried and reported
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    print(f"fuzzed {tried} operations × {EXAMPLES} examples; {len(reached)} reached a real id")
    print("\n".join(sorted(reached)))
    assert tried >= 50
    assert not failures, "\n\n".join(failures)
