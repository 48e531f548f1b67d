"""The import-linter contracts in pyproject.toml hold, and they can fail.

The layers of docs/architecture.md are only worth stating if a wrong import breaks the
build, so besides running the contracts on the tree, each contract is shown a copy of
the tree with one deliberately wrong import and must report it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kiosk", "drivers", "screens", "reference_platform", "devtools")


def lint_imports_command() -> list[str]:
    """``lint-imports`` of the interpreter running the tests (import-linter is a test dependency)."""
    beside = Path(sys.executable).with_name("lint-imports")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("lint-imports")
    if found:
        return [found]
    pytest.fail("lint-imports not found: import-linter is a test dependency, install the project with .[test]")


def lint(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    cmd = [*lint_imports_command(), "--no-cache", "--no-logo"]
    for c in contracts:
        cmd += ["--contract", c]
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_tree_keeps_every_contract() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packages and pyproject.toml, without tests, data or caches."""
    root = tmp_path_factory.mktemp("tree")
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, root / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


# (contract id, module to add or append to, source, what the report must name): each
# breaks the named contract.
BAD_IMPORTS = [
    ("drivers-standalone", "drivers/idreader/_bad.py", "from kiosk import config\n"),
    ("layers", "kiosk/services/_bad.py", "from kiosk.journeys import base\n"),
    ("layers", "kiosk/platform/_bad.py", "from kiosk.devices import status\n"),
    ("layers", "drivers/scanner/_bad.py", "import screens.widgets\n"),
    ("product-without-platform", "kiosk/ops/_bad.py", "import reference_platform.db\n"),
    ("product-without-platform", "screens/_bad.py", "from devtools import demo_script\n"),
    ("platform-sees-only-the-contract", "reference_platform/_bad.py", "from kiosk.config import Config\n"),
    ("contract-self-contained", "kiosk/platform/contract/_bad.py", "from kiosk import views\n"),
    ("kivy-only-in-ui", "kiosk/journeys/_bad.py", "from kivy.clock import Clock\n"),
    ("acyclic", "kiosk/bus.py", "from kiosk import runtime  # noqa: E402\n"),
]


@pytest.mark.parametrize(("contract", "module", "source"), BAD_IMPORTS, ids=[f"{c}:{m}" for c, m, _ in BAD_IMPORTS])
def test_a_wrong_import_breaks_its_contract(tree_copy: Path, contract: str, module: str, source: str) -> None:
    assert lint(tree_copy, contract).returncode == 0, "the copy keeps the contract before the bad import"
    bad = tree_copy / module
    before = bad.read_text(encoding="utf-8") if bad.exists() else None
    bad.write_text((before or "") + source, encoding="utf-8")
    try:
        result = lint(tree_copy, contract)
    finally:
        if before is None:
            bad.unlink()
        else:
            bad.write_text(before, encoding="utf-8")
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    named = module.removesuffix(".py").replace("/", ".")
    assert named in result.stdout or f".{named.rpartition('.')[2]} -> " in result.stdout, result.stdout
