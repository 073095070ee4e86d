"""The tree keeps its lint rules and its formatting (pyproject.toml's [tool.ruff]), where ruff
is installed."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args):
    ruff = shutil.which("ruff")
    if ruff is None or not (ROOT / "pyproject.toml").is_file():
        pytest.skip("ruff is not installed, or the tests run outside the source tree")
    return subprocess.run(
        [ruff, *args, "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_ruff_check_passes():
    done = _ruff("check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_applied():
    done = _ruff("format", "--check")
    assert done.returncode == 0, "run `ruff format .`:\n" + done.stdout + done.stderr
