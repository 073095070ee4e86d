"""Kernel presets: functions returning float64 2-D arrays, and the registry that names them.

Every kernel is meant for :func:`cconv.correlate` (the kernel slides as written, unflipped), with
rows along y (downwards) and columns along x (rightwards). For the symmetric kernels correlation
and convolution agree; for the oriented ones (Sobel, Prewitt, Scharr, emboss) the docstring
says which direction gives a positive response under correlation.

This module is data: it imports neither the array API nor the engine. ``PRESETS`` maps a name to
its function; :func:`cconv.filter` and the ``cconv`` command look names up there, so a name
means the same kernel everywhere.
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np

__all__ = [
    "PRESETS",
    "box",
    "emboss",
    "gaussian",
    "get",
    "identity",
    "laplacian",
    "motion_blur",
    "outline",
    "prewitt_x",
    "prewitt_y",
    "scharr_x",
    "scharr_y",
    "seed_blur",
    "seed_emboss",
    "seed_gaussian",
    "seed_sharpen",
    "seed_sobel_x",
    "seed_sobel_y",
    "sharpen",
    "sobel_x",
    "sobel_y",
    "unsharp_mask",
]


def _positive(name, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not value > 0
        or not math.isfinite(value)
    ):
        raise ValueError(f"`{name}` must be a finite number > 0, got {value!r}")
    return float(value)


def _finite(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"`{name}` must be a finite number, got {value!r}")
    return float(value)


def _odd_size(name, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 1
        or value % 2 == 0
    ):
        raise ValueError(f"`{name}` must be an odd integer >= 1, got {value!r}")
    return int(value)


def identity() -> np.ndarray:
    """``[[1]]``: leaves the image unchanged (useful to check a pipeline)."""
    return np.ones((1, 1))


def box(size: int = 3) -> np.ndarray:
    """Box blur: a ``size`` x ``size`` square of ``1 / size**2`` (the mean of the window).
    ``size`` is odd, so the window is centred."""
    size = _odd_size("size", size)
    return np.full((size, size), 1.0 / size**2)


def _gaussian_1d(sigma, size):
    radius = size // 2
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    weights = np.exp(-0.5 * (x / sigma) ** 2)
    return weights / weights.sum()


class Outer:
    """A separable kernel by its factors: the weights ``scale * np.outer(column, row)`` (each
    computed as numpy computes that expression), which the separable presets hand to the array
    API instead of multiplying them out. Private to cconv: :func:`whole` gives the weights
    where a path needs every one; the separable path needs only the factors
    (cconv.api._outer_factors)."""

    __slots__ = ("column", "row", "scale", "shape", "_key")

    def __init__(self, column: np.ndarray, row: np.ndarray, scale: float = 1.0):
        self.column = np.array(column, np.float64)
        self.row = np.array(row, np.float64)
        self.scale = float(scale)
        self.column.flags.writeable = self.row.flags.writeable = False
        self.shape = (len(self.column), len(self.row))
        self._key = None

    @property
    def key(self) -> tuple:
        """What identifies the weights, for caches (made once, when first asked)."""
        if self._key is None:
            self._key = ("outer", self.column.tobytes(), self.row.tobytes(), self.scale)
        return self._key

    def __reduce__(self):  # (pickled for Dask's workers)
        return (Outer, (self.column, self.row, self.scale))

    def whole(self) -> np.ndarray:
        return self.scale * np.outer(self.column, self.row)

    def flipped(self) -> Outer:
        """The weights upside down and left to right (convolution's)."""
        return Outer(self.column[::-1], self.row[::-1], self.scale)

    def sum(self) -> float:
        """The weights' sum, to rounding."""
        return self.scale * float(self.column.sum()) * float(self.row.sum())


def gaussian_factors(sigma: float = 1.0, size: int | None = None, scale: float = 1.0) -> Outer:
    """``scale * gaussian(sigma, size)`` as its factors (see Outer)."""
    sigma = _positive("sigma", sigma)
    size = 2 * int(4 * sigma + 0.5) + 1 if size is None else _odd_size("size", size)
    weights = _gaussian_1d(sigma, size)
    return Outer(weights, weights, scale)


def gaussian(sigma: float = 1.0, size: int | None = None) -> np.ndarray:
    """Normalised 2-D Gaussian ``exp(-(x² + y²) / (2 sigma²))``, summing to 1.

    Default ``size`` is ``2 * int(4 * sigma + 0.5) + 1``: the radius scipy.ndimage's
    ``gaussian_filter`` (truncate=4) uses, which OpenCV's GaussianBlur matches on float input.
    It is the outer product of the 1-D kernel with itself (separable).
    """
    sigma = _positive("sigma", sigma)
    size = 2 * int(4 * sigma + 0.5) + 1 if size is None else _odd_size("size", size)
    weights = _gaussian_1d(sigma, size)
    return np.outer(weights, weights)


def sharpen(amount: float = 1.0) -> np.ndarray:
    """``[[0, -a, 0], [-a, 1 + 4a, -a], [0, -a, 0]]`` with ``a = amount``: identity minus ``a``
    times the 4-neighbour Laplacian. Sums to 1, so flat areas keep their value; ``amount=1``
    is the classic ``[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]``."""
    amount = _finite("amount", amount)
    kernel = -amount * laplacian(4)
    kernel[1, 1] += 1.0
    return kernel


def unsharp_mask(sigma: float = 1.0, amount: float = 1.0, size: int | None = None) -> np.ndarray:
    """Unsharp mask: ``(1 + amount) * identity - amount * gaussian(sigma, size)``, summing to 1.
    Sharpens by adding back ``amount`` times the detail a Gaussian blur removes."""
    amount = _finite("amount", amount)
    kernel = -amount * gaussian(sigma, size)
    kernel[kernel.shape[0] // 2, kernel.shape[1] // 2] += 1.0 + amount
    return kernel


def laplacian(neighbours: int = 4) -> np.ndarray:
    """Discrete Laplacian, centre negative (OpenCV's ``Laplacian(ksize=1)`` sign; scikit-image's
    ``laplace`` has the opposite sign). ``neighbours=4``: ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]``;
    ``neighbours=8``: ones around ``-8``. Sums to 0."""
    if neighbours == 4:
        return np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])
    if neighbours == 8:
        return np.array([[1.0, 1, 1], [1, -8, 1], [1, 1, 1]])
    raise ValueError(f"`neighbours` must be 4 or 8, got {neighbours!r}")


