"""Organisation settings and plan changes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.errors import InvalidState
from portal.extensions import db
from portal.organization.models import PlanChange
from portal.security.plans import PLAN_LIMITS, plan_label
from portal.security.roles import Plan
from portal.team.services import active_user_count
from portal.tenancy import lock_organization

TOO_MANY_USERS_FOR_PLAN = _l(
    "The %(plan)s plan allows up to %(n)s active users; deactivate users first"
)


def update_settings(
    organization: Organization,
    *,
    name: str | None = None,
    currency: str | None = None,
    locale: str | None = None,
    time_zone: str | None = None,
) -> Organization:
    if name is not None:
        organization.name = name
    if currency is not None:
        organization.currency = currency
    if locale is not None:
        organization.locale = locale
    if time_zone is not None:
        organization.time_zone = time_zone
    db.session.flush()
    return organization


def change_plan(
    organization: Organization,
    plan: str,
    *,
    changed_by: User | None,
    requests_per_minute: int | None = None,
    concurrent_requests: int | None = None,
) -> Organization:
    """Record the new plan (no payment is processed), who chose it and when.

    Under the organisation's row lock: a user added at the same moment is counted.
    """
    plan = Plan(plan)
    organization = lock_organization(organization.id)
    cap = PLAN_LIMITS[plan].max_users
    if cap is not None and active_user_count(organization.id) > cap:
        raise InvalidState(TOO_MANY_USERS_FOR_PLAN % {"plan": plan_label(plan), "n": cap})
    if plan != organization.plan:
        db.session.add(
            PlanChange(
                organization_id=organization.id,
                from_plan=organization.plan,
                to_plan=plan,
                changed_by_id=changed_by.id if changed_by else None,
            )
        )
        organization.plan = plan
    if plan == Plan.ENTERPRISE:
        if requests_per_minute is not None:
            organization.custom_requests_per_minute = requests_per_minute
        if concurrent_requests is not None:
            organization.custom_concurrent_requests = concurrent_requests
    db.session.flush()
    return organization


def plan_changes(organization_id: int, limit: int = 20) -> list[tuple[PlanChange, User | None]]:
    return list(
        db.session.execute(
            select(PlanChange, User)
            .outerjoin(User, User.id == PlanChange.changed_by_id)
            .where(PlanChange.organization_id == organization_id)
            .order_by(PlanChange.id.desc())
            .limit(limit)
        ).all()
    )
