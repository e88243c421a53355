"""Settings from ``PORTAL_*`` environment variables, one class per environment."""

from __future__ import annotations

import os
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any, overload
from urllib.parse import urlsplit

from portal.clock import is_time_zone

TRUE_WORDS = {"1", "true", "yes", "on"}
DEFAULT_REQUEST_TIMEOUT_SECONDS = 120  # a 10 MB CSV import takes about 35 s on 2 cores


class ConfigError(RuntimeError):
    """The environment does not describe a runnable portal."""


def _check_base_url(url: str | None, env_name: str) -> str | None:
    if not url:
        if env_name == "production":
            raise ConfigError(
                "PORTAL_BASE_URL is not set: public links need the address people reach the "
                "portal at, e.g. https://portal.example.com"
            )
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            "PORTAL_BASE_URL must be an http(s) address such as https://portal.example.com"
        )
    return url.rstrip("/")


@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: None = None) -> str | None: ...
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"PORTAL_{name}")
    return value if value else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    return default if value is None else value.strip().lower() in TRUE_WORDS


def parse_schedule(value: str, env_name: str) -> tuple[float, ...]:
    """``"0,5,300"`` → ``(0.0, 5.0, 300.0)``: the delays, in seconds, before each attempt of a
    background job (the first one's counted from when the job was queued)."""
    try:
        delays = tuple(float(part) for part in value.split(","))
    except ValueError:
        delays = ()
    if not delays or any(not 0 <= delay < 10**7 for delay in delays):
        raise ConfigError(
            f"{env_name} must be comma-separated seconds such as 0,5,300, not {value!r}"
        )
    return delays


def check_smtp_url(url: str | None) -> None:
    """``smtp://[user:pass@]host[:port]`` or ``smtps://…``; nothing else is an SMTP server."""
    if not url:
        return
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 — raises on a port that is not a number
    except ValueError:
        parts = parts._replace(netloc="")
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(
            "PORTAL_SMTP_URL must look like smtp://user:password@host:587 (STARTTLS) or "
            "smtps://user:password@host:465 (TLS)"
        )


def check_mail_from(address: str) -> None:
    """The sender must be one address (``Name <a@b>`` or ``a@b``)."""
    _name, email = parseaddr(address)
    if "@" not in email:
        raise ConfigError(
            f"PORTAL_MAIL_FROM must be an e-mail address such as billing@example.com, "
            f"not {address!r}"
        )


def request_timeout_seconds() -> int:
    """The longest a request may run (``PORTAL_REQUEST_TIMEOUT``): gunicorn.conf.py's
    timeouts and the concurrency slots' expiry both derive from it."""
    value = _env("REQUEST_TIMEOUT", str(DEFAULT_REQUEST_TIMEOUT_SECONDS))
    try:
        seconds = int(value)
    except ValueError:
        raise ConfigError(f"PORTAL_REQUEST_TIMEOUT must be whole seconds, not {value!r}") from None
    if seconds < 1:
        raise ConfigError("PORTAL_REQUEST_TIMEOUT must be at least 1 second")
    return seconds


