"""cconv: fast 2-D convolution and correlation of images from Python.

>>> import numpy as np, cconv
>>> blurred = cconv.correlate(np.zeros((4, 6, 3), np.uint8), np.full((3, 3), 1 / 9))
>>> blurred.shape, blurred.dtype
((4, 6, 3), dtype('uint8'))
"""

from .api import MODES, convolve, correlate
from .info import __version__, build_info, show_config

__all__ = ["MODES", "__version__", "build_info", "convolve", "correlate", "show_config"]
