"""What each plan allows: request limits, team size and PRO features."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.errors import PlanRequired
from portal.security.identity import current_identity
from portal.security.roles import Plan


@dataclass(frozen=True)
class PlanLimits:
    requests_per_minute: int
    concurrent_requests: int
    max_users: int | None
    pro_features: bool


# How a plan is named to people, in every language (the API keeps FREE, PRO, ENTERPRISE).
PLAN_LABELS: dict[str, Any] = {
    Plan.FREE: _l("Free"),
    Plan.PRO: _l("Pro"),
    Plan.ENTERPRISE: _l("Enterprise"),
}


def plan_label(plan: str) -> str:
    label = PLAN_LABELS.get(plan)
    return str(label) if label is not None else plan


PLAN_LIMITS: dict[str, PlanLimits] = {
    Plan.FREE: PlanLimits(60, 10, 3, False),
    Plan.PRO: PlanLimits(300, 30, None, True),
    # ENTERPRISE figures are set per organisation; PRO's apply until the operator does.
    Plan.ENTERPRISE: PlanLimits(300, 30, None, True),
}


def limits_for(organization) -> PlanLimits:
    base = PLAN_LIMITS[organization.plan]
    if organization.plan != Plan.ENTERPRISE:
        return base
    return PlanLimits(
        organization.custom_requests_per_minute or base.requests_per_minute,
        organization.custom_concurrent_requests or base.concurrent_requests,
        None,
        True,
    )


def require_pro(view: Callable) -> Callable:
    """Mark a view as a PRO feature: on FREE it answers 403 ``PLAN_REQUIRED``.

    Put it under ``@require(...)`` so that the permission is checked first.
    """

    @wraps(view)
    def gated(*args: Any, **kwargs: Any) -> Any:
        user = current_identity()
        if user is None or not limits_for(user.organization).pro_features:
            raise PlanRequired()
        return view(*args, **kwargs)

    gated.pro_feature = True  # type: ignore[attr-defined]
    return gated
