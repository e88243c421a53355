"""``describe(app)``: the OpenAPI 3.1 description of every ``/api/v1`` route, from the URL
map, the views' marks and ``operations``; ``drift(app, description)``: what differs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.routing import Rule

from portal.openapi import schemas
from portal.openapi.formschema import form_schema
from portal.openapi.operations import OPERATIONS, QUERY, TAGS, Body, Operation
from portal.security.permissions import PERMISSIONS
from portal.security.roles import Role

PREFIX = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")
UNSAFE = frozenset({"post", "put", "patch", "delete"})
_CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")

STATUS_TEXTS: dict[int, Any] = {
    200: _l("Done"),
    201: _l("Created"),
    400: _l("The request is not valid"),
    401: _l("Not authenticated"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    409: _l("Conflicts with the current state"),
    412: _l("The document changed since you read it"),
    413: _l("The request body is too large"),
    429: _l("Too many requests"),
    500: _l("Internal server error"),
    502: _l("Webhook delivery failed"),
    503: _l("The server is busy"),
}


@dataclass(frozen=True)
class Route:
    """One (path, method) of the URL map under ``/api/v1``, with its view's marks."""

    path: str  # OpenAPI form: /invoices/{public_id}
    method: str  # lower case
    endpoint: str
    rule: Rule
    permission: str | None
    pro: bool
    idempotent: bool


# Query parameters naming another resource: an unknown one is a 404, as in a path.
REFERENCES = frozenset({"customerId"})


def api_routes(app: Flask) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append(
                Route(
                    path=openapi_path(rule.rule),
                    method=method.lower(),
                    endpoint=rule.endpoint,
                    rule=rule,
                    permission=getattr(view, "permission", None),
                    pro=bool(getattr(view, "pro_feature", False)),
                    idempotent=bool(getattr(view, "idempotent", False)),
                )
            )
    return sorted(routes, key=lambda r: (r.path, METHODS.index(r.method)))


def openapi_path(rule: str) -> str:
    return _CONVERTER.sub(lambda m: "{" + m.group(3) + "}", rule[len(PREFIX) :])


def authenticated(route: Route, op: Operation) -> bool:
    return route.permission is not None or op.token


def error_codes(route: Route, op: Operation) -> dict[int, list[str]]:
    """Every failure the route can answer, by status, with its codes: the rules."""
    codes: dict[int, list[str]] = {400: ["VALIDATION_ERROR"]}  # any input, even the path
    if route.method in UNSAFE and authenticated(route, op):
        codes[400].append("CSRF_FAILED")  # cookie-authenticated calls without X-CSRFToken
    if authenticated(route, op):
        codes[401] = ["UNAUTHORIZED", "TOKEN_INVALID"]
    forbidden = []
    if route.permission is not None and PERMISSIONS[route.permission] != Role.VIEWER:
        forbidden.append("FORBIDDEN")
    if route.pro:
        forbidden.append("PLAN_REQUIRED")
    if forbidden:
        codes[403] = forbidden
    if route.rule.arguments or REFERENCES & set(op.query):
        codes[404] = ["NOT_FOUND"]  # a path id, or a query naming another resource
    conflicts = list(op.conflicts)
    if route.idempotent:
        conflicts += ["IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_IN_USE"]
    if conflicts:
        codes[409] = list(dict.fromkeys(conflicts))
    if op.if_match:
        codes[412] = ["PRECONDITION_FAILED"]
    if op.body is not None:
        codes[413] = ["PAYLOAD_TOO_LARGE"]
    codes[429] = ["RATE_LIMITED"]
    codes[500] = ["INTERNAL_ERROR"]
    codes[503] = ["BUSY"]
    for status, code in op.failures:
        if code not in codes.setdefault(status, []):
            codes[status].append(code)
    return dict(sorted(codes.items()))


def _body_schema(body: Body) -> dict[str, Any]:
    schema = form_schema(body.form, partial=body.partial) if body.form else dict(body.schema or {})
    if body.extra:
        schema = {**schema, "properties": {**schema.get("properties", {}), **body.extra}}
    return schema


def _parameters(route: Route, op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for converter, args, name in _CONVERTER.findall(route.rule.rule):
        schema: dict[str, Any] = {"type": "string"}
        if converter == "any":
            schema["enum"] = [value.strip() for value in args.split(",")]
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": schema,
                "description": _l("The public id (prefix_…)") if name.endswith("id") else "",
            }
        )
    for key in op.query:
        schema, text = QUERY[key]
        name = key.split(":", 1)[0]
        params.append({"name": name, "in": "query", "schema": schema, "description": text})
    if route.idempotent:
        params.append({"$ref": "#/components/parameters/IdempotencyKey"})
    if op.if_match:
        params.append({"$ref": "#/components/parameters/IfMatch"})
    return params


