"""Regenerate docs/gallery/: the bundled sample photo through cconv's filters.

    python docs/make_gallery.py

Writes one JPEG per filter (half size, to keep the repository small; dithered pictures as PNG,
dithered at that size) and prints the Markdown table the README shows.
"""

from pathlib import Path

import numpy as np
from PIL import Image

import cconv

GALLERY = Path(__file__).parent / "gallery"
CASES = [
    ("original", None, {}),
    ("blur", "blur", {"size": 7}),
    ("gaussian-blur", "gaussian-blur", {"sigma": 3}),
    ("motion-blur", "motion-blur", {"length": 21, "angle": 30}),
    ("sharpen", "sharpen", {"amount": 2}),
    ("unsharp-mask", "unsharp-mask", {"sigma": 2, "amount": 2}),
    ("edges", "edges", {}),
    ("emboss", "emboss", {}),
    ("outline", "outline", {}),
    ("seed-sharpen", "seed-sharpen", {}),
]


def main():
    GALLERY.mkdir(exist_ok=True)
    photo = Image.open(Path(cconv.__file__).parent / "data" / "grace_hopper.jpg")
    cells = []
    for label, name, params in CASES:
        result = photo if name is None else cconv.filter(photo, name, **params)
        result.resize((photo.width // 2, photo.height // 2), Image.LANCZOS).save(
            GALLERY / f"{label}.jpg", quality=85
        )
        options = " ".join(f"--{key} {value}" for key, value in params.items())
        command = "" if name is None else f"`cconv --filter {name} {options}`".replace(" `", "`")
        cells.append(f"![{label}](docs/gallery/{label}.jpg)<br>{label}<br>{command}")
    cells += beyond(photo.resize((photo.width // 2, photo.height // 2), Image.LANCZOS))
    print("| " + " | ".join(cells[:5]) + " |")
    print("|" + "---|" * 5)
    for start in range(5, len(cells), 5):
        row = cells[start : start + 5]
        print("| " + " | ".join(row + [""] * (5 - len(row))) + " |")


def beyond(small):
    """Dithering, NaN holes filled by nan_policy='omit' and an image pyramid (stride 2), on
    the half-size photo."""
    cells = []
    for label, picture, command in [
        ("dither", cconv.dither(small), "`cconv --filter dither`"),
        (
            "dither-gray",
            cconv.dither(small.convert("L"), method="atkinson"),
            "`--method atkinson` on a gray photo",
        ),
    ]:
        picture.save(GALLERY / f"{label}.png")
        cells.append(f"![{label}](docs/gallery/{label}.png)<br>{label}<br>{command}")
    pixels = np.asarray(small, np.float32) / 255
    holes = np.random.default_rng(0).random(pixels.shape[:2]) < 0.3
    pixels[holes] = np.nan
    shown = Image.fromarray(np.uint8(np.nan_to_num(pixels) * 255))
    filled = cconv.gaussian_blur(pixels, 1.5, nan_policy="omit")
    for label, picture, command in [
        ("nan-holes", shown, "30% of pixels NaN (black)"),
        (
            "nan-filled",
            Image.fromarray(np.uint8(np.rint(filled * 255))),
            "`gaussian_blur(image, 1.5, nan_policy='omit')`",
        ),
    ]:
        picture.save(GALLERY / f"{label}.jpg", quality=85)
        cells.append(f"![{label}](docs/gallery/{label}.jpg)<br>{label}<br>{command}")
    levels = [small] + [cconv.pyramid_down(small, levels=n) for n in (1, 2, 3)]
    pyramid = Image.new("RGB", (sum(level.width for level in levels), small.height), "white")
    left = 0
    for level in levels:
        pyramid.paste(level, (left, small.height - level.height))
        left += level.width
    pyramid.save(GALLERY / "pyramid.jpg", quality=85)
    cells.append(
        "![pyramid](docs/gallery/pyramid.jpg)<br>pyramid<br>"
        "`cconv.pyramid_down(photo, levels=n)`, n = 0 to 3"
    )
    return cells


if __name__ == "__main__":
    main()
