"""Online backup and restore of the SQLite database (``portal backup`` / ``portal restore``).

The copy is one ``sqlite3_backup_step(-1)``: a single read transaction, so the file is one
consistent snapshot. In WAL mode (``portal.db`` sets it on every connection) a reader never
blocks writers, so the portal keeps committing while the copy runs. A copy in small steps
would not help: each write by another connection restarts a stepped backup, and under a
steady stream of writes it might never finish.

PostgreSQL has its own tools (``pg_dump`` / ``pg_restore``); see ``docs/operations.md``.
"""

from __future__ import annotations

import os
import secrets
import shlex
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Engine

from portal.migrate import alembic_config

SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """A backup or restore that cannot, or must not, go ahead."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    pages: int
    size: int
    seconds: float
    revision: str | None


def require_sqlite(engine: Engine, path: Path, command: str) -> None:
    """Refuse anything but SQLite, showing the PostgreSQL tool that does the job."""
    if engine.dialect.name == "sqlite":
        return
    url = engine.url.set(drivername=engine.url.get_backend_name())
    url_text = url.render_as_string(hide_password=True)
    if command == "backup":
        tool = f"pg_dump --format=custom --file {shlex.quote(str(path))} {shlex.quote(url_text)}"
    else:
        tool = (
            f"pg_restore --clean --if-exists --no-owner --dbname {shlex.quote(url_text)} "
            f"{shlex.quote(str(path))}"
        )
    raise BackupError(
        f"portal {command} works on SQLite only; this portal uses {engine.dialect.name}. "
        f"Use:\n  {tool}\n(give the password through PGPASSWORD or ~/.pgpass; "
        "see docs/operations.md)"
    )


def backup_sqlite(engine: Engine, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the live database to ``target`` through a temporary file renamed into place."""
    target = target.absolute()
    _refuse_live_file(engine, target, "write the backup over")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists; use --force to replace it")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    started = time.perf_counter()
    try:
        # It holds password hashes and customers' data: readable by its owner only.
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        pages, revision = _copy_to(engine, temporary)
        seconds = time.perf_counter() - started
        _fsync(temporary)
        if target.exists() and not overwrite:
            raise BackupError(f"{target} appeared during the backup; use --force to replace it")
        os.replace(temporary, target)
        _fsync(target.parent)
    finally:
        _remove_with_side_files(temporary)
    return BackupResult(target, pages, target.stat().st_size, seconds, revision)


def verify_backup(path: Path) -> str:
    """Check that ``path`` is a sound portal database; return its alembic revision."""
    try:
        with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as conn:
            problems = _integrity_problems(conn)
            if problems:
                raise BackupError(f"{path} fails the integrity check: {problems}")
            revision = _revision(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc})") from exc
    if revision is None:
        raise BackupError(f"{path} is not a portal database: it has no alembic_version table")
    return revision


def restore_sqlite(engine: Engine, source: Path) -> str:
    """Replace the live database with ``source`` (checked by ``verify_backup`` first)."""
    source = source.absolute()
    _refuse_live_file(engine, source, "restore from")
    live = _database_file(engine)
    if live is not None:
        live.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as backup,
        _live_connection(engine) as conn,
    ):
        _same_page_size(backup, conn)
        backup.backup(conn, pages=-1)
        problems = _integrity_problems(conn)
        if problems:
            raise BackupError(f"the restored database fails the integrity check: {problems}")
        revision = _revision(conn)
    if revision is None:
        raise BackupError("the restored database has no alembic revision")
    return revision


def describe_revision(engine: Engine, revision: str) -> str:
    """Where ``revision`` stands against this code's migrations, for the operator."""
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    head = scripts.get_current_head()
    if revision == head:
        return f"The database is at revision {revision}, the latest."
    try:
        scripts.get_revision(revision)
    except CommandError:
        return (
            f"The database is at revision {revision}, which this version of the portal does "
            f"not know (its latest is {head}): the backup comes from a newer portal."
        )
    return (
        f"The database is at revision {revision}; the latest is {head}. "
        "Run `flask --app app portal init-db` to upgrade it."
    )


def _copy_to(engine: Engine, temporary: Path) -> tuple[int, str | None]:
    with (
        _live_connection(engine) as live,
        closing(sqlite3.connect(temporary, isolation_level=None)) as copy,
    ):
        live.backup(copy, pages=-1)
        # The copy carries the source's WAL flag; a backup is one self-contained file.
        copy.execute("PRAGMA journal_mode=DELETE")
        problems = _integrity_problems(copy)
        if problems:
            raise BackupError(f"the copy fails the integrity check: {problems}")
        return copy.execute("PRAGMA page_count").fetchone()[0], _revision(copy)


@contextmanager
def _live_connection(engine: Engine) -> Iterator[sqlite3.Connection]:
    """The portal's own connection (its pragmas: WAL, busy timeout), back to the pool after."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, sqlite3.Connection)
        yield conn
    finally:
        raw.close()


def _integrity_problems(conn: sqlite3.Connection) -> str:
    """'' when ``PRAGMA integrity_check`` says ok, else its first few findings."""
    rows = [row[0] for row in conn.execute("PRAGMA integrity_check(10)")]
    return "" if rows == ["ok"] else "; ".join(rows)


def _revision(conn: sqlite3.Connection) -> str | None:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if not has_table:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _same_page_size(backup: sqlite3.Connection, live: sqlite3.Connection) -> None:
    # A database in WAL mode cannot change its page size, and SQLite's own error for it
    # ("attempt to write a readonly database") would send the operator the wrong way.
    wanted = backup.execute("PRAGMA page_size").fetchone()[0]
    current = live.execute("PRAGMA page_size").fetchone()[0]
    if wanted != current:
        raise BackupError(
            f"the backup's page size ({wanted}) differs from the database's ({current}); "
            "restore into a new database file instead (move the old one and its -wal and "
            "-shm files away first)"
        )


def _database_file(engine: Engine) -> Path | None:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).absolute()


def _refuse_live_file(engine: Engine, path: Path, verb: str) -> None:
    live = _database_file(engine)
    if live is not None and live.resolve() == path.resolve():
        raise BackupError(f"{path} is the portal's own database; cannot {verb} it")


def _fsync(path: Path) -> None:
    """Flush a file (its bytes) or a directory (its entries, so a rename) to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_with_side_files(path: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        with suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
