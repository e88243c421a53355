"""Where the templates, static files, translations and migrations are.

A built wheel carries them inside the package, in ``portal/_bundled`` (see ``setup.py``); a
checkout or an editable install uses the repository's top-level folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_bundled"
ROOT = _BUNDLED if _BUNDLED.is_dir() else _PACKAGE.parent

TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
TRANSLATIONS = ROOT / "translations"
MIGRATIONS = ROOT / "migrations"
