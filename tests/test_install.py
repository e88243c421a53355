"""A wheel of the portal, installed outside the checkout, speaks Spanish and has its files.

The README's production path, end to end: build a wheel of the project (``pip wheel --no-deps
--no-build-isolation``: setuptools and Babel come from this virtualenv, nothing is downloaded),
install it into a fresh virtualenv, then, in an empty directory holding only ``app.py``, run
``flask --app app portal init-db`` and ``gunicorn app:app`` with ``PORTAL_ENV=production``. The
fresh virtualenv borrows this one's dependencies through a ``.pth`` file (plain paths: the ``.pth``
files there, such as an editable install of the checkout, are not read), and every process runs
without ``PYTHONPATH``, so the only ``portal`` it can import is the installed one.

Last, the hashed lock files that ``make`` installs from still cover ``pyproject.toml``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import site
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import time
import tomllib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
import requests
from alembic.script import ScriptDirectory
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
NOT_BUILT = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "instance", "*.egg-info", "__pycache__", ".*_cache",
    "tests", "bench", "docs", "test-artifacts",
)  # fmt: skip
SECRET = "install-test-" + "x" * 40
COMMAND_SECONDS = 120
BOOT_SECONDS = 30


@dataclass
class Installed:
    python: Path
    site_packages: Path
    workdir: Path
    port: int
    env: dict[str, str]
    init_db: subprocess.CompletedProcess


def _run(args: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 - this interpreter and the fresh one, fixed arguments
        [str(arg) for arg in args],
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        **kwargs,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def _this_interpreters_site_packages() -> list[str]:
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([*site.getsitepackages(), paths["purelib"], paths["platlib"]]))


def _assert_build_requirements_installed() -> None:
    """Without build isolation pip checks nothing: an old setuptools fails with no clear word."""
    build_system = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    for requirement in map(Requirement, build_system["requires"]):
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            installed = None
        assert installed and requirement.specifier.contains(installed), (
            f"building the wheel needs {requirement}, this environment has {installed}: "
            "run `make install-dev` (the dev lock has it)"
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    tmp = tmp_path_factory.mktemp("install")
    source, wheels, venv, workdir = tmp / "source", tmp / "wheels", tmp / "venv", tmp / "run"

    _assert_build_requirements_installed()
    shutil.copytree(ROOT, source, ignore=NOT_BUILT)
    build = ["wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", wheels, source]
    _run([sys.executable, "-m", "pip", *build])
    (wheel,) = wheels.glob("portal-*.whl")

    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    # Installed before the .pth exists, so pip sees no other portal (such as this checkout's).
    install = ["--python", python, "install", "--no-deps", "--no-index", wheel]
    _run([sys.executable, "-m", "pip", *install])
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    site_packages = Path(purelib.stdout.strip())
    borrowed = "".join(f"{path}\n" for path in _this_interpreters_site_packages())
    (site_packages / "portal-test-dependencies.pth").write_text(borrowed)

    workdir.mkdir()
    shutil.copy(ROOT / "app.py", workdir / "app.py")
    port = _free_port()
    scrubbed = ("PORTAL_", "FLASK_", "PYTHON")
    env = {k: v for k, v in os.environ.items() if not k.startswith(scrubbed)}
    env.update(
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY=SECRET,
        PORTAL_DATABASE_URL=f"sqlite:///{tmp / 'portal.db'}",
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
    )
    init_db = _run(
        [python, "-m", "flask", "--app", "app", "portal", "init-db"], cwd=workdir, env=env
    )
    return Installed(python, site_packages, workdir, port, env, init_db)


@pytest.fixture(scope="module")
def server(installed: Installed) -> Iterator[str]:
    help_text = _run([installed.python, "-m", "gunicorn", "--help"], env=installed.env).stdout
    # gunicorn >= 25 opens a control socket under ~/.gunicorn; this server needs none.
    control = ["--no-control-socket"] if "--no-control-socket" in help_text else []
    bind = ["--bind", f"127.0.0.1:{installed.port}", "--workers", "1"]
    log = installed.workdir / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - the fresh virtualenv's gunicorn
            [installed.python, "-m", "gunicorn", *control, *bind, "app:app"],
            cwd=installed.workdir,
            env=installed.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = installed.env["PORTAL_BASE_URL"]
    try:
        _wait_until_answering(url + "/static/favicon.svg", process, log)
        yield url
    finally:
        _stop(process)


def _wait_until_answering(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            requests.get(url, timeout=5).close()
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"gunicorn did not answer in {BOOT_SECONDS} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's master, SIGKILL to its whole session if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_the_portal_that_runs_is_the_installed_wheel_with_its_resources(installed):
    probe = (
        "import portal, portal.resources as r; "
        "print(portal.__file__); print(r.ROOT); "
        "print(*sorted(p.name for p in r.ROOT.iterdir()))"
    )
    lines = _run([installed.python, "-c", probe], cwd=installed.workdir, env=installed.env)
    package_file, root, folders = lines.stdout.splitlines()
    assert Path(package_file) == installed.site_packages / "portal" / "__init__.py"
    assert Path(root) == installed.site_packages / "portal" / "_bundled"
    assert folders.split() == ["migrations", "static", "templates", "translations"]
    mo = Path(root) / "translations" / "es" / "LC_MESSAGES" / "messages.mo"
    assert mo.stat().st_size > 0


def test_init_db_migrates_to_the_latest_revision(installed):
    assert "latest revision" in installed.init_db.stdout
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    database = installed.env["PORTAL_DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]


def test_the_api_answers_in_spanish(server):
    response = requests.get(server + "/api/v1/me", timeout=10)
    assert response.status_code == 401
    assert response.json()["error"] == "No autorizado"


def test_the_login_page_is_spanish_html(server):
    response = requests.get(server + "/login", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert 'lang="es"' in page
    assert "Iniciar sesión" in page and "¿Eres nuevo?" in page


def test_static_files_are_served(server):
    response = requests.get(server + "/static/css/portal.css", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.content == (ROOT / "static" / "css" / "portal.css").read_bytes()


def _pins(lock: Path) -> dict[str, Version]:
    pins = {}
    for line in lock.read_text().splitlines():
        if match := re.match(r"([A-Za-z0-9._-]+)==(\S+) \\$", line):
            pins[canonicalize_name(match[1])] = Version(match[2])
    return pins


def test_the_locks_pin_every_declared_dependency_alike():
    """``make lock`` was run after the last change to the dependencies in ``pyproject.toml``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = (
        _pins(ROOT / "requirements" / "runtime.txt"),
        _pins(ROOT / "requirements" / "dev.txt"),
    )
    for pins, declared in (
        (runtime, project["dependencies"]),
        (dev, project["dependencies"] + project["optional-dependencies"]["dev"]),
    ):
        for requirement in map(Requirement, declared):
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{name} is not in the lock: run `make lock`"
            assert requirement.specifier.contains(pins[name]), (
                f"{name}=={pins[name]}: run `make lock`"
            )
    assert {name: dev[name] for name in runtime} == runtime
