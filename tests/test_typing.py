"""A correct user script type-checks with mypy --strict against the installed cconv."""

import shutil
import subprocess
import sys

import pytest

SCRIPT = """
import numpy as np
from numpy.typing import NDArray
from PIL import Image

import cconv

image: NDArray[np.uint8] = np.zeros((8, 8, 3), np.uint8)
sharp: NDArray[np.generic] = cconv.correlate(image, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
flipped = cconv.convolve(image, np.ones((3, 3)) / 9, mode="reflect", threads=1, origin=(0, 1))
filled = cconv.correlate(image.astype(np.float32), np.ones((3, 3)), nan_policy="omit")
method: str = cconv.choose_method(cconv.kernels.gaussian(2.0), np.float32, (1080, 1920))
blurred: NDArray[np.generic] = cconv.gaussian_blur(image, sigma=2.0)
photo = Image.new("RGB", (8, 8))
soft: Image.Image = cconv.gaussian_blur(photo, 2.0)
bits: Image.Image = cconv.dither(photo.convert("L"), method="atkinson")
levels: NDArray[np.generic] = cconv.dither(image, 4, serpentine=True)
edges: Image.Image = cconv.edges(photo, "max")
custom: Image.Image = cconv.filter(photo, "motion-blur", length=9, angle=30.0)
relief = cconv.emboss(image, offset=128.0)
same: Image.Image = photo.filter(cconv.Kernel(np.ones((5, 5))))
half: NDArray[np.generic] = cconv.correlate(image, np.ones((3, 3)), stride=(2, 1))
smaller: Image.Image = cconv.pyramid_down(photo, levels=2)
thumb: Image.Image = cconv.filter(photo, "box", size=3, stride=2)

from typing import Any
from cconv import ndimage

gray: NDArray[np.float32] = np.zeros((8, 8), np.float32)
smooth: NDArray[Any] = ndimage.gaussian_filter(image, sigma=(2.0, 2.0, 0.0), mode="nearest")
into: NDArray[Any] = ndimage.correlate(gray, np.ones((3, 3)), output=np.float64, origin=(0, -1))
slope = ndimage.sobel(gray, axis=0, output=gray.copy())
flat = ndimage.uniform_filter1d(gray, 5, axis=1)
mixed = ndimage.uniform_filter(image, size=(3, 3, 1), mode=["reflect", "wrap", "nearest"])


def second(image: NDArray[Any], axis: int, output: Any, mode: str, cval: float) -> NDArray[Any]:
    return ndimage.correlate1d(image, [1.0, -2.0, 1.0], axis, output, mode, cval)


lap: NDArray[Any] = ndimage.generic_laplace(gray, second)
magnitude = ndimage.gaussian_gradient_magnitude(gray, 1.5, axes=(0, 1), truncate=3.0)
"""


def test_a_user_script_passes_mypy_strict(tmp_path):
    if shutil.which("mypy") is None:
        pytest.skip("mypy is not installed")
    script = tmp_path / "user.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
