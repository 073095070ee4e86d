"""Time what cconv does that its peers do partly or not at all, against the nearest thing they
have, on 1920x1080 images (the bundled photo, resized).

    python benchmarks/bench_beyond_peers.py            # every table
    python benchmarks/bench_beyond_peers.py --quick    # fewer repeats
    python benchmarks/bench_beyond_peers.py stride     # one table (nan, stride, dither)

- nan: nan_policy='omit' (normalised convolution) on a float32 image with 5% NaN pixels,
  against astropy.convolution.convolve(nan_treatment='interpolate'), checked first to agree
  within float32 rounding.
- stride: the strided result against the full one (the same call, stride 1) and OpenCV's
  nearest call sliced (filter2D / sepFilter2D then [::2, ::2]); pyramid_down against
  cv2.pyrDown. Each strided result is first checked to equal the full one decimated.
- dither: error diffusion, against Pillow's Floyd-Steinberg (``convert('1')`` for two gray
  levels, ``quantize(palette=...)`` for a palette), Pillow image in, Pillow image out on both
  sides; cconv's own other kernels for scale. Each cconv result is first checked against
  Pillow's (the same average tone over 16x16 blocks: the two differ pixel by pixel, since
  Pillow sends 128 to black and its palette search is its own).

Calls are interleaved and the median reported (benchmarks/bench.py's median_times); "1" runs
cconv with threads=1, "all" with every core (Pillow is single-threaded).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import cconv  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from bench import median_times  # noqa: E402


def photo(mode):
    path = Path(cconv.__file__).parent / "data" / "grace_hopper.jpg"
    return Image.open(path).convert(mode).resize((1920, 1080), Image.Resampling.BICUBIC)


def same_tone(ours, theirs):
    """Largest difference of the mean over 16x16 blocks, in levels of 255."""
    a = np.asarray(ours.convert("RGB"), np.float64)
    b = np.asarray(theirs.convert("RGB"), np.float64)
    blocks = (a - b)[:1072, :1920].reshape(67, 16, 120, 16, 3).mean(axis=(1, 3))
    return np.abs(blocks).max()


def nan_table(repeats, budget):
    try:
        from astropy.convolution import convolve as astropy_convolve
    except ImportError:
        print("\nthe nan table needs astropy")
        return
    rng = np.random.default_rng(0)
    image = np.asarray(photo("L"), np.float32) / 255
    image[rng.random(image.shape) < 0.05] = np.nan
    rgb = np.asarray(photo("RGB"), np.float32) / 255
    rgb[rng.random(rgb.shape[:2]) < 0.05] = np.nan
    cases = [
        ("gray, Gaussian sigma 1 (9x9)", image, cconv.kernels.gaussian(1.0)),
        ("gray, Gaussian sigma 3 (25x25)", image, cconv.kernels.gaussian(3.0)),
        ("gray, box 5x5", image, np.ones((5, 5))),
        ("gray, random 7x7", image, rng.uniform(0.1, 1, (7, 7))),
        ("RGB, Gaussian sigma 1 (9x9)", rgb, cconv.kernels.gaussian(1.0)),
    ]
    print(
        "\nnan_policy='omit', 1920x1080 float32 photo with 5% NaN, milliseconds; ratio = "
        "cconv / astropy (float64 inside, one thread)\n"
    )
    print("| case | threads | cconv | astropy | ratio |")
    print("|---|---|---|---|---|")
    for name, array, kernel in cases:

        def theirs():
            planes = [array] if array.ndim == 2 else np.moveaxis(array, -1, 0)
            return np.stack(
                [
                    astropy_convolve(p, kernel, boundary="extend", nan_treatment="interpolate")
                    for p in planes
                ],
                axis=-1,
            ).reshape(array.shape)

        expected = theirs()
        got = cconv.convolve(array, kernel, nan_policy="omit")
        error = np.nanmax(np.abs(got - expected))
        if error > 1e-5 or not np.array_equal(np.isnan(got), np.isnan(expected)):
            print(f"| {name} | - | FAILED check: {error:.1e} | | |")
            continue
        astropy_time = None
        for threads in (1, None):
            functions = {
                "cconv": lambda: cconv.convolve(array, kernel, nan_policy="omit", threads=threads)
            }
            if astropy_time is None:
                functions["astropy"] = theirs
            m = median_times(functions, repeats if astropy_time is None else repeats, budget)
            astropy_time = m.get("astropy", astropy_time)
            print(
                f"| {name} | {threads or 'all'} | {m['cconv'] * 1e3:.2f} | "
                f"{astropy_time * 1e3:.1f} | {m['cconv'] / astropy_time:.3f} |",
                flush=True,
            )


def stride_table(repeats, budget):
    try:
        import cv2
    except ImportError:
        print("\nthe stride table needs OpenCV")
        return
    rng = np.random.default_rng(0)
    gray, rgb = np.asarray(photo("L")), np.asarray(photo("RGB"))
    random7 = rng.uniform(-1, 1, (7, 7))
    gaussian = cconv.kernels.gaussian(1.0)
    line = cv2.getGaussianKernel(9, 1.0)
    cases = []
    for label, image in (("gray", gray), ("RGB", rgb)):
        for dtype in (np.uint8, np.float32):
            array = image.astype(dtype)
            name = f"{label} {np.dtype(dtype).name}"
            cases += [
                (
                    f"{name}, pyramid_down",
                    lambda t, a=array: cconv.pyramid_down(a, threads=t),
                    lambda a=array: cv2.pyrDown(a),
                    None,
                ),
                (
                    f"{name}, random 7x7, stride 2",
                    lambda t, a=array: cconv.correlate(a, random7, stride=2, threads=t),
                    lambda a=array: cv2.filter2D(a, -1, random7, borderType=cv2.BORDER_REPLICATE)[
                        ::2, ::2
                    ],
                    lambda t, a=array: cconv.correlate(a, random7, threads=t),
                ),
                (
                    f"{name}, Gaussian 9x9, stride 2",
                    lambda t, a=array: cconv.correlate(a, gaussian, stride=2, threads=t),
                    lambda a=array: cv2.sepFilter2D(
                        a, -1, line, line, borderType=cv2.BORDER_REPLICATE
                    )[::2, ::2],
                    lambda t, a=array: cconv.correlate(a, gaussian, threads=t),
                ),
            ]
    print(
        "\nstride, 1920x1080 photo, milliseconds; full = the same cconv call at stride 1; "
        "ratio = cconv / OpenCV (OpenCV at equal threads)\n"
    )
    print("| case | threads | cconv | full | OpenCV | ratio |")
    print("|---|---|---|---|---|---|")
    for name, ours, theirs, full in cases:
        if full is not None and not np.array_equal(ours(1), full(1)[::2, ::2]):
            print(f"| {name} | - | FAILED check | | | |")
            continue
        for threads in (1, None):
            cv2.setNumThreads(threads or os.cpu_count())
            functions = {"cconv": lambda: ours(threads), "OpenCV": theirs}
            if full is not None:
                functions["full"] = lambda: full(threads)
            m = median_times(functions, repeats, budget)
            whole = f"{m['full'] * 1e3:.2f}" if full is not None else "-"
            print(
                f"| {name} | {threads or 'all'} | {m['cconv'] * 1e3:.2f} | {whole} | "
                f"{m['OpenCV'] * 1e3:.2f} | {m['cconv'] / m['OpenCV']:.2f} |",
                flush=True,
            )


def as_palette_image(colours):
    """A P image whose palette is `colours` (for Pillow's quantize)."""
    image = Image.new("P", (1, 1))
    image.putpalette(np.asarray(colours, np.uint8).tobytes())
    return image


def dither_table(repeats, budget):
    gray, rgb = photo("L"), photo("RGB")
    web64 = np.array(
        [[r, g, b] for r in (0, 85, 170, 255) for g in (0, 85, 170, 255) for b in (0, 85, 170, 255)]
    )
    web = web64[::4]  # 16 colours, all without blue
    # the photo's own 256 colours (Pillow's median cut, no dithering)
    adaptive = np.array(rgb.quantize(256, dither=Image.Dither.NONE).getpalette()[:768])
    adaptive = adaptive.reshape(-1, 3)
    eight = np.array([[r, g, b] for r in (0, 255) for g in (0, 255) for b in (0, 255)])
    palette_image, web64_image, adaptive_image, eight_image = (
        as_palette_image(colours) for colours in (web, web64, adaptive, eight)
    )
    floyd = Image.Dither.FLOYDSTEINBERG
    cases = [
        (
            "L -> 1 bit, Floyd-Steinberg",
            lambda t: cconv.dither(gray, threads=t),
            lambda: gray.convert("1"),
        ),
        (
            "RGB, 2 levels a channel (8 colours)",
            lambda t: cconv.dither(rgb, threads=t),
            lambda: rgb.quantize(palette=eight_image, dither=floyd),
        ),
        (
            "RGB -> P, 16-colour palette",
            lambda t: cconv.dither(rgb, palette=web, threads=t),
            lambda: rgb.quantize(palette=palette_image, dither=floyd),
        ),
        (
            "RGB -> P, 64 colours (web)",
            lambda t: cconv.dither(rgb, palette=web64, threads=t),
            lambda: rgb.quantize(palette=web64_image, dither=floyd),
        ),
        (
            "RGB -> P, the photo's 256 colours",
            lambda t: cconv.dither(rgb, palette=adaptive, threads=t),
            lambda: rgb.quantize(palette=adaptive_image, dither=floyd),
        ),
        (
            "L -> 1 bit, Stucki, serpentine",
            lambda t: cconv.dither(gray, method="stucki", serpentine=True, threads=t),
            None,
        ),
        (
            "L -> 1 bit, Jarvis-Judice-Ninke",
            lambda t: cconv.dither(gray, method="jarvis-judice-ninke", threads=t),
            None,
        ),
    ]
    print(
        "\ndither, 1920x1080 photo, Pillow image in and out, milliseconds; ratio = cconv / Pillow\n"
    )
    print("| case | threads | cconv | Pillow | ratio | tone difference (16x16 blocks) |")
    print("|---|---|---|---|---|---|")
    for name, ours, theirs in cases:
        tone = f"{same_tone(ours(1), theirs()):.1f} / 255" if theirs else "-"
        for threads in (1, None):
            functions = {"cconv": lambda: ours(threads)}
            if theirs:
                functions["Pillow"] = theirs
            m = median_times(functions, repeats, budget)
            peer = f"{m['Pillow'] * 1e3:.2f}" if theirs else "-"
            ratio = f"{m['cconv'] / m['Pillow']:.2f}" if theirs else "-"
            print(
                f"| {name} | {threads or 'all'} | {m['cconv'] * 1e3:.2f} | {peer} | {ratio} "
                f"| {tone} |",
                flush=True,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument(
        "tables",
        nargs="*",
        choices=["nan", "stride", "dither", []],
        help="the tables to run (default: all)",
    )
    args = parser.parse_args()
    repeats, budget = (5, 0.05) if args.quick else (15, 0.3)
    info = cconv.build_info()
    print(
        f"cconv {info['version']} (simd {info['simd']}, openmp {info['openmp']}); "
        f"{os.cpu_count()} CPUs; numpy {np.__version__}, Pillow {Image.__version__}"
    )
    parser_tables = {"nan": nan_table, "stride": stride_table, "dither": dither_table}
    for name in args.tables or parser_tables:
        parser_tables[name](repeats, budget)


if __name__ == "__main__":
    main()
