"""Filter an image with cconv: Gaussian blur, sharpen and a Sobel edge map, side by side.

    python examples/quickstart.py [IMAGE] [-o OUTPUT.png]

Without IMAGE it makes a seeded photo-like test picture. It prints what it did, how long each
filter took, and the engine's configuration.
"""

import argparse
import time

import numpy as np
from PIL import Image

import cconv


def test_picture(height=480, width=640):
    y, x = np.mgrid[0:height, 0:width]
    rng = np.random.default_rng(0)
    red = 128 + 100 * np.sin(x / 40.0)
    green = 128 + 100 * np.cos(y / 30.0)
    blue = np.where((x // 80 + y // 80) % 2 == 0, 220, 40)
    picture = np.stack([red, green, blue], axis=-1) + rng.normal(0, 10, (height, width, 3))
    return np.clip(np.rint(picture), 0, 255).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image", nargs="?", help="an image file (default: a test picture)")
    parser.add_argument("-o", "--output", default="quickstart.png", help="output PNG")
    args = parser.parse_args()
    image = np.asarray(Image.open(args.image).convert("RGB")) if args.image else test_picture()

    radius = 6
    x = np.arange(-radius, radius + 1)
    gaussian_1d = np.exp(-0.5 * (x / 2.0) ** 2)
    gaussian = np.outer(gaussian_1d, gaussian_1d) / gaussian_1d.sum() ** 2
    sharpen = [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)

    panels = [image]
    for name, run in [
        ("gaussian blur 13x13", lambda: cconv.correlate(image, gaussian)),
        ("sharpen 3x3", lambda: cconv.correlate(image, sharpen)),
        ("sobel magnitude", lambda: np.hypot(
            cconv.correlate(image, sobel_x, dtype=np.float32),
            cconv.correlate(image, sobel_x.T, dtype=np.float32)).clip(0, 255).astype(np.uint8)),
    ]:
        start = time.perf_counter()
        result = run()
        print(f"{name:22s} {image.shape} {image.dtype}: {(time.perf_counter() - start) * 1e3:.1f} ms")
        panels.append(result)
    Image.fromarray(np.concatenate(panels, axis=1)).save(args.output)
    print(f"wrote {args.output}: original | blur | sharpen | edges")
    cconv.show_config()


if __name__ == "__main__":
    main()
