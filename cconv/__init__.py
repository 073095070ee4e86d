"""cconv: fast 2-D convolution and correlation of images from Python.

>>> import numpy as np, cconv
>>> blurred = cconv.correlate(np.zeros((4, 6, 3), np.uint8), np.full((3, 3), 1 / 9))
>>> blurred.shape, blurred.dtype
((4, 6, 3), dtype('uint8'))

The array API (correlate, convolve) and the kernel presets import without Pillow; the
ready-made filters, which also take Pillow images, error-diffusion dithering (dither) and
cconv.ndimage (scipy.ndimage's convolution filters on cconv's engine) load on first use.
"""

import importlib
from typing import TYPE_CHECKING

from . import kernels
from .api import METHODS, MODES, choose_method, convolve, correlate
from .info import __version__, build_info, show_config

_FILTERS = (
    "Kernel",
    "blur",
    "edges",
    "emboss",
    "filter",
    "gaussian_blur",
    "pyramid_down",
    "sharpen",
    "unsharp_mask",
)

__all__ = [
    "METHODS",
    "MODES",
    "__version__",
    "build_info",
    "choose_method",
    "convolve",
    "correlate",
    "dither",
    "kernels",
    "show_config",
    *_FILTERS,
]


if TYPE_CHECKING:  # what __getattr__ loads on first use, for type checkers
    from . import dask as dask
    from . import ndimage as ndimage
    from .dithering import dither as dither
    from .filters import Kernel as Kernel
    from .filters import blur as blur
    from .filters import edges as edges
    from .filters import emboss as emboss
    from .filters import filter as filter
    from .filters import gaussian_blur as gaussian_blur
    from .filters import pyramid_down as pyramid_down
    from .filters import sharpen as sharpen
    from .filters import unsharp_mask as unsharp_mask


def __getattr__(name):
    if name in ("ndimage", "dask"):
        value = importlib.import_module(f".{name}", __name__)
    elif name == "dither":
        value = importlib.import_module(".dithering", __name__).dither
    elif name in _FILTERS:
        value = getattr(importlib.import_module(".filters", __name__), name)
    else:
        raise AttributeError(f"module 'cconv' has no attribute {name!r}")
    globals()[name] = value  # found directly from now on, without this hook
    return value


def __dir__():
    return sorted(__all__)
