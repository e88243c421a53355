"""Build step: a wheel carries the templates, static files, migrations and compiled catalogues.

The project's metadata lives in ``pyproject.toml``; this file only adds a ``build_py`` that
copies the top-level ``templates/``, ``static/`` and ``migrations/`` into
``portal/_bundled/`` and compiles ``translations/*/LC_MESSAGES/messages.po`` there as
``.mo`` (setuptools compiles no catalogue by itself). ``portal/resources.py`` prefers
``portal/_bundled`` when it exists; an editable install gets none and reads the checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
COPIED = ("templates", "static", "migrations")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.py[co]")


def compile_catalogues(source: Path, target: Path) -> list[Path]:
    """``pybabel compile`` for every ``<locale>/LC_MESSAGES/messages.po`` under ``source``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=po.parent.parent.name)
        errors = [(message.id, error) for message, errs in catalogue.check() for error in errs]
        if errors:
            raise SystemExit(f"{po}: {errors}")
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as handle:
            write_mo(handle, catalogue)
        written.append(mo)
    if not written:
        raise SystemExit(f"no messages.po under {source}")
    return written


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        bundled = Path(self.build_lib) / "portal" / "_bundled"
        shutil.rmtree(bundled, ignore_errors=True)
        for name in COPIED:
            shutil.copytree(ROOT / name, bundled / name, ignore=SKIPPED)
        compile_catalogues(ROOT / "translations", bundled / "translations")


setup(cmdclass={"build_py": BuildPyWithResources})
