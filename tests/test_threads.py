"""Many Python threads calling cconv at once get the results of the same calls made one after
another (the engine releases the GIL; a free-threaded Python runs the Python layer at once)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

import cconv


def calls():
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (120, 150), dtype=np.uint8)
    rgb = rng.uniform(0, 1, (90, 110, 3)).astype(np.float32)
    holes = rgb.copy()
    holes[rng.random(holes.shape) < 0.05] = np.nan
    photo = Image.fromarray(rng.integers(0, 256, (60, 80, 4), dtype=np.uint8))
    random_kernel = rng.uniform(-1, 1, (5, 5))
    large_kernel = rng.uniform(0, 1, (40, 40))
    large_kernel /= large_kernel.sum()
    return [
        lambda: cconv.correlate(gray, random_kernel),
        lambda: cconv.convolve(rgb, cconv.kernels.gaussian(2.0), mode="wrap"),
        lambda: cconv.correlate(gray, large_kernel),  # FFT tiles
        lambda: cconv.blur(rgb, 9),
        lambda: cconv.edges(gray),
        lambda: cconv.correlate(holes, np.ones((3, 3)), nan_policy="omit"),
        lambda: cconv.dither(gray, 3),
        lambda: np.asarray(cconv.gaussian_blur(photo, 1.5)),
        lambda: cconv.ndimage.sobel(rgb, axis=0),
    ]


def test_many_threads_get_the_serial_results():
    functions = calls()
    expected = [function() for function in functions]
    work = [i % len(functions) for i in range(8 * len(functions))]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: functions[i](), work))
    for i, result in zip(work, results):
        np.testing.assert_array_equal(result, expected[i])
