"""The tree keeps its lint rules (pyproject.toml's [tool.ruff]), where ruff is installed."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_check_passes():
    ruff = shutil.which("ruff")
    if ruff is None or not (ROOT / "pyproject.toml").is_file():
        pytest.skip("ruff is not installed, or the tests run outside the source tree")
    done = subprocess.run([ruff, "check", "--no-cache", str(ROOT)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