def sobel_x() -> np.ndarray:
    """``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]``: unnormalised, positive where brightness rises
    to the right, 8 on a unit ramp (as scipy.ndimage.sobel and cv2.Sobel)."""
    return np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])


def sobel_y() -> np.ndarray:
    """``sobel_x().T``: positive where brightness rises downwards."""
    return sobel_x().T.copy()


def prewitt_x() -> np.ndarray:
    """``[[-1, 0, 1]] * 3`` rows: unnormalised, positive where brightness rises to the right,
    6 on a unit ramp."""
    return np.array([[-1.0, 0, 1]] * 3)


def prewitt_y() -> np.ndarray:
    """``prewitt_x().T``: positive where brightness rises downwards."""
    return prewitt_x().T.copy()


def scharr_x() -> np.ndarray:
    """``[[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]]`` (OpenCV's Scharr): unnormalised, positive where
    brightness rises to the right, 32 on a unit ramp."""
    return np.array([[-3.0, 0, 3], [-10, 0, 10], [-3, 0, 3]])


def scharr_y() -> np.ndarray:
    """``scharr_x().T``: positive where brightness rises downwards."""
    return scharr_x().T.copy()


def emboss() -> np.ndarray:
    """``[[-2, -1, 0], [-1, 0, 1], [0, 1, 2]]``: relief lit from the top left. Sums to 0, so
    flat areas give 0: :func:`cconv.emboss` adds the usual mid-grey offset (128 for uint8)."""
    return np.array([[-2.0, -1, 0], [-1, 0, 1], [0, 1, 2]])


def outline() -> np.ndarray:
    """``[[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]``: edges bright on black; sums to 0."""
    return np.array([[-1.0, -1, -1], [-1, 8, -1], [-1, -1, -1]])


