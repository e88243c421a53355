"""Every permission, named once with the least role that holds it, and the one guard."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from portal.errors import Forbidden, Unauthorized
from portal.security.identity import current_identity
from portal.security.roles import Role, at_least

PERMISSIONS: dict[str, Role] = {
    # OWNER
    "organization.manage": Role.OWNER,
    "billing.manage": Role.OWNER,
    # ADMIN
    "users.manage": Role.ADMIN,
    "catalog.delete": Role.ADMIN,
    "webhooks.manage": Role.ADMIN,
    # ACCOUNTANT
    "invoices.write": Role.ACCOUNTANT,
    "payments.record": Role.ACCOUNTANT,
    "quotes.convert": Role.ACCOUNTANT,
    # OPERATOR
    "catalog.write": Role.OPERATOR,
    "quotes.write": Role.OPERATOR,
    # VIEWER
    "portal.read": Role.VIEWER,
    "dashboard.view": Role.VIEWER,
}


def can(permission: str, user: Any = None) -> bool:
    """Whether ``user`` (default: the caller) holds ``permission``, by their current role."""
    least = PERMISSIONS[permission]
    user = user if user is not None else current_identity()
    return bool(user is not None and user.active and at_least(user.role, least))


def require(permission: str) -> Callable:
    """Guard a page or API view: anonymous → 401/log-in, too low a role → 403."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_identity()
            if user is None:
                raise Unauthorized()
            if not can(permission, user):
                raise Forbidden(role=PERMISSIONS[permission].value)
            return view(*args, **kwargs)

        guarded.permission = permission  # type: ignore[attr-defined]
        return guarded

    return decorator
