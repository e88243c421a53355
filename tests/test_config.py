import pytest

from portal.config import ConfigError, load_config, normalise_database_url


def test_secret_key_is_required_and_long_enough(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        load_config(str(tmp_path), {"ENV_NAME": "production"})
    monkeypatch.setenv("PORTAL_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="32 bytes"):
        load_config(str(tmp_path), {"ENV_NAME": "production"})


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("PORTAL_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("PORTAL_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("PORTAL_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.com/")
    monkeypatch.setenv("PORTAL_DEFAULT_TIME_ZONE", "America/Bogota")
    monkeypatch.setenv("PORTAL_DB_LOCK_TIMEOUT", "2.5")
    settings = load_config(str(tmp_path), {"ENV_NAME": "production"})
    assert settings["BASE_URL"] == "https://portal.example.com"
    assert settings["DEFAULT_TIME_ZONE"] == "America/Bogota"
    assert settings["DB_LOCK_TIMEOUT_SECONDS"] == 2.5
    assert settings["DATABASE_URL"] == "postgresql+psycopg://u@h/db"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/1"
    assert settings["BABEL_DEFAULT_LOCALE"] == "en"
    assert settings["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_defaults(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "RATELIMIT_STORAGE_URL", "DEFAULT_LOCALE", "ENV"):
        monkeypatch.delenv(f"PORTAL_{name}", raising=False)
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.com")
    settings = load_config(str(tmp_path))
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path}/portal.db"
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["BABEL_DEFAULT_LOCALE"] == "es"
    assert settings["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] is False
    assert settings["ENV_NAME"] == "production"
    assert settings["DEFAULT_TIME_ZONE"] == "Europe/Madrid"
    assert settings["DB_LOCK_TIMEOUT_SECONDS"] == 10
    monkeypatch.delenv("PORTAL_BASE_URL")
    development = load_config(str(tmp_path), {"ENV_NAME": "development"})
    assert development["SESSION_COOKIE_SECURE"] is False
    assert development["BASE_URL"] == "http://127.0.0.1:5000"


def test_production_needs_the_public_base_url(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 40)
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_BASE_URL is not set"):
        load_config(str(tmp_path), {"ENV_NAME": "production"})
    for wrong in ("portal.example.com", "ftp://portal.example.com", "https://x.com/?a=1"):
        monkeypatch.setenv("PORTAL_BASE_URL", wrong)
        with pytest.raises(ConfigError, match="PORTAL_BASE_URL must be"):
            load_config(str(tmp_path), {"ENV_NAME": "production"})


def test_default_time_zone_must_be_a_real_zone(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("PORTAL_DEFAULT_TIME_ZONE", "Mars/Olympus_Mons")
    with pytest.raises(ConfigError, match="PORTAL_DEFAULT_TIME_ZONE"):
        load_config(str(tmp_path), {"ENV_NAME": "development"})


def test_bad_values_are_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 40)
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"ENV_NAME": "staging"})
    monkeypatch.setenv("PORTAL_DEFAULT_LOCALE", "fr")
    with pytest.raises(ConfigError):
        load_config(str(tmp_path))


def test_postgres_urls_get_the_psycopg_driver():
    assert normalise_database_url("postgres://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("sqlite:///a.db") == "sqlite:///a.db"
