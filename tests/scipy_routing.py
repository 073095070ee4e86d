"""A pytest plugin that runs scipy.ndimage's own filter tests against cconv.ndimage.

Loaded with ``-p scipy_routing`` by test_ndimage_scipy_suite.py, before scipy's test module is
imported: ``scipy.ndimage`` then names a module holding scipy's functions with cconv.ndimage's in
place of those it provides, so every ``ndimage.correlate(...)`` in scipy's tests calls cconv's.
Calls that cconv forwards still reach the real scipy.ndimage.

The tests that check what cconv does differently on purpose are expected to fail, each with
its reason (EXPECTED_FAILURES); xfail is strict, so one that starts passing is reported.
"""

import sys
import types

import pytest
import scipy.ndimage as real_ndimage
from scipy._lib import _array_api

from cconv import ndimage as cconv_ndimage

_INTEGER_ROUNDING = (
    "cconv rounds integer outputs to nearest and saturates them; scipy truncates toward zero"
)
_UNSIGNED_WRAP = (
    "the test's reference is two correlate1d calls on an unsigned image, whose "
    "negative differences scipy wraps and cconv saturates at 0; cconv's sobel and "
    "prewitt keep the difference in floating point until the end"
)
_ROUNDED_ONCE = (
    "the test adds (or squares) integer results of separate gaussian_filter "
    "calls, each rounded; cconv combines them in floating point and rounds once"
)
_FLOAT16 = "cconv filters float16 images (through float32); scipy raises RuntimeError"

# test id (a prefix of pytest's node name) -> reason
EXPECTED_FAILURES = {
    "test_uniform_filter1d_roundoff_errors": _INTEGER_ROUNDING,
    "test_gaussian_filter_float16": _FLOAT16,
    **{
        f"test_{name}0{n}[numpy-uint": _UNSIGNED_WRAP
        for name in ("sobel", "prewitt")
        for n in (1, 2, 3)
    },
    **{
        f"test_{name}0{n}[numpy-int32]": _ROUNDED_ONCE
        for name in ("gaussian_laplace", "gaussian_gradient_magnitude")
        for n in (1, 2)
    },
}


def _routed_module():
    module = types.ModuleType(real_ndimage.__name__, real_ndimage.__doc__)
    module.__dict__.update(real_ndimage.__dict__)
    for name in cconv_ndimage.__all__:
        ours = getattr(cconv_ndimage, name)
        setattr(module, name, ours)
        capabilities = _array_api.xp_capabilities_table.get(getattr(real_ndimage, name))
        if capabilities is not None:  # scipy's tests look their backends up by function
            _array_api.xp_capabilities_table[ours] = capabilities
    return module


def pytest_configure(config):
    import scipy

    routed = _routed_module()
    sys.modules[real_ndimage.__name__] = routed
    scipy.ndimage = routed
    cconv_ndimage._scipy_ndimage = lambda what: real_ndimage


def pytest_collection_modifyitems(config, items):
    for item in items:
        for prefix, reason in EXPECTED_FAILURES.items():
            if item.name.startswith(prefix):
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
