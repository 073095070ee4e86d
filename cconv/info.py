"""What this build of cconv is and what it uses at run time (OpenMP, SIMD level, threads)."""

from __future__ import annotations

from importlib import metadata

from . import _engine
from .api import default_threads

try:
    __version__ = metadata.version("cconv")
except metadata.PackageNotFoundError:  # imported from a build tree that was never installed
    __version__ = "0+unknown"


def build_info() -> dict:
    """The build and run-time configuration as a dict.

    Keys: ``version``; ``openmp`` (True when threads run in parallel); ``simd`` (the
    instruction-set level the engine uses now, chosen at import from what the CPU supports);
    ``simd_available`` (levels this build can run here); ``default_threads``.
    """
    return {
        "version": __version__,
        "openmp": _engine.engine.openmp_enabled(),
        "simd": _engine.level,
        "simd_available": _engine.available_levels(),
        "default_threads": default_threads(),
    }


def show_config() -> None:
    """Print :func:`build_info`, one ``key: value`` per line."""
    for key, value in build_info().items():
        if isinstance(value, list):
            value = ", ".join(value)
        print(f"{key}: {value}")
