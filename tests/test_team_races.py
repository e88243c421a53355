"""Team rules hold when requests race: the user cap, "at least one active OWNER", downgrades.

Each rule is checked under the organisation's row lock (``tenancy.lock_organization``), so on
PostgreSQL the competing requests take turns; on SQLite the write lock already serialises
writers. The requests are released together against ``live_server`` (real threads, one
transaction each); every test runs a few rounds to give the interleavings a chance.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from portal.accounts.models import Organization, User
from portal.extensions import db
from tests.conftest import org_today
from tests.test_document_races import call, race

USERS = "/api/v1/users"


def active_users(app, organization_id: str, role: str | None = None) -> int:
    with app.app_context():
        stmt = (
            select(func.count(User.id))
            .join(Organization, Organization.id == User.organization_id)
            .where(Organization.public_id == organization_id, User.active.is_(True))
        )
        if role:
            stmt = stmt.where(User.role == role)
        return db.session.scalar(stmt)


def test_eight_parallel_additions_on_free_leave_exactly_three_active_users(
    app, live_server, make_user
):
    for round_ in range(3):
        owner = make_user(role="OWNER", plan="FREE")

        def add(n, owner=owner, round_=round_):
            body = {
                "name": f"Persona {n}",
                "email": f"p{round_}-{n}@acme.example.com",
                "role": "VIEWER",
                "password": "password-123",
            }
            return call("POST", f"{live_server.url}{USERS}", owner, json=body)

        results = race(add, 8)
        statuses = Counter(status for status, _ in results)
        assert statuses == {201: 2, 403: 6}, results
        assert {body["code"] for status, body in results if status == 403} == {"PLAN_REQUIRED"}
        assert active_users(app, owner.organization_id) == 3


def test_parallel_reactivations_on_free_respect_the_cap(app, live_server, make_user):
    owner = make_user(role="OWNER", plan="FREE")
    org = owner.organization_id
    make_user(role="VIEWER", organization_id=org)  # two active
    idle = [make_user(role="VIEWER", organization_id=org, active=False) for _ in range(4)]

    def reactivate(n):
        url = f"{live_server.url}{USERS}/{idle[n].id}"
        return call("PATCH", url, owner, json={"active": True})

    results = race(reactivate, 4)
    assert Counter(status for status, _ in results) == {200: 1, 403: 3}, results
    assert active_users(app, org) == 3


def test_two_owners_demoting_each_other_leave_one_owner(app, live_server, make_user):
    for change in ({"role": "ADMIN"}, {"active": False}, {"role": "VIEWER"}):
        first = make_user(role="OWNER", plan="PRO")
        second = make_user(role="OWNER", organization_id=first.organization_id)
        pair = [(first, second), (second, first)]

        def demote(n, pair=pair, change=change):
            actor, target = pair[n]
            return call("PATCH", f"{live_server.url}{USERS}/{target.id}", actor, json=change)

        results = race(demote, 2)
        statuses = sorted(status for status, _ in results)
        assert statuses[0] == 200 and statuses[1] in (401, 403, 409), results
        assert active_users(app, first.organization_id, role="OWNER") == 1, (change, results)


def test_the_last_active_owner_cannot_be_removed(client, make_user):
    from tests.conftest import assert_envelope, bearer

    owner = make_user(role="OWNER")
    other = make_user(role="OWNER", organization_id=owner.organization_id)
    # Two owners: one may demote the other; then the survivor is the last one.
    demoted = client.patch(f"{USERS}/{other.id}", json={"role": "ADMIN"}, headers=bearer(owner))
    assert_envelope(demoted, 200)
    # The demoted ADMIN cannot touch an OWNER; nobody can change themselves: one OWNER stays.
    refused = client.patch(f"{USERS}/{owner.id}", json={"role": "ADMIN"}, headers=bearer(other))
    assert_envelope(refused, 403, "FORBIDDEN")


def test_downgrade_racing_an_addition_never_leaves_free_with_four_users(
    app, live_server, make_user
):
    for round_ in range(3):
        owner = make_user(role="OWNER", plan="PRO")
        org = owner.organization_id
        for _ in range(2):
            make_user(role="VIEWER", organization_id=org)  # three active

        def act(n, owner=owner, round_=round_):
            if n == 0:
                return call(
                    "PATCH", f"{live_server.url}/api/v1/organization", owner, json={"plan": "FREE"}
                )
            body = {
                "name": "Cuarta",
                "email": f"cuarta{round_}@acme.example.com",
                "role": "VIEWER",
                "password": "password-123",
            }
            return call("POST", f"{live_server.url}{USERS}", owner, json=body)

        (downgrade, _), (addition, _) = race(act, 2)
        assert sorted([downgrade, addition]) in ([200, 403], [201, 409]), (downgrade, addition)
        with app.app_context():
            plan = db.session.scalar(select(Organization.plan).where(Organization.public_id == org))
        users = active_users(app, org)
        assert (plan, users) in (("FREE", 3), ("PRO", 4)), (plan, users)


def test_a_currency_change_racing_the_first_documents_never_relabels_one(
    app, live_server, make_user
):
    """Six invoices and a currency change released together: either the change comes first
    (every invoice in the new currency) or it is refused (409) because an invoice is in."""
    for round_ in range(6):
        owner = make_user(role="OWNER", plan="PRO")
        body = {
            "customerName": "Cliente",
            "invoiceDate": org_today().isoformat(),
            "lines": [{"description": "X", "quantity": "1", "unitPrice": "10.00"}],
        }

        def act(n, owner=owner, body=body):
            if n == 0:
                url = f"{live_server.url}/api/v1/organization"
                return call("PATCH", url, owner, json={"currency": "EUR"})
            return call("POST", f"{live_server.url}/api/v1/invoices", owner, json=body)

        results = race(act, 7)
        change, invoices = results[0], results[1:]
        assert all(status == 201 for status, _ in invoices), results
        currencies = {body["data"]["currency"] for _, body in invoices}
        if change[0] == 200:
            assert currencies == {"EUR"}, (round_, results)
        else:
            assert change[0] == 409 and change[1]["code"] == "INVALID_STATE", results
            assert currencies == {"USD"}, (round_, results)
        with app.app_context():
            stmt = select(Organization.currency).where(
                Organization.public_id == owner.organization_id
            )
            assert db.session.scalar(stmt) == currencies.pop()
