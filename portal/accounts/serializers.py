"""JSON shapes of organisations and users (camelCase, ISO dates, public ids only)."""

from __future__ import annotations

from typing import Any

from portal.accounts.models import Organization, User
from portal.security.plans import limits_for


def organization_json(organization: Organization) -> dict[str, Any]:
    limits = limits_for(organization)
    return {
        "id": organization.public_id,
        "name": organization.name,
        "currency": organization.currency,
        "locale": organization.locale,
        "timeZone": organization.time_zone,
        "plan": organization.plan,
        "limits": {
            "requestsPerMinute": limits.requests_per_minute,
            "concurrentRequests": limits.concurrent_requests,
            "maxUsers": limits.max_users,
            "proFeatures": limits.pro_features,
        },
        "createdAt": organization.created_at.isoformat(),
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.public_id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "active": user.active,
        "locale": user.locale,
        "createdAt": user.created_at.isoformat(),
        "lastLoginAt": user.last_login_at.isoformat() if user.last_login_at else None,
    }