def motion_blur(length: int = 9, angle: float = 0.0) -> np.ndarray:
    """Linear motion blur: a line ``length`` pixels long through the centre of a ``length`` x
    ``length`` kernel (``length`` odd), at ``angle`` degrees counter-clockwise from the x axis
    (0 = horizontal, 90 = vertical). Each pixel's weight is the length of line it covers, found
    by sampling the line 16 times per pixel; normalised to sum to 1."""
    length = _odd_size("length", length)
    angle = math.radians(_finite("angle", angle))
    kernel = np.zeros((length, length))
    centre = length // 2
    steps = np.linspace(-(length - 1) / 2, (length - 1) / 2, 16 * length)
    columns = np.rint(centre + steps * math.cos(angle)).astype(int)
    rows = np.rint(centre - steps * math.sin(angle)).astype(int)
    np.add.at(kernel, (rows, columns), 1.0)
    return kernel / kernel.sum()


# The seed article's kernels, under their own names, with its coefficients.
def seed_blur() -> np.ndarray:
    """The seed article's 3x3 blur: ``[[1, 2, 1], [2, 4, 2], [1, 2, 1]] / 16``."""
    return np.array([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16


def seed_gaussian() -> np.ndarray:
    """The seed article's 5x5 Gaussian, integer weights over 273."""
    return (
        np.array(
            [
                [1.0, 4, 7, 4, 1],
                [4, 16, 26, 16, 4],
                [7, 26, 41, 26, 7],
                [4, 16, 26, 16, 4],
                [1, 4, 7, 4, 1],
            ]
        )
        / 273
    )


def seed_sharpen() -> np.ndarray:
    """The seed article's sharpen: ``[[-1, -1, -1], [-1, 9, -1], [-1, -1, -1]]``."""
    return np.array([[-1.0, -1, -1], [-1, 9, -1], [-1, -1, -1]])


def seed_emboss() -> np.ndarray:
    """The seed article's emboss: ``[[2, 0, 0], [0, -1, 0], [0, 0, -1]]`` (sums to 0)."""
    return np.array([[2.0, 0, 0], [0, -1, 0], [0, 0, -1]])


def seed_sobel_x() -> np.ndarray:
    """The seed article's horizontal Sobel, the same as :func:`sobel_x`."""
    return sobel_x()


def seed_sobel_y() -> np.ndarray:
    """The seed article's vertical Sobel, the same as :func:`sobel_y`."""
    return sobel_y()


PRESETS = {
    function.__name__.replace("_", "-"): function
    for function in (
        identity,
        box,
        gaussian,
        sharpen,
        unsharp_mask,
        laplacian,
        sobel_x,
        sobel_y,
        prewitt_x,
        prewitt_y,
        scharr_x,
        scharr_y,
        emboss,
        outline,
        motion_blur,
        seed_blur,
        seed_gaussian,
        seed_sharpen,
        seed_emboss,
        seed_sobel_x,
        seed_sobel_y,
    )
}
"""Preset name (hyphenated, as the command line spells it) -> the function that builds it."""


def parameters(name: str) -> dict:
    """The parameters of preset `name` with their defaults, e.g.
    ``{'sigma': 1.0, 'size': None}``."""
    return {
        parameter.name: parameter.default
        for parameter in inspect.signature(_lookup(name)).parameters.values()
    }


def get(name: str, **params) -> np.ndarray:
    """The kernel of preset `name` (``'gaussian'``, ``'sobel-x'``; underscores work too) built
    with `params`. Unknown names and parameters raise ValueError."""
    function = _lookup(name)
    unknown = set(params) - set(parameters(name))
    if unknown:
        raise ValueError(
            f"preset {name!r} takes {sorted(parameters(name)) or 'no parameters'}, "
            f"not {sorted(unknown)}"
        )
    return function(**params)


def _lookup(name):
    key = name.replace("_", "-") if isinstance(name, str) else name
    if key not in PRESETS:
        raise ValueError(f"unknown kernel preset {name!r}; presets: {', '.join(PRESETS)}")
    return PRESETS[key]
