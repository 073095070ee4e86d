"""An image of more than 2**31 samples: no 32-bit index overflows on any path. Each result is
compared with tiles of the image filtered separately (small, so their indices are small)."""

import numpy as np
import pytest

import cconv

HEIGHT, WIDTH = 32800, 65536  # 2**31 + 2**21 samples; row 32768 starts at sample 2**31


def _available_memory() -> int:
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@pytest.fixture(scope="module")
def huge_image():
    if _available_memory() < 8 << 30:
        pytest.skip("needs 8 GiB of free memory")
    rows = np.random.default_rng(31).integers(0, 256, size=(41, WIDTH), dtype=np.uint8)
    # 41 rows repeated: a row read 2**31 samples (32768 rows) off would differ (32768 % 41 = 9)
    return np.tile(rows, (HEIGHT // 41, 1))


KERNELS = {
    "direct": np.random.default_rng(3).uniform(-1, 1, (3, 3)),
    "separable": cconv.kernels.gaussian(1.0, 5),
    "box": np.full((7, 7), 1 / 49),
    "integer direct": cconv.kernels.sharpen(),
}


@pytest.mark.parametrize("path", KERNELS)
def test_images_past_2_to_the_31_samples(huge_image, path):
    kernel = KERNELS[path]
    assert huge_image.size > 2**31
    result = cconv.correlate(huge_image, kernel, threads=2)
    reach = kernel.shape[0]
    for start, stop in ((32760, 32780), (HEIGHT - 40, HEIGHT), (0, 20)):
        low, high = max(0, start - reach), min(HEIGHT, stop + reach)
        tile = cconv.correlate(huge_image[low:high], kernel, threads=1)
        np.testing.assert_array_equal(
            result[start:stop],
            tile[start - low : stop - low],
            err_msg=f"rows {start}:{stop}, path {path}",
        )
