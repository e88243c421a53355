"""Verified Bearer identities, kept for a second per process (issue 16.1).

Reading the caller (the user, the organisation and whether the token was revoked) is one
query and two ORM objects on every API request: about a fifth of a listing's time. A token
that answered a moment ago is read from here instead, under these rules:

- **Only safe methods** (GET, HEAD, OPTIONS) use an entry. A write always reads the caller
  afresh, so nothing is ever written by a revoked token, a demoted or deactivated user, or
  with organisation settings (currency, series, time zone, plan) older than the write.
- **An entry lives ``TTL`` seconds** (1 s): another process's revocation, demotion or
  deactivation is seen by the next read at most that long after it was committed.
- **This process's own changes are seen at once**: any statement that updates or deletes a
  user or an organisation, or revokes a token, empties the cache before it runs (an engine
  event, whatever wrote it: a view, a service, the CLI, a test).

An entry is a copy of the rows' column values, never an ORM object: each request gets fresh
objects built from it and attached to its own session, with no SQL.

Entries are keyed by the **whole token**, and keep the claims its verification gave: a
token byte for byte identical to one verified less than a second ago is that token, so its
signature is not checked again (a tenth of a cached read). Its expiry is: a hit past the
token's ``exp`` is a miss, and the full verification refuses it.
"""

from __future__ import annotations

import copy
import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from portal.accounts.models import Organization, User

TTL = 1.0  # seconds an entry answers for
MAX_ENTRIES = 10_000  # past this many the cache starts again (bounded memory)
clock: Callable[[], float] = time.monotonic  # tests move it

# Statements after which a cached identity may be wrong (compared upper-cased).
_INVALIDATING = (
    "UPDATE USERS ",
    "DELETE FROM USERS",
    "UPDATE ORGANIZATIONS ",
    "DELETE FROM ORGANIZATIONS",
    "INSERT INTO REVOKED_TOKENS",
)


@dataclass(frozen=True)
class _Entry:
    expires: float
    claims: dict[str, Any]
    user: dict[str, Any]
    organization: dict[str, Any]


_entries: dict[str, _Entry] = {}
_lock = threading.Lock()


def _columns(obj: Any) -> dict[str, Any]:
    state = obj.__dict__
    return {
        attr.key: copy.deepcopy(state[attr.key])
        for attr in type(obj).__mapper__.column_attrs
        if attr.key in state  # a deferred column (the logo) stays unloaded
    }


_MUTABLE = (dict, list)  # JSON columns: each request gets its own copy


def remember(token: str, claims: dict[str, Any], user: User) -> None:
    """Keep the identity of a verified token (its claims, and its user and organisation as
    just read)."""
    entry = _Entry(clock() + TTL, dict(claims), _columns(user), _columns(user.organization))
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[token] = entry


def recall(
    token: str, session: Session | scoped_session[Session]
) -> tuple[dict[str, Any], User] | None:
    """The claims and user of a token verified less than ``TTL`` ago and not expired since,
    the user attached to ``session``; else ``None``."""
    entry = _entries.get(token)
    if entry is None:
        return None
    if entry.expires <= clock() or entry.claims["exp"] <= time.time():
        with _lock:
            if _entries.get(token) is entry:
                del _entries[token]
        return None
    organization = _instance(Organization, entry.organization)
    user = _instance(User, entry.user)
    set_committed_value(user, "organization", organization)
    session.add(user)  # persistent again, as if just loaded; no SQL
    return dict(entry.claims), user


def forget_all() -> None:
    with _lock:
        _entries.clear()


def _instance(model: Any, values: dict[str, Any]) -> Any:
    """An object of ``model`` holding ``values`` as if loaded: written straight into its
    ``__dict__`` as the ORM's loader does (no attribute events, no history)."""
    mapper = model.__mapper__
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    for key in _json_keys(mapper):
        if isinstance(values.get(key), _MUTABLE):
            obj.__dict__[key] = copy.deepcopy(values[key])
    # Detached with its identity, as ``make_transient_to_detached`` leaves an object, less
    # the work a state just made needs none of: no history to commit, and what is not in
    # ``values`` (relationships, the deferred logo) loads on first use like after a query.
    instance_state(obj).key = mapper.identity_key_from_primary_key([values["id"]])
    return obj


@functools.cache
def _json_keys(mapper: Any) -> tuple[str, ...]:
    """The attributes of a JSON column (a dict or a list each request must own)."""
    return tuple(
        attr.key
        for attr in mapper.column_attrs
        if any(isinstance(column.type, JSON) for column in attr.columns)
    )


@event.listens_for(Engine, "before_cursor_execute")
def _forget_on_change(conn, cursor, statement, parameters, context, executemany) -> None:
    if _entries and statement[:40].lstrip().upper().startswith(_INVALIDATING):
        forget_all()
