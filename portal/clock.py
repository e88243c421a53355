"""The one clock: every "now" and "today" of the portal comes from here.

Timestamps are UTC. "Today" is always an organisation's own date in its IANA time zone, so a
shop in Mexico City that invoices at 19:00 on 31 December still numbers in that year. Tests
move this clock with ``time-machine``; the database's own ``now()`` is never used.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_TIME_ZONE = "Europe/Madrid"


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def today_in(time_zone: str) -> date:
    """The date it is now in ``time_zone``."""
    return datetime.now(zone(time_zone)).date()


def local_time(moment: datetime, time_zone: str) -> datetime:
    """A UTC timestamp as the wall-clock time of ``time_zone``."""
    return moment.astimezone(zone(time_zone))


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name the portal accepts (from the system or the ``tzdata`` package)."""
    names = {name for name in available_timezones() if "/" in name and not name.startswith("Etc/")}
    return tuple(sorted(names | {"UTC"}))


def is_time_zone(name: object) -> bool:
    if not isinstance(name, str) or name not in time_zone_names():
        return False
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
