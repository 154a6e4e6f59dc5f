"""Import layers (docs/architecture.md, "Layers"): the import-linter contracts of pyproject.toml hold.

``lint-imports`` checks the contracts (layers, forbidden imports, no cycles between sibling modules,
function-local imports included). The two other tests cover what import-linter cannot see: every module
of ``vpp`` is placed in a layer (a new module must be given one), and nothing imports ``cli.py`` (a
top-level module, not a package, so not a root of the import graph).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("vpp", "optimization", "network_models", "scenarios")


def _contract(contract_id: str) -> dict:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return next(c for c in cfg["contracts"] if c.get("id") == contract_id)


def test_import_contracts_hold():
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    r = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_vpp_module_is_in_a_layer():
    layered = set()
    for layer in _contract("layers")["layers"]:
        for sep in ("|", ":"):
            layer = layer.replace(sep, " ")
        layered |= set(layer.split())
    children = {f"vpp.{p.stem}" for p in (ROOT / "vpp").glob("*.py") if p.stem != "__init__"}
    children |= {f"vpp.{p.parent.name}" for p in (ROOT / "vpp").glob("*/__init__.py")}
    missing = sorted(children - layered)
    assert not missing, f"put these modules into a layer of [tool.importlinter] in pyproject.toml: {missing}"


def test_no_project_module_imports_cli():
    offenders = []
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
                if any(n == "cli" or n.startswith("cli.") for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"cli.py is the top layer; these modules import it: {offenders}"
