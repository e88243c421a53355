"""Roles and plans: plain names with an order, shared by models, services and templates."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    ACCOUNTANT = "ACCOUNTANT"
    OPERATOR = "OPERATOR"
    VIEWER = "VIEWER"


# Most to least privileged; each role holds every right of those after it.
ROLES: tuple[Role, ...] = tuple(Role)
_RANK = {role: len(ROLES) - index for index, role in enumerate(ROLES)}


def rank(role: str) -> int:
    return _RANK[Role(role)]


def at_least(role: str, least: str) -> bool:
    return rank(role) >= rank(least)


class Plan(StrEnum):
    FREE = "FREE"
    PRO = "PRO"
    ENTERPRISE = "ENTERPRISE"


PLANS: tuple[Plan, ...] = tuple(Plan)
