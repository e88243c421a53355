"""Managing the people of an organisation: who may add whom, with which role."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.services import email_taken
from portal.db import conflicts
from portal.errors import DuplicateEmail, Forbidden, InvalidState, PlanRequired, UserNotFound
from portal.extensions import db
from portal.pagination import keyset_page
from portal.security.identity import current_identity
from portal.security.passwords import hash_password
from portal.security.permissions import can
from portal.security.plans import limits_for
from portal.security.roles import Role, rank
from portal.tenancy import get_for_organization, lock_organization, refreshed

CANNOT_CHANGE_SELF = _l("You cannot change your own role or deactivate yourself")
USER_CAP_REACHED = _l("The Free plan allows up to %(n)s active users; upgrade to Pro to add more")
LAST_OWNER = _l("The organisation needs at least one active owner")


def list_users(actor: User, limit: int, cursor: str | None) -> tuple[list[User], str | None]:
    stmt = select(User).where(User.organization_id == actor.organization_id)
    return keyset_page(stmt, (User.created_at, User.public_id), limit, cursor)


def team_of(actor: User) -> list[User]:
    """Everyone in the actor's organisation, by name (the team page)."""
    stmt = select(User).where(User.organization_id == actor.organization_id).order_by(User.name)
    return list(db.session.scalars(stmt))


def get_user(actor: User, public_id: str) -> User:
    return get_for_organization(User, public_id, actor.organization_id, UserNotFound)


def active_user_count(organization_id: int) -> int:
    return _count(
        select(func.count(User.id)).where(
            User.organization_id == organization_id, User.active.is_(True)
        )
    )


def _active_owners(organization_id: int) -> tuple:
    return (
        User.organization_id == organization_id,
        User.active.is_(True),
        User.role == Role.OWNER,
    )


def active_owner_count(organization_id: int) -> int:
    return _count(select(func.count(User.id)).where(*_active_owners(organization_id)))


def owners_to_ask() -> list[str]:
    """For a page refused by role: whom the caller may ask, their organisation's active
    owners by name (none for an anonymous caller)."""
    user = current_identity()
    if user is None:
        return []
    stmt = select(User.name).where(*_active_owners(user.organization_id)).order_by(User.name)
    return list(db.session.scalars(stmt))


def _count(stmt: Any) -> int:
    return db.session.scalar(stmt) or 0


def _lock_team(actor: User) -> None:
    """Serialise changes to the team of the actor's organisation, then check again that the
    actor may still manage it (a racing request may have just demoted or deactivated them)."""
    lock_organization(actor.organization_id)
    refreshed(actor)
    if not can("users.manage", actor):
        raise Forbidden(role=Role.ADMIN.value)


def _check_user_cap(actor: User) -> None:
    """Under the team lock: one more active user must fit the plan."""
    cap = limits_for(actor.organization).max_users
    if cap is not None and active_user_count(actor.organization_id) >= cap:
        raise PlanRequired(USER_CAP_REACHED % {"n": cap})


def _check_may_grant(actor: User, role: str) -> None:
    """Nobody grants a role above their own."""
    if rank(role) > rank(actor.role):
        raise Forbidden(role=role)


def create_user(actor: User, *, name: str, email: str, role: str, password: str) -> User:
    _check_may_grant(actor, role)
    if email_taken(email):
        raise DuplicateEmail()
    password_hash = hash_password(password)  # slow on purpose: before the lock
    _lock_team(actor)
    _check_may_grant(actor, role)
    _check_user_cap(actor)
    user = User(
        organization_id=actor.organization_id,
        name=name,
        email=email.lower(),
        role=role,
        password_hash=password_hash,
        active=True,
    )
    with conflicts():
        db.session.add(user)
    return user


def update_user(
    actor: User, public_id: str, *, role: str | None = None, active: bool | None = None
) -> User:
    target = get_user(actor, public_id)
    _lock_team(actor)
    refreshed(target)
    if target.role == Role.OWNER and actor.role != Role.OWNER:
        raise Forbidden(role=Role.OWNER.value)
    changes_role = role is not None and role != target.role
    changes_active = active is not None and active != target.active
    if target.id == actor.id and (changes_role or changes_active):
        raise InvalidState(CANNOT_CHANGE_SELF)
    # Every check before any change: a refusal leaves the user exactly as it was.
    if role is not None and changes_role:
        _check_may_grant(actor, role)
    if changes_active and active:
        _check_user_cap(actor)
    loses_owner = (
        target.role == Role.OWNER
        and target.active
        and ((changes_role and role != Role.OWNER) or (changes_active and not active))
    )
    if loses_owner and active_owner_count(actor.organization_id) <= 1:
        raise InvalidState(LAST_OWNER)
    if role is not None and changes_role:
        target.role = role
    if active is not None and changes_active:
        target.active = active
        if not active:
            target.revoke_credentials()  # reactivation will not bring old sessions back
    db.session.flush()
    return target


def names_of(user_ids: set[int]) -> dict[int, User]:
    """Users by database id, for showing who did what (history)."""
    if not user_ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
