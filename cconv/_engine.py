"""Runtime dispatch: import the fastest compiled engine module this CPU can run.

The engine (src/_core.pyx) is built once per instruction-set level. The baseline module runs
on every x86-64 CPU, so it is imported first and asked which levels the CPU supports; only then
is a faster module imported. Set the environment variable CCONV_SIMD to a level name
(``baseline``, ``avx2``, ``avx512``) to cap the choice, for example to compare or debug.
"""

from __future__ import annotations

import importlib
import os

try:
    from . import _core_baseline
except ImportError:  # a source folder, whose engine was never compiled
    raise ImportError(
        f"cconv's compiled engine is missing from {os.path.dirname(__file__)}: that is the "
        "source folder, not an installed build. Run from another directory (a clone's root "
        "puts its cconv/ folder first on sys.path, shadowing the installed package; there, run "
        "`pytest`, not `python -m pytest`), or install first: `python -m pip install .`"
    ) from None  # (the circular-import message Python gives first would only mislead)

LEVELS = ("baseline", "avx2", "avx512")


def available_levels() -> list[str]:
    """Levels this CPU runs and this build has, slowest first."""
    levels = []
    for level in _core_baseline.cpu_levels():
        try:
            importlib.import_module(f"cconv._core_{level}")
        except ImportError:  # a build for a CPU family without that level
            continue
        levels.append(level)
    return levels


def load(level: str):
    """The engine module for `level` (ValueError when this CPU or build cannot run it)."""
    if level not in available_levels():
        raise ValueError(
            f"SIMD level {level!r} is not available here; available: {available_levels()}"
        )
    return importlib.import_module(f"cconv._core_{level}")


def _initial_level() -> str:
    levels = available_levels()
    requested = os.environ.get("CCONV_SIMD")
    if requested is None:
        return levels[-1]
    if requested not in LEVELS:
        raise ImportError(f"CCONV_SIMD must be one of {LEVELS}, got {requested!r}")
    allowed = LEVELS[: LEVELS.index(requested) + 1]
    return [level for level in levels if level in allowed][-1]


level = _initial_level()
"""The level in use."""

engine = load(level)
"""The engine module in use: cconv.api calls ``engine.correlate``."""
