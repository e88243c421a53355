"""``GET /api/v1/openapi.json``: valid OpenAPI 3.1, public and cached, true to the URL map
(the drift check, and a test that it catches an undocumented route), statuses by the rules,
bodies from the forms, and real answers that match their documented schemas."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from portal import errors
from portal.openapi.spec import api_routes, as_json, describe, drift
from portal.security.permissions import PERMISSIONS
from portal.security.roles import Role
from tests.conftest import SECRET, assert_envelope, bearer, org_today
from tests.test_api_quotes import mixed_lines, new_customer, new_product

URL = "/api/v1/openapi.json"
SUCCESS = {"200", "201"}


def fetch(client, **headers) -> dict:
    response = client.get(URL, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def all_codes() -> set[str]:
    """Every ``code`` the error tree can answer."""
    found: set[str] = set()
    pending = [errors.PortalError]
    while pending:
        cls = pending.pop()
        found.add(cls.code)
        pending.extend(cls.__subclasses__())
    return found


def test_the_description_is_valid_openapi_3_1(client):
    description = fetch(client)
    validate(description)
    assert description["openapi"].startswith("3.1")
    assert description["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_it_is_public_cached_and_holds_no_secret(app, client, make_user):
    owner = make_user("OWNER")
    response = client.get(URL)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in response.headers["Vary"]
    etag = response.headers["ETag"]
    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304
    text = response.get_data(as_text=True)
    assert SECRET not in text
    assert owner.token not in text
    assert "eyJ" not in text  # no JWT of any kind
    assert owner.email not in text


def test_every_api_route_is_described_and_nothing_else(app, client):
    description = fetch(client)
    with app.test_request_context():
        found = drift(app, describe(app))
    assert not found, found
    routed = {(r.method, r.path) for r in api_routes(app)}
    served = {(m, p) for p, item in description["paths"].items() for m in item}
    assert served == routed


def test_the_drift_check_names_a_route_added_without_documentation(make_app):
    """The test of the test: a route nobody described is reported, and is not served."""
    fresh = make_app()
    fresh.add_url_rule("/api/v1/throwaway", "api_test.throwaway", lambda: "", methods=["GET"])
    fresh.add_url_rule(
        "/api/v1/quotes/<public_id>",
        "api_test.delete_quote",
        lambda public_id: "",
        methods=["DELETE"],
    )
    with fresh.test_request_context():
        found = drift(fresh, describe(fresh))
    assert found.undocumented == [("DELETE", "/quotes/{public_id}"), ("GET", "/throwaway")]
    assert not found.extra and not found.stale
    served = fresh.test_client().get(URL).get_json()
    assert "/throwaway" not in served["paths"]
    assert "delete" not in served["paths"]["/quotes/{public_id}"]


def test_a_declaration_without_its_route_is_reported_stale(make_app, monkeypatch):
    from portal.openapi import operations

    fresh = make_app()
    gone = operations.Operation("gone")
    monkeypatch.setitem(operations.OPERATIONS, "api_quotes.gone_quote", gone)
    with fresh.test_request_context():
        assert drift(fresh, describe(fresh)).stale == ["api_quotes.gone_quote"]


def test_every_documented_status_follows_the_rules(app, client):
    """Each operation documents what its view can answer, and only that: the statuses a
    guard, a path id, a body, a key or the server's limits give, with real codes."""
    paths = fetch(client)["paths"]
    known = all_codes()
    for route in api_routes(app):
        responses = paths[route.path][route.method]["responses"]
        statuses = set(responses)
        where = f"{route.method.upper()} {route.path}"
        assert len(statuses & SUCCESS) == 1, where
        required = {"400", "429", "500", "503"}
        allowed = required | SUCCESS | {"401", "409", "413"}
        if route.permission is not None:
            required.add("401")
            if PERMISSIONS[route.permission] != Role.VIEWER or route.pro:
                required.add("403")
        parameters = paths[route.path][route.method].get("parameters", [])
        if route.rule.arguments or any(p.get("name") == "customerId" for p in parameters):
            required.add("404")  # a path id, or a query naming a customer (found by fuzzing)
        if route.idempotent:
            required.add("409")
        if route.endpoint.endswith(("update_quote", "update_invoice", "update_recurring")):
            required.add("412")
        allowed |= required
        if route.endpoint == "api_webhooks.test_endpoint":
            allowed.add("502")
        if route.endpoint == "api_organization.get_logo":
            allowed.add("404")  # no logo yet
        assert required <= statuses <= allowed, (where, statuses)
        for status, answer in responses.items():
            if status in SUCCESS:
                continue
            codes = answer["content"]["application/json"]["schema"]["allOf"][1]
            codes = set(codes["properties"]["code"]["enum"])
            assert codes <= known, (where, codes - known)
        codes_of = {
            s: set(
                a["content"]["application/json"]["schema"]["allOf"][1]["properties"]["code"]["enum"]
            )
            for s, a in responses.items()
            if s not in SUCCESS
        }
        if route.pro:
            assert "PLAN_REQUIRED" in codes_of["403"], where
        if route.idempotent:
            assert {"IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_IN_USE"} <= codes_of["409"], where
        if "401" in codes_of and route.permission is not None:
            assert codes_of["401"] == {"UNAUTHORIZED", "TOKEN_INVALID"}, where
        assert codes_of["429"] == {"RATE_LIMITED"}
        assert "Retry-After" in responses["429"]["headers"]
        if route.permission is not None:
            success = responses[next(iter(statuses & SUCCESS))]
            assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(
                success["headers"]
            ), where


