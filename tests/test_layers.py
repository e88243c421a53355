"""The layering contract (``[tool.importlinter]`` in pyproject.toml) holds, and it bites.

``make lint`` runs ``lint-imports`` on the real tree; here it also runs on a copy of the
package with a violation planted, and must fail there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(  # noqa: S603 - this virtualenv's lint-imports, fixed arguments
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_of_the_package(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "portal", tree / "portal", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def plant(tree: Path, module: str, line: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_real_tree_keeps_every_contract(tmp_path):
    result = lint_imports(copy_of_the_package(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("portal.invoices.views", "from portal.api import quotes", "Pages never import the API"),
        (
            "portal.quotes.services",
            "from portal.quotes import views",
            "Within a feature: views above services above models",
        ),
        (
            "portal.catalog.models",
            "from portal.catalog import services",
            "Within a feature: views above services above models",
        ),
        (
            "portal.documents.kernel",
            "from portal.invoices.document import INVOICES",
            "The document kernel knows no document type",
        ),
        (
            "portal.api.users",
            "from portal.team import views",
            "The API never imports the pages",
        ),
    ],
)
def test_a_planted_violation_is_caught(tmp_path, module, line, broken):
    tree = copy_of_the_package(tmp_path)
    plant(tree, module, line)
    result = lint_imports(tree)
    assert result.returncode != 0, result.stdout
    assert f"{broken} BROKEN" in result.stdout, result.stdout
