"""Regenerate docs/gallery/: the bundled sample photo through cconv's filters.

    python docs/make_gallery.py

Writes one JPEG per filter (half size, to keep the repository small) and prints the Markdown
table the README shows.
"""

from pathlib import Path

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
            GALLERY / f"{label}.jpg", quality=85)
        options = " ".join(f"--{key} {value}" for key, value in params.items())
        command = "" if name is None else f"`cconv --filter {name} {options}`".replace(" `", "`")
        cells.append(f"![{label}](docs/gallery/{label}.jpg)<br>{label}<br>{command}")
    print("| " + " | ".join(cells[:5]) + " |")
    print("|" + "---|" * 5)
    print("| " + " | ".join(cells[5:]) + " |")


if __name__ == "__main__":
    main()