def test_bodies_come_from_the_forms_with_types_limits_and_required_fields(client):
    paths = fetch(client, **{"Accept-Language": "en"})["paths"]
    product = paths["/products"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(product["required"]) == {"name", "sku", "price"}
    assert product["properties"]["price"]["exclusiveMinimum"] == 0
    assert product["properties"]["name"]["maxLength"] == 200
    assert product["properties"]["price"]["description"]
    patch = paths["/products/{public_id}"]["patch"]["requestBody"]["content"]
    assert "required" not in patch["application/json"]["schema"]
    invoice = paths["/invoices"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    lines = invoice["properties"]["lines"]
    assert lines["type"] == "array" and lines["maxItems"] == 200
    assert lines["items"]["properties"]["unitPrice"]["format"] == "decimal"
    assert invoice["properties"]["invoiceDate"]["format"] == "date"
    payment = paths["/invoices/{public_id}/payments"]["post"]["requestBody"]
    method = payment["content"]["application/json"]["schema"]["properties"]["method"]
    assert "TRANSFER" in method["enum"]
    create = paths["/invoices"]["post"]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in create["parameters"]
    update = paths["/invoices/{public_id}"]["patch"]
    assert {"$ref": "#/components/parameters/IfMatch"} in update["parameters"]
    assert "ETag" in update["responses"]["200"]["headers"]
    listing = paths["/invoices"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"limit", "cursor", "status"}
    assert paths["/auth/token"]["post"]["security"] == []


def test_texts_follow_the_callers_language(client):
    english = fetch(client, **{"Accept-Language": "en"})
    assert english["paths"]["/invoices"]["post"]["summary"] == "Create an invoice"
    spanish = client.get(URL)
    assert spanish.headers["Content-Language"] == "es"


# --- real answers against the documented schemas -------------------------------------------


def answer_validator(description: dict, path: str, method: str, status: str):
    schema = description["paths"][path][method]["responses"][status]["content"]
    schema = schema["application/json"]["schema"]
    resource = Resource.from_contents(description, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    root = {**schema, "$id": "urn:openapi-answer"}
    rebased = json.loads(json.dumps(root).replace('"#/components', '"urn:openapi#/components'))
    return Draft202012Validator(rebased, registry=registry)


def check(description: dict, response, path: str, method: str) -> dict:
    body = response.get_json()
    status = str(response.status_code)
    validator = answer_validator(description, path, method, status)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not problems, (method, path, status, problems[:5])
    return body


@pytest.fixture
def owner(make_user):
    return make_user("OWNER", plan="PRO")


def test_real_answers_match_their_documented_schemas(client, owner):
    d = fetch(client)
    auth = bearer(owner)
    product_id = new_product(client, owner)
    customer_id = new_customer(client, owner)
    check(d, client.get("/api/v1/products", headers=auth), "/products", "get")
    check(
        d,
        client.get(f"/api/v1/products/{product_id}", headers=auth),
        "/products/{public_id}",
        "get",
    )
    check(
        d,
        client.get(f"/api/v1/customers/{customer_id}", headers=auth),
        "/customers/{public_id}",
        "get",
    )
    check(d, client.get("/api/v1/me", headers=auth), "/me", "get")
    check(d, client.get("/api/v1/organization", headers=auth), "/organization", "get")
    check(d, client.get("/api/v1/users", headers=auth), "/users", "get")

    body = {"customerId": customer_id, "lines": mixed_lines(product_id)}
    made = client.post("/api/v1/quotes", json=body, headers=auth)
    quote = check(d, made, "/quotes", "post")["data"]
    check(d, client.get("/api/v1/quotes", headers=auth), "/quotes", "get")
    sent = client.post(f"/api/v1/quotes/{quote['id']}/send", json={}, headers=auth)
    check(d, sent, "/quotes/{public_id}/send", "post")
    accepted = client.post(f"/api/v1/quotes/{quote['id']}/accept", headers=auth)
    check(d, accepted, "/quotes/{public_id}/accept", "post")
    converted = client.post(f"/api/v1/quotes/{quote['id']}/convert", headers=auth)
    invoice = check(d, converted, "/quotes/{public_id}/convert", "post")["data"]

    one = f"/api/v1/invoices/{invoice['id']}"
    check(d, client.post(f"{one}/issue", headers=auth), "/invoices/{public_id}/issue", "post")
    paid = client.post(
        f"{one}/payments",
        json={"amount": "10.00", "paidOn": org_today().isoformat(), "method": "CASH"},
        headers=auth,
    )
    check(d, paid, "/invoices/{public_id}/payments", "post")
    check(d, client.get(one, headers=auth), "/invoices/{public_id}", "get")
    check(d, client.get("/api/v1/invoices", headers=auth), "/invoices", "get")
    check(d, client.get(f"{one}/history", headers=auth), "/invoices/{public_id}/history", "get")
    check(d, client.get(f"{one}/payments", headers=auth), "/invoices/{public_id}/payments", "get")
    check(d, client.get(f"{one}/reminders", headers=auth), "/invoices/{public_id}/reminders", "get")
    check(d, client.get("/api/v1/dashboard", headers=auth), "/dashboard", "get")
    statement = f"/api/v1/customers/{customer_id}/statement"
    check(d, client.get(statement, headers=auth), "/customers/{public_id}/statement", "get")

    made = client.post(
        "/api/v1/recurring-invoices",
        json={
            "customerId": customer_id,
            "frequency": "MONTHLY",
            "interval": 1,
            "startDate": org_today().isoformat(),
            "lines": mixed_lines(product_id),
        },
        headers=auth,
    )
    check(d, made, "/recurring-invoices", "post")
    check(d, client.get("/api/v1/recurring-invoices", headers=auth), "/recurring-invoices", "get")


def test_failures_match_the_documented_error_schema(client, make_user):
    d = fetch(client)
    viewer = make_user("VIEWER", plan="FREE")
    refused = client.post("/api/v1/products", json={}, headers=bearer(viewer))
    assert_envelope(refused, 403, "FORBIDDEN")
    check(d, refused, "/products", "post")
    anonymous = client.get("/api/v1/invoices")
    check(d, anonymous, "/invoices", "get")
    missing = client.get("/api/v1/invoices/inv_nothing", headers=bearer(viewer))
    check(d, missing, "/invoices/{public_id}", "get")
    gated = client.get("/api/v1/products/export", headers=bearer(viewer))
    assert_envelope(gated, 403, "PLAN_REQUIRED")
    check(d, gated, "/products/export", "get")


def test_the_served_description_equals_the_built_one(app, client):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        built = as_json(describe(app))
    assert fetch(client, **{"Accept-Language": "en"}) == built


def test_the_answer_check_catches_an_answer_that_breaks_its_schema(client):
    validator = answer_validator(fetch(client), "/products/{public_id}", "get", "200")
    wrong = {"success": True, "message": "ok", "data": {"id": "prod_1", "price": 1.5}}
    assert list(validator.iter_errors({**wrong, "errors": None}))


def test_webhook_and_catalog_answers_match_their_documented_schemas(client, owner):
    d = fetch(client)
    auth = bearer(owner)
    body = {"url": "https://93.184.216.34/hooks/portal", "events": ["invoice.paid"]}
    made = client.post("/api/v1/webhooks", json=body, headers=auth)
    endpoint = check(d, made, "/webhooks", "post")["data"]
    assert endpoint["secret"]
    one = f"/api/v1/webhooks/{endpoint['id']}"
    check(d, client.get("/api/v1/webhooks", headers=auth), "/webhooks", "get")
    check(d, client.get(one, headers=auth), "/webhooks/{public_id}", "get")
    changed = client.patch(one, json={"description": "ERP"}, headers=auth)
    check(d, changed, "/webhooks/{public_id}", "patch")
    rotated = client.post(f"{one}/rotate-secret", headers=auth)
    check(d, rotated, "/webhooks/{public_id}/rotate-secret", "post")
    deliveries = client.get(f"{one}/deliveries", headers=auth)
    check(d, deliveries, "/webhooks/{public_id}/deliveries", "get")
    check(d, client.delete(one, headers=auth), "/webhooks/{public_id}", "delete")

    product_id = new_product(client, owner, name="Arandela", sku="ARA-1")
    product = f"/api/v1/products/{product_id}"
    changed = client.patch(product, json={"price": "2.50"}, headers=auth)
    check(d, changed, "/products/{public_id}", "patch")
    duplicate = client.post(
        "/api/v1/products", json={"name": "Otra", "sku": "ARA-1", "price": "1"}, headers=auth
    )
    assert_envelope(duplicate, 409, "DUPLICATE_SKU")
    check(d, duplicate, "/products", "post")
    invalid = client.post("/api/v1/products", json={"name": ""}, headers=auth)
    assert_envelope(invalid, 400, "VALIDATION_ERROR")
    check(d, invalid, "/products", "post")
    check(d, client.delete(product, headers=auth), "/products/{public_id}", "delete")
    check(d, client.get("/api/v1/customers", headers=auth), "/customers", "get")
    check(d, client.get("/api/v1/reports/aging", headers=auth), "/reports/{name}", "get")
