"""New rows written by Core ``INSERT``s, their objects then attached as if just loaded.

The unit of work spends most of a document's creation on per-object bookkeeping (sorting
the dependencies, tracking every attribute's history, syncing keys) for rows that are
plainly new: a document and its lines. ``insert_new`` writes them with one ``INSERT …
RETURNING`` for the object and one for each of its new collections (the lines carry an
insert sentinel: a multi-row ``VALUES`` on SQLite, one array per column on PostgreSQL,
``_from_arrays``), then makes the objects persistent in the
session through the ORM's public API (``make_transient_to_detached`` and ``Session.add``),
so that what follows (the history, the webhook's JSON, a later edit in the same request)
sees ordinary loaded objects. It does what the ORM's flush would have done for them:

- a column left unset, or ``None``, takes its Python default (scalar or callable), as the
  ORM's insert does; one with only a database default is read back by ``RETURNING``;
- a foreign key takes the primary key of the object its many-to-one relationship holds
  (``invoice.customer`` → ``customer_id``), and each child of a one-to-many collection the
  new parent's key;
- every column's value ends up in the object's ``__dict__``: nothing is left expired, so
  nothing is read again.

The mapper's ``before_insert`` and ``after_insert`` events fire as the flush fires them (the
demo's replay stamps its rows in ``before_insert``). What it does not do: an object's
children must be new and have no new children of their own. Callers: a document created
(``documents.services.create_document``) and a history entry (``documents.history.record``,
left unattached: nothing in the request reads it back).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import JSON, Table, bindparam, func, insert, inspect, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapper, RelationshipDirection, make_transient_to_detached
from sqlalchemy.sql.dml import ReturningInsert

from portal.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class _Plan:
    """How a mapper's new objects become rows (built once per mapper)."""

    key: str  # the primary key's attribute
    columns: tuple[tuple[str, Any], ...]  # (attribute, column) given by Python
    returned: tuple[tuple[str, Any], ...]  # (attribute, column) the database fills
    parents: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # many-to-one → (fk, pk)
    children: tuple[tuple[str, Mapper[Any], tuple[tuple[str, str], ...]], ...]
    statement: ReturningInsert[Any]
    # PostgreSQL, a table with an insert sentinel: every row in one array per column
    # (``_from_arrays``), else None.
    arrays: ReturningInsert[Any] | None
    sentinel: str | None


def insert_new(obj: Any, *, attach: bool = True) -> None:
    """Write the new ``obj`` and the new objects of its one-to-many collections, then attach
    them all to the session as persistent (see the module's docstring); ``attach=False``
    for a row nothing reads back in the request (a history entry), left as it is."""
    connection = db.session.connection()
    mapper = type(obj).__mapper__
    plan = _plan(mapper)
    mapper.dispatch.before_insert(mapper, connection, inspect(obj))
    row = connection.execute(plan.statement, _values(obj, plan)).one()
    _take_returned(obj, plan, row)
    mapper.dispatch.after_insert(mapper, connection, inspect(obj))
    for key, child_mapper, pairs in plan.children:
        children = obj.__dict__.get(key) or []
        if not children:
            continue
        child_plan = _plan(child_mapper)
        rows = []
        for child in children:
            for fk, pk in pairs:
                child.__dict__[fk] = obj.__dict__[pk]
            child_mapper.dispatch.before_insert(child_mapper, connection, inspect(child))
            rows.append(_values(child, child_plan))
        returned: Sequence[Any]
        if child_plan.arrays is not None and connection.dialect.name == "postgresql":
            returned = _insert_arrays(connection, child_plan, rows)
        else:
            returned = connection.execute(child_plan.statement, rows).all()
        for child, child_row in zip(children, returned, strict=True):
            _take_returned(child, child_plan, child_row)
            child_mapper.dispatch.after_insert(child_mapper, connection, inspect(child))
            if attach:
                make_transient_to_detached(child)
    if attach:
        make_transient_to_detached(obj)
        db.session.add(obj)  # its children follow by the collection's cascade; no SQL


def new_object(model: type[T], values: dict[str, Any]) -> T:
    """A new (transient) ``model`` holding ``values``, written straight into its ``__dict__``
    as the ORM's loader writes a row: no attribute events, no history. What an INSERT reads
    of a new object is that dict (``insert_new``, and the flush as well), so it is written
    as if built by the constructor, at a thirtieth of the cost (a document line: 18–31 µs
    through the instrumented constructor, 1 µs this way)."""
    obj = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    obj.__dict__.update(values)
    return cast(T, obj)


def _values(obj: Any, plan: _Plan) -> dict[str, Any]:
    state = obj.__dict__
    for relationship, pairs in plan.parents:
        if relationship in state:
            parent = state[relationship]
            for fk, pk in pairs:
                value = None if parent is None else getattr(parent, pk)
                if parent is not None and value is None:  # a new parent: the flush's job
                    raise ValueError(f"{relationship} holds an object not yet written")
                state[fk] = value
    for attribute, column in plan.returned:
        if state.get(attribute) is not None:
            raise ValueError(f"{column} is filled by the database, yet was given")
    values = {}
    for attribute, column in plan.columns:
        value = state.get(attribute)
        if value is None and column.default is not None:
            default: Any = column.default
            value = default.arg(None) if default.is_callable else default.arg
        state[attribute] = value
        values[column.key] = value
    return values