def _success(route: Route, op: Operation) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if authenticated(route, op):
        headers.update(RATE_LIMIT_HEADERS)
    if op.etag:
        headers["ETag"] = {"$ref": "#/components/headers/ETag"}
    if route.idempotent:
        headers["Idempotent-Replayed"] = {"$ref": "#/components/headers/IdempotentReplayed"}
    if op.media is not None and route.endpoint != "api_openapi.description":
        content: dict[str, Any] = {op.media: {"schema": {"type": "string", "format": "binary"}}}
    elif op.media is not None:
        content = {op.media: {"schema": {"type": "object"}}}
    else:
        content = {"application/json": {"schema": schemas.envelope_of(op.data)}}
        if "format" in op.query:
            content["text/csv"] = {"schema": {"type": "string"}}
    answer: dict[str, Any] = {"description": STATUS_TEXTS[op.status], "content": content}
    if headers:
        answer["headers"] = headers
    return answer


RATE_LIMIT_HEADERS = {
    name: {"$ref": f"#/components/headers/{name.replace('-', '')}"}
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
}


def operation(route: Route, op: Operation) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": route.endpoint.split(".", 1)[1],
        "summary": op.summary,
        "tags": [TAGS[route.path.strip("/").split("/")[0]]],
    }
    if op.description:
        described["description"] = op.description
    if route.permission is not None:
        described["x-permission"] = route.permission
        described["x-role"] = PERMISSIONS[route.permission].value
    elif not op.token:
        described["security"] = []
    if route.pro:
        described["x-pro"] = True
    params = _parameters(route, op)
    if params:
        described["parameters"] = params
    if op.body is not None:
        schema = _body_schema(op.body)
        described["requestBody"] = {
            "required": op.body.required,
            "content": {media: {"schema": schema} for media in op.body.media},
        }
    responses: dict[str, Any] = {str(op.status): _success(route, op)}
    for status, codes in error_codes(route, op).items():
        answer: dict[str, Any] = {
            "description": STATUS_TEXTS[status],
            "content": {"application/json": {"schema": schemas.error_of(codes)}},
        }
        if status in (429, 503):
            answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
        responses[str(status)] = answer
    described["responses"] = responses
    return described


def describe(app: Flask) -> dict[str, Any]:
    """The description, with lazy texts (``as_json`` makes them the request's language)."""
    paths: dict[str, dict[str, Any]] = {}
    for route in api_routes(app):
        op = OPERATIONS.get(route.endpoint)
        if op is None:
            continue  # undocumented: ``drift`` names it
        paths.setdefault(route.path, {})[route.method] = operation(route, op)
    tags = list(dict.fromkeys(str(tag) for tag in TAGS.values()))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": _l("Portal API"),
            "version": "1",
            "description": _l(
                "Every answer is the JSON envelope: success, message, data, errors (and error "
                "and code on a failure). Money is a decimal string with two places; dates are "
                "ISO 8601; lists answer items and nextCursor (limit at most 100, cursor). "
                "Authenticate with a Bearer token from POST /api/v1/auth/token. Messages "
                "follow Accept-Language (es, en)."
            ),
        },
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": _l("A token from POST /api/v1/auth/token (1 hour)."),
                }
            },
            "schemas": schemas.COMPONENTS,
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "schema": {"type": "string", "maxLength": 255},
                    "description": _l(
                        "Retrying with the same key and body within 24 hours answers the "
                        "first answer again, without doing it twice."
                    ),
                },
                "IfMatch": {
                    "name": "If-Match",
                    "in": "header",
                    "schema": {"type": "string"},
                    "description": _l("The ETag read: refuses the change if it moved since."),
                },
            },
            "headers": {
                "XRateLimitLimit": _header(_l("Requests allowed per minute"), "integer"),
                "XRateLimitRemaining": _header(_l("Requests left in this minute"), "integer"),
                "XRateLimitReset": _header(_l("When the minute resets (Unix seconds)"), "integer"),
                "RetryAfter": _header(_l("Seconds to wait before retrying"), "integer"),
                "ETag": _header(_l("The document's version, for If-Match"), "string"),
                "IdempotentReplayed": _header(
                    _l("true when the answer is the replay of an earlier request"), "string"
                ),
            },
        },
    }


def _header(description: Any, kind: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": kind}}


def as_json(value: Any) -> Any:
    """The description with its lazy texts as strings of the current language."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@dataclass(frozen=True)
class Drift:
    undocumented: list[tuple[str, str]]  # (METHOD, path) routed but not described
    extra: list[tuple[str, str]]  # described but not routed
    stale: list[str]  # declared endpoints the URL map no longer has

    def __bool__(self) -> bool:
        return bool(self.undocumented or self.extra or self.stale)


def drift(app: Flask, description: dict[str, Any]) -> Drift:
    routed = {(r.method, r.path) for r in api_routes(app)}
    described = {
        (method, path)
        for path, item in description["paths"].items()
        for method in item
        if method in METHODS
    }
    endpoints = {r.endpoint for r in api_routes(app)}
    return Drift(
        undocumented=sorted((m.upper(), p) for m, p in routed - described),
        extra=sorted((m.upper(), p) for m, p in described - routed),
        stale=sorted(set(OPERATIONS) - endpoints),
    )
