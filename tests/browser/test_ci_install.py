""".ci/install_chromium (called by .ci/run): installs only what is missing, never fails, and .ci/run then
runs exactly the README's test command. Checked with --dry-run and made-up paths (nothing is installed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "install_chromium"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def dry_run(tmp_path, chromium: Path, font: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "VPP_CHROMIUM": str(chromium), "VPP_CJK_FONT": str(font)}
    return subprocess.run(["bash", str(SCRIPT), "--dry-run"], capture_output=True, text=True, env=env, timeout=60)


def test_dry_run_installs_only_what_is_missing(tmp_path):
    exe = tmp_path / "chromium"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    font = tmp_path / "NotoSansCJK-Regular.ttc"
    font.write_bytes(b"")
    present = dry_run(tmp_path, exe, font)
    assert present.returncode == 0 and "nothing to install" in present.stdout

    both = dry_run(tmp_path, tmp_path / "no-chromium", tmp_path / "no-font")
    assert both.returncode == 0
    can_apt = os.geteuid() == 0 and shutil.which("apt-get") is not None
    if can_apt:
        assert re.search(r"would run: apt-get update -qq && apt-get install -y -qq --no-install-recommends "
                         r"chromium fonts-liberation fonts-noto-cjk$", both.stdout.strip()), both.stdout
        font_only = dry_run(tmp_path, exe, tmp_path / "no-font")
        assert font_only.stdout.strip().endswith("--no-install-recommends fonts-noto-cjk")
    else:  # not root / no apt: it says the browser tests will skip, and still exits 0
        assert "the browser tests will skip" in both.stderr


def test_ci_runs_the_installer_then_exactly_the_readme_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"```bash\n(python -m pip install -q -e .*)\n```", readme).group(1)
    lines = [ln for ln in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert lines[-2:] == ["bash .ci/install_chromium", command]