def normalise_database_url(url: str) -> str:
    """Let operators write ``postgresql://`` and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    ENV_NAME = "production"
    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = None

    # Cookies: Secure outside development, never readable by scripts.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "portal_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(days=14)

    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "es"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    SUPPORTED_LOCALES = ("es", "en")
    WTF_I18N_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # bound to the session instead of a clock

    JWT_ALGORITHM = "HS256"
    JWT_EXPIRES_SECONDS = 3600

    # argon2id parameters (OWASP's second recommended set); tests lower them.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536
    PASSWORD_HASH_PARALLELISM = 2

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "portal"
    RATELIMIT_HEADERS_ENABLED = False  # we write our own headers (see security/limits)
    RATELIMIT_SWALLOW_ERRORS = True
    ANONYMOUS_RATE_LIMIT = "120 per minute"
    LOGIN_LIMIT_PER_IP = "20 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "10 per minute"
    # Redis away: count in memory, try Redis again after this long, log an ERROR at most
    # this often (see security/limit_storage).
    LIMITER_FALLBACK_RETRY_SECONDS = 5.0
    LIMITER_FALLBACK_LOG_SECONDS = 60.0
    # The longest request allowed; a concurrency slot in Redis outlives it by this margin.
    REQUEST_TIMEOUT_SECONDS = DEFAULT_REQUEST_TIMEOUT_SECONDS
    SLOT_TTL_MARGIN_SECONDS = 60

    # Seconds a request waits for a database lock before it is answered 503 BUSY.
    DB_LOCK_TIMEOUT_SECONDS = 10.0
    # Where people reach the portal: public links in pages, PDFs and e-mails are built from
    # it, never from a request's Host header. Required in production.
    BASE_URL: str | None = None
    # An organisation's zone when neither the sign-up form nor the browser's language says.
    DEFAULT_TIME_ZONE = "Europe/Madrid"

    WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    # Delays before each attempt of a delivery (Standard Webhooks' schedule); after the last
    # one fails the delivery is FAILED. Jittered by ±10 % (portal.jobs.queue.retry_at).
    WEBHOOK_RETRY_SCHEDULE = "0,5,300,1800,7200,18000,36000,36000"
    WEBHOOK_TIMEOUT_SECONDS = 15.0  # the whole request, connection to the last byte read
    # E-mail: ``smtp://user:pass@host:587`` (STARTTLS), ``smtps://…:465`` (TLS from the
    # start); none: each message is written as an .eml file under instance/outbox/.
    SMTP_URL: str | None = None
    MAIL_FROM = "portal@localhost"
    MAIL_TIMEOUT_SECONDS = 30.0  # each SMTP command, connection included
    MAIL_OUTBOX_DIR: str | None = None  # None: <instance>/outbox (tests point it elsewhere)
    # Delays before each attempt of a message; 4xx answers, timeouts and refused
    # connections are retried, 5xx answers fail at once (portal.mail.transport).
    MAIL_RETRY_SCHEDULE = "0,60,300,1800,7200,21600"
    # Seconds between two runs of the scheduled work (recurring invoices, reminders) in each
    # ``portal worker``; 0: the worker leaves it to ``portal run-scheduled`` (cron).
    SCHEDULE_INTERVAL_SECONDS = 300
    PROXY_COUNT = 0
    LOG_LEVEL = "INFO"


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True
    BASE_URL = "http://127.0.0.1:5000"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    BASE_URL = "http://localhost"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = True
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024
    PASSWORD_HASH_PARALLELISM = 1
    RATELIMIT_SWALLOW_ERRORS = False


class ProductionConfig(Config):
    ENV_NAME = "production"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the settings dict: class defaults, then ``PORTAL_*`` variables, then overrides."""
    overrides = dict(overrides or {})
    env_name = overrides.get("ENV_NAME") or _env("ENV", "production")
    if env_name not in CONFIGS:
        raise ConfigError(f"PORTAL_ENV must be one of {', '.join(CONFIGS)}, not {env_name!r}")
    cls = CONFIGS[env_name]
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}

    default_db = "sqlite:///" + str(Path(instance_path) / "portal.db")
    settings.update(
        SECRET_KEY=_env("SECRET_KEY", settings["SECRET_KEY"]),
        DATABASE_URL=_env("DATABASE_URL", default_db),
        RATELIMIT_STORAGE_URI=_env("RATELIMIT_STORAGE_URL", settings["RATELIMIT_STORAGE_URI"]),
        BABEL_DEFAULT_LOCALE=_env("DEFAULT_LOCALE", settings["BABEL_DEFAULT_LOCALE"]),
        WEBHOOK_ALLOW_PRIVATE_NETWORKS=_env_bool(
            "WEBHOOK_ALLOW_PRIVATE_NETWORKS", settings["WEBHOOK_ALLOW_PRIVATE_NETWORKS"]
        ),
        WEBHOOK_RETRY_SCHEDULE=_env("WEBHOOK_RETRY_SCHEDULE", settings["WEBHOOK_RETRY_SCHEDULE"]),
        MAIL_RETRY_SCHEDULE=_env("MAIL_RETRY_SCHEDULE", settings["MAIL_RETRY_SCHEDULE"]),
        SMTP_URL=_env("SMTP_URL", settings["SMTP_URL"]),
        MAIL_FROM=_env("MAIL_FROM", settings["MAIL_FROM"]),
        JWT_EXPIRES_SECONDS=int(_env("JWT_EXPIRES_SECONDS", str(settings["JWT_EXPIRES_SECONDS"]))),
        PROXY_COUNT=int(_env("PROXY_COUNT", str(settings["PROXY_COUNT"]))),
        SCHEDULE_INTERVAL_SECONDS=_env(
            "SCHEDULE_INTERVAL", str(settings["SCHEDULE_INTERVAL_SECONDS"])
        ),
        LOG_LEVEL=_env("LOG_LEVEL", settings["LOG_LEVEL"]),
        DB_LOCK_TIMEOUT_SECONDS=float(
            _env("DB_LOCK_TIMEOUT", str(settings["DB_LOCK_TIMEOUT_SECONDS"]))
        ),
        BASE_URL=_env("BASE_URL", settings["BASE_URL"]),
        DEFAULT_TIME_ZONE=_env("DEFAULT_TIME_ZONE", settings["DEFAULT_TIME_ZONE"]),
        REQUEST_TIMEOUT_SECONDS=request_timeout_seconds(),
    )
    settings.update(overrides)
    settings["ENV_NAME"] = env_name
    settings["DATABASE_URL"] = normalise_database_url(settings["DATABASE_URL"])

    if settings["BABEL_DEFAULT_LOCALE"] not in settings["SUPPORTED_LOCALES"]:
        raise ConfigError("PORTAL_DEFAULT_LOCALE must be 'es' or 'en'")
    secret = settings["SECRET_KEY"]
    if not secret:
        raise ConfigError(
            "PORTAL_SECRET_KEY is not set. Generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    if len(secret.encode()) < 32:
        raise ConfigError("PORTAL_SECRET_KEY must be at least 32 bytes long")
    for name in ("WEBHOOK_RETRY_SCHEDULE", "MAIL_RETRY_SCHEDULE"):
        if isinstance(settings[name], str):
            settings[name] = parse_schedule(settings[name], f"PORTAL_{name}")
    settings["SCHEDULE_INTERVAL_SECONDS"] = _schedule_interval(
        settings["SCHEDULE_INTERVAL_SECONDS"]
    )
    check_smtp_url(settings["SMTP_URL"])
    check_mail_from(settings["MAIL_FROM"])
    settings["BASE_URL"] = _check_base_url(settings["BASE_URL"], env_name)
    if not is_time_zone(settings["DEFAULT_TIME_ZONE"]):
        raise ConfigError(
            "PORTAL_DEFAULT_TIME_ZONE must be an IANA time zone such as Europe/Madrid"
        )
    return settings


def _schedule_interval(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 <= seconds <= 86400:
        raise ConfigError(
            "PORTAL_SCHEDULE_INTERVAL must be seconds from 0 (off) to 86400, such as 300"
        )
    return seconds