def _insert_arrays(connection: Any, plan: _Plan, rows: list[dict[str, Any]]) -> list[Any]:
    """``rows`` written by the plan's statement of arrays, their ids in the rows' order."""
    assert plan.arrays is not None and plan.sentinel is not None
    values: dict[str, Any] = {key: [row[key] for row in rows] for key in rows[0]}
    values[plan.sentinel] = list(range(len(rows)))
    returned = connection.execute(plan.arrays, values).all()
    return sorted(returned, key=lambda row: row[-1])  # RETURNING keeps no order: the sentinel


def _take_returned(obj: Any, plan: _Plan, row: Any) -> None:
    state = obj.__dict__
    state[plan.key] = row[0]
    for index, (attribute, _column) in enumerate(plan.returned, start=1):
        state[attribute] = row[index]


@functools.cache
def _plan(mapper: Mapper[Any]) -> _Plan:
    table: Table = cast(Table, mapper.local_table)
    (primary_key,) = mapper.primary_key
    columns: list[tuple[str, Any]] = []
    returned: list[tuple[str, Any]] = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column is primary_key or column.table is not table:
            continue
        if getattr(column, "_insert_sentinel", False):
            continue  # numbered by SQLAlchemy within a batch
        default = column.default
        if column.server_default is not None or not (
            default is None or default.is_scalar or default.is_callable
        ):  # the database computes it: RETURNING reads it
            returned.append((prop.key, column))
        else:
            columns.append((prop.key, column))
        if column.type.should_evaluate_none and not isinstance(column.type, JSON):
            raise TypeError(f"{column}: only JSON may write None as a value")
    parents, children = [], []
    for relationship in mapper.relationships:
        if relationship.viewonly:
            continue
        pairs = tuple(
            (
                mapper.get_property_by_column(local).key
                if relationship.direction is RelationshipDirection.MANYTOONE
                else relationship.mapper.get_property_by_column(remote).key,
                relationship.mapper.get_property_by_column(remote).key
                if relationship.direction is RelationshipDirection.MANYTOONE
                else mapper.get_property_by_column(local).key,
            )
            for local, remote in relationship.local_remote_pairs
        )
        if relationship.direction is RelationshipDirection.MANYTOONE:
            parents.append((relationship.key, pairs))
        elif relationship.direction is RelationshipDirection.ONETOMANY:
            children.append((relationship.key, relationship.mapper, pairs))
    # A JSON column left ``None`` is SQL NULL, as the ORM leaves a column it is not given
    # (JSON's own type would write the JSON text ``null``).
    nulls = {
        column.key: bindparam(column.key, type_=type(column.type)(none_as_null=True))
        for _attribute, column in columns
        if isinstance(column.type, JSON)
    }
    statement = (
        insert(table)
        .values(nulls)
        .returning(
            primary_key, *(column for _attribute, column in returned), sort_by_parameter_order=True
        )
    )
    sentinel = next(
        (column for column in table.columns if getattr(column, "_insert_sentinel", False)), None
    )
    return _Plan(
        key=mapper.get_property_by_column(primary_key).key,
        columns=tuple(columns),
        returned=tuple(returned),
        parents=tuple(parents),
        children=tuple(children),
        statement=statement,
        arrays=None
        if sentinel is None or nulls
        else _from_arrays(table, columns, returned, sentinel),
        sentinel=None if sentinel is None else sentinel.key,
    )


def _from_arrays(
    table: Table, columns: list[tuple[str, Any]], returned: list[tuple[str, Any]], sentinel: Any
) -> ReturningInsert[Any]:
    """``INSERT … SELECT … FROM unnest(:a, :b, …) ORDER BY <sentinel> RETURNING id, …,
    <sentinel>`` (PostgreSQL): one array per column, so the statement's text is the same
    for any number of rows. The multi-row ``VALUES`` of the generic statement has 18
    parameters a line, past what psycopg keeps converted (50 parameters, 4,096 bytes: it
    parsed the text on every document, 0.55 ms for 10 lines), and a text per number of
    lines, planned afresh by the server each time."""
    written = [column for _attribute, column in columns] + [sentinel]
    keys = [column.key for column in written]
    source = (
        func.unnest(*(bindparam(column.key, type_=ARRAY(column.type)) for column in written))
        .table_valued(*keys)
        .render_derived(name="new_rows")  # AS new_rows(invoice_id, position, …)
    )
    (primary_key,) = table.primary_key.columns
    return (
        insert(table)
        .from_select(
            keys, select(*(source.c[key] for key in keys)).order_by(source.c[sentinel.key])
        )
        .returning(primary_key, *(column for _attribute, column in returned), sentinel)
    )
