"""The one builder of the ``/api/v1`` JSON envelope, for successes and failures alike."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, jsonify

_CAMEL_BOUNDARY = re.compile(r"_([a-z0-9])")


def camelize(name: str) -> str:
    return _CAMEL_BOUNDARY.sub(lambda m: m.group(1).upper(), name)


def envelope(
    *,
    success: bool,
    message: Any,
    data: Any = None,
    errors: dict[str, Any] | None = None,
    error: Any = None,
    code: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"success": success, "message": str(message)}
    if not success:
        body["error"] = str(error if error is not None else message)
        body["code"] = code
    body["data"] = data
    body["errors"] = (
        {camelize(field): str(text) for field, text in errors.items()} if errors else None
    )
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def ok(message: Any, data: Any = None, status: int = 200) -> Response:
    return envelope(success=True, message=message, data=data, status=status)


def created(message: Any, data: Any = None) -> Response:
    return envelope(success=True, message=message, data=data, status=201)
