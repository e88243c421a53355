"""``flask --app app portal …``: init-db, seed-demo, set-plan, backup, restore, worker."""

from __future__ import annotations

import os
from pathlib import Path
from threading import Event
from time import perf_counter

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.accounts.models import Organization
from portal.backup import (
    BackupError,
    backup_sqlite,
    describe_revision,
    require_sqlite,
    restore_sqlite,
    verify_backup,
)
from portal.demo import (
    DEMO_PASSWORD,
    DEMO_USERS,
    create_demo_activity,
    create_demo_organization,
    demo_counts,
    demo_exists,
)
from portal.errors import PortalError
from portal.extensions import db
from portal.jobs.worker import run_forever, run_once, stop_on_signals
from portal.migrate import upgrade
from portal.organization.services import change_plan
from portal.scheduled import run_scheduled
from portal.security.roles import PLANS, Plan

portal_cli = AppGroup(
    "portal", help="Operate the portal: schema, demo data, plans, backups, background jobs."
)


@portal_cli.command("init-db")
def init_db() -> None:
    """Create the schema or upgrade it to the latest revision (alembic upgrade head)."""
    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(db.engine)
    click.echo("Database is at the latest revision.")


@portal_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when there is no organisation yet.")
@click.option("--empty", is_flag=True, help="The organisation and its users only, no activity.")
def seed_demo(if_empty: bool, empty: bool) -> None:
    """Create a demo organisation (PRO) with one user per role and a year of activity:
    customers, products, quotes, invoices and payments, up to today."""
    if if_empty and db.session.scalar(select(func.count(Organization.id))):
        click.echo("The database already has organisations; demo data not loaded.")
        return
    if demo_exists():
        click.echo("The demo organisation already exists.")
        return
    started = perf_counter()
    organization = create_demo_organization(current_app.config["DEFAULT_TIME_ZONE"])
    if not empty:
        create_demo_activity(organization)
    db.session.commit()
    click.echo(f"Demo organisation {organization.public_id} created. Log in with:")
    for _name, email, role in DEMO_USERS:
        click.echo(f"  {role.value:<10} {email}  /  {DEMO_PASSWORD}")
    if not empty:
        seconds = perf_counter() - started
        counts = demo_counts(organization)
        click.echo(f"A year of activity up to {organization.today()}, made in {seconds:.1f} s:")
        for name, count in counts.items():
            click.echo(f"  {name:<25} {count:>4}")


@portal_cli.command("set-plan")
@click.argument("organization_id")
@click.argument("plan", type=click.Choice([p.value for p in PLANS], case_sensitive=False))
@click.option("--per-minute", type=click.IntRange(1, 1_000_000), help="ENTERPRISE requests/min.")
@click.option("--concurrent", type=click.IntRange(1, 10_000), help="ENTERPRISE concurrent.")
def set_plan(
    organization_id: str, plan: str, per_minute: int | None, concurrent: int | None
) -> None:
    """Set an organisation's plan (and an ENTERPRISE's custom limits)."""
    organization = db.session.scalar(
        select(Organization).where(Organization.public_id == organization_id)
    )
    if organization is None:
        raise click.ClickException(f"No organisation with id {organization_id}")
    plan = plan.upper()
    if plan != Plan.ENTERPRISE and (per_minute or concurrent):
        raise click.ClickException("--per-minute and --concurrent apply to ENTERPRISE only")
    try:
        change_plan(
            organization,
            plan,
            changed_by=None,
            requests_per_minute=per_minute,
            concurrent_requests=concurrent,
        )
    except PortalError as exc:
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"{organization.public_id} is now on {plan}.")


@portal_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
def backup(path: Path, force: bool) -> None:
    """Write a consistent copy of the SQLite database to PATH while the portal runs.

    Uses SQLite's online backup API; writers are not held up. The copy is checked with
    PRAGMA integrity_check before it is renamed into place. PostgreSQL: use pg_dump.
    """
    try:
        require_sqlite(db.engine, path, "backup")
        result = backup_sqlite(db.engine, path, overwrite=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backed up {result.pages} pages ({result.size} bytes) to {result.path} "
        f"in {result.seconds:.2f} s; integrity check ok; revision {result.revision}."
    )


@portal_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(path: Path, yes: bool) -> None:
    """Replace ALL data of the SQLite database with the backup at PATH.

    Stop the portal first (web and worker processes): requests running during a restore
    would mix old and new data. PATH must pass PRAGMA integrity_check and hold an
    alembic_version table. PostgreSQL: use pg_restore.
    """
    try:
        require_sqlite(db.engine, path, "restore")
        revision = verify_backup(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(
            f"Replace every row of {db.engine.url.database} with the backup {path} "
            f"(revision {revision})?",
            abort=True,
        )
    try:
        revision = restore_sqlite(db.engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {path}. {describe_revision(db.engine, revision)}")


@portal_cli.command("run-scheduled")
def run_scheduled_command() -> None:
    """Make the recurring invoices and send the payment reminders due now, once.

    Safe to run as often as you like (cron, or by hand after downtime): nothing is made or
    sent twice, and missed periods become drafts, never late e-mails."""
    result = run_scheduled()
    click.echo(f"Scheduled work done: {result}.")


@portal_cli.command("worker")
@click.option("--once", is_flag=True, help="Run one batch of each kind of job, then exit.")
@click.option(
    "--poll",
    type=click.FloatRange(0.05, 3600),
    default=1.0,
    show_default=True,
    help="Seconds to wait when no job is due.",
)
def worker(once: bool, poll: float) -> None:
    """Run background jobs (webhook deliveries, e-mail, and every PORTAL_SCHEDULE_INTERVAL
    seconds the scheduled work) until SIGTERM or Ctrl-C.

    Several workers may run against PostgreSQL (rows are claimed with SKIP LOCKED); run one
    against SQLite. A stop lets the job under way finish (at most one webhook timeout).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        click.echo(f"{run_once(app)} jobs run.")
        return
    stop = Event()
    stop_on_signals(stop)
    click.echo(f"Worker running (pid {os.getpid()}); Ctrl-C or SIGTERM stops it.")
    run_forever(app, poll=poll, stop=stop, scheduled_every=app.config["SCHEDULE_INTERVAL_SECONDS"])
    click.echo("Worker stopped.")
