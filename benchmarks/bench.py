"""Time cconv.correlate against OpenCV, scipy.ndimage and Pillow on the same inputs, in one run.

    python benchmarks/bench.py                              # the full matrix (~5 min, 2 cores)
    python benchmarks/bench.py --quick                      # fewer repeats, 1080p only
    python benchmarks/bench.py --chart docs/benchmark.png   # also draw the bar chart
    python benchmarks/bench.py --table filters              # only the named filters' table
    python benchmarks/bench.py --table beyond               # only the beyond-the-matrix table

For every case (image x kernel) and thread setting it prints the path cconv chose
(cconv.choose_method: direct, separable or box), the median time of cconv, of each peer
installed, and the ratio cconv / fastest peer (below 1 means cconv is faster). Calls are
interleaved (cconv, peer, peer, ..., cconv, ...) so machine drift hits everyone alike, in a new
(seeded) random order each round, so each contender follows each other one about equally often:
a call right after one that read the same image finds it in cache, a call right after scipy or
Pillow (which sweep far more memory) does not. Before a
cell is reported, cconv's result is checked against a float64 reference (scipy.ndimage in
float64) with the accuracy rules of the test suite; a cell that fails is not reported.

Threads: "1" runs cconv with threads=1 and OpenCV with cv2.setNumThreads(1); "all" uses both
libraries' defaults (every core). scipy.ndimage and Pillow are single-threaded: they are timed
in the "1" row and their times repeated in the "all" row.

The second table, "filters", times each named filter (cconv.blur, gaussian_blur, sharpen,
unsharp_mask, emboss, edges) on a 1080p RGB uint8 array, on the same image as a Pillow RGB
image, and on a Pillow RGBA image (alpha-correct), against the OpenCV calls giving the same
result on the array, the same on the Pillow RGB image as a user would write them
(`Image.fromarray(cv2...(np.asarray(image)))`), and Pillow's own filter where it has one; each
array result is checked against a float64 reference first.
The third table, "beyond", times cases outside the matrix: large random kernels (31x31 to
99x99, normalised) on gray and RGB uint8 and RGB float32, 16-bit and float64 images under small
kernels, Gaussian blurs of sigma 10 and 50, Sobel responses into float32 and int16, against
the OpenCV call giving the same result (filter2D, GaussianBlur, or Sobel), after the same
accuracy check (against numpy's float64 FFT of the border-extended image for kernels over
7x7, where scipy takes minutes).
Set OPENBLAS_NUM_THREADS=1 (done below) so no idle BLAS threads spin during the timings.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import cconv  # noqa: E402
from cconv import kernels as presets  # noqa: E402

try:
    import cv2
except ImportError:
    cv2 = None
try:
    from scipy import ndimage
except ImportError:
    ndimage = None
try:
    from PIL import Image, ImageFilter
except ImportError:
    Image = None


def photo_like(height, width, channels, dtype, seed=0):
    """Smooth gradients plus noise, seeded: closer to a photo than uniform noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    planes = []
    for c in range(channels):
        base = 128 + 90 * np.sin(x / (97 + 13 * c) + y / (151 - 11 * c)) * np.cos(y / 211)
        planes.append(base + rng.normal(0, 12, (height, width)))
    image = np.clip(np.stack(planes, axis=-1), 0, 255)
    if channels == 1:
        image = image[:, :, 0]
    if np.dtype(dtype) == np.uint8:
        return np.rint(image).astype(np.uint8)
    return (image / 255).astype(dtype)


def kernels():
    """(name, 2-D kernel, 1-D factor if separable, is_box)."""
    sharpen = presets.sharpen()
    random3 = np.random.default_rng(3).uniform(-1, 1, (3, 3))
    random3 += (1 - random3.sum()) / 9
    g5, g15 = presets.gaussian(1.0, 5), presets.gaussian(3.0, 15)
    g5_1d, g15_1d = g5.sum(axis=0), g15.sum(axis=0)  # the 1-D factors (each sums to 1)
    box31 = presets.box(31)
    random15 = np.random.default_rng(15).uniform(-1, 1, (15, 15))
    random15 += (1 - random15.sum()) / 225
    return [
        ("3x3 sharpen", sharpen, None, False),
        ("3x3 random", random3, None, False),
        ("5x5 gaussian", g5, g5_1d, False),
        ("15x15 gaussian", g15, g15_1d, False),
        ("31x31 box", box31, None, True),
        ("15x15 random", random15, None, False),
    ]


def images(quick):
    cases = [
        ("1080p RGB uint8", photo_like(1080, 1920, 3, np.uint8)),
        ("1080p RGB float32", photo_like(1080, 1920, 3, np.float32)),
        ("1080p gray uint8", photo_like(1080, 1920, 1, np.uint8)),
    ]
    if not quick:
        cases.append(("2160p RGB uint8", photo_like(2160, 3840, 3, np.uint8)))
    return cases


def peers(image, kernel, separable, is_box, threads):
    """name -> zero-argument callable doing the same work as cconv, same output dtype."""
    found = {}
    if cv2 is not None:
        k32 = kernel.astype(np.float32)
        border = cv2.BORDER_REPLICATE
        found["cv2.filter2D"] = lambda: cv2.filter2D(image, -1, k32, borderType=border)
        if separable is not None:
            k1 = separable.astype(np.float32)
            found["cv2.sepFilter2D"] = lambda: cv2.sepFilter2D(image, -1, k1, k1, borderType=border)
        if is_box:
            size = kernel.shape
            found["cv2.blur"] = lambda: cv2.blur(image, size[::-1], borderType=border)
    if ndimage is not None:
        k = kernel if image.ndim == 2 else kernel[:, :, None]
        found["scipy.correlate"] = lambda: ndimage.correlate(image, k, mode="nearest")
    if Image is not None and image.dtype == np.uint8 and kernel.shape in [(3, 3), (5, 5)]:
        picture = Image.fromarray(image)
        # Pillow flips the kernel vertically; the work (and time) is the same.
        pillow_kernel = ImageFilter.Kernel(kernel.shape, kernel.ravel().tolist(), scale=1)
        found["Pillow Kernel"] = lambda: picture.filter(pillow_kernel)
    return found


def verify(image, kernel, result):
    """cconv's result against scipy in float64 (None when scipy is missing or it agrees, else
    the problem): floats within the kernel's size times eps of the kernel's absolute sum times
    the largest sample."""
    if ndimage is None:
        return None
    return check_result(
        result,
        verify_reference(image, kernel),
        kernel,
        image,
        kernel.size * np.finfo(result.dtype).eps if result.dtype.kind == "f" else 0.0,
    )


def median_times(functions, repeats, budget=0.0):
    """Median seconds of each function; calls interleaved after one warm-up call each, in a
    new random order each round. With one fixed order cconv always followed Pillow, whose call
    leaves the image out of cache, and sepFilter2D always followed filter2D, which leaves it in
    (1080p gray, 5x5 Gaussian, 1 thread: cconv 0.77 ms after sepFilter2D, 0.91 ms after Pillow).

    Each contender is timed `repeats` times, or as often as fits in `budget` seconds of its
    own calls where that is more (at most 10x `repeats`): six medians of 15 calls, one after
    another, gave the 1080p gray uint8 5x5 Gaussian's ratio (1 thread, about a millisecond a
    call) from 0.71 to 0.83; six of 0.3 s each, from 0.73 to 0.76. A contender whose warm-up
    call took over half a second (scipy on large kernels) is timed only 3 times, and over two
    seconds not again (the warm-up time is its time), so the whole matrix stays within
    minutes; those peers are 10-1000x slower, so this precision suffices.
    """
    wanted = {}
    times = {name: [] for name in functions}
    for name, function in functions.items():
        start = time.perf_counter()
        function()
        took = time.perf_counter() - start
        calls = min(max(repeats, int(budget / max(took, 1e-9))), 10 * repeats)
        wanted[name] = 0 if took > 2 else 3 if took > 0.5 else calls
        if wanted[name] == 0:
            times[name].append(took)
    order = random.Random(0)
    for round_ in range(max(wanted.values())):
        names = list(functions)
        order.shuffle(names)
        for name in names:
            if round_ >= wanted[name]:
                continue
            start = time.perf_counter()
            functions[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def named_filters():
    """(name, cconv call taking an image, float64 reference of an array, OpenCV call on an
    array or None, Pillow's filter or None): each cconv filter and its peers' equivalents
    (replicate border, same kernel size)."""

    def kernel_reference(kernel, offset=0.0):
        return lambda a: (
            ndimage.correlate(a.astype(np.float64), kernel[:, :, None], mode="nearest") + offset
        )

    def sobel_pair(a, depth):
        border = cv2.BORDER_REPLICATE
        return (
            cv2.Sobel(a, depth, 1, 0, borderType=border),
            cv2.Sobel(a, depth, 0, 1, borderType=border),
        )

    def edges_reference(method):
        def reference(a):
            gx, gy = (kernel_reference(k)(a) for k in (presets.sobel_x(), presets.sobel_y()))
            if method == "hypot":
                return np.hypot(gx, gy)
            return np.maximum(np.maximum(gx, 0), np.maximum(gy, 0))

        return reference

    def cv_edges(method):
        def call(a):
            gx, gy = sobel_pair(a, cv2.CV_32F)
            if method == "hypot":
                return cv2.convertScaleAbs(cv2.magnitude(gx, gy))
            return cv2.convertScaleAbs(cv2.max(cv2.max(gx, 0), cv2.max(gy, 0)))

        return call

    border = cv2.BORDER_REPLICATE if cv2 else None
    sharpen, emboss = presets.sharpen(), presets.emboss()
    gaussian17 = presets.gaussian(2.0)
    return [
        (
            "blur 7x7",
            lambda i, t: cconv.blur(i, 7, threads=t),
            kernel_reference(presets.box(7)),
            lambda a: cv2.blur(a, (7, 7), borderType=border),
            ImageFilter.BoxBlur(3),
        ),
        (
            "gaussian_blur sigma 2",
            lambda i, t: cconv.gaussian_blur(i, 2.0, threads=t),
            kernel_reference(gaussian17),
            lambda a: cv2.GaussianBlur(a, (17, 17), 2.0, borderType=border),
            ImageFilter.GaussianBlur(2),
        ),
        (
            "sharpen",
            lambda i, t: cconv.sharpen(i, threads=t),
            kernel_reference(sharpen),
            lambda a: cv2.filter2D(a, -1, sharpen.astype(np.float32), borderType=border),
            ImageFilter.Kernel((3, 3), sharpen.ravel().tolist(), scale=1),
        ),
        (
            "unsharp_mask sigma 2",
            lambda i, t: cconv.unsharp_mask(i, 2.0, 1.0, threads=t),
            kernel_reference(presets.unsharp_mask(2.0, 1.0)),
            lambda a: cv2.addWeighted(
                a, 2, cv2.GaussianBlur(a, (17, 17), 2.0, borderType=border), -1, 0
            ),
            ImageFilter.UnsharpMask(2, 100, 0),
        ),
        (
            "emboss",
            lambda i, t: cconv.emboss(i, threads=t),
            kernel_reference(emboss, 128.0),
            lambda a: cv2.filter2D(a, -1, emboss.astype(np.float32), delta=128, borderType=border),
            ImageFilter.Kernel((3, 3), emboss[::-1].ravel().tolist(), scale=1, offset=128),
        ),
        (
            "edges hypot",
            lambda i, t: cconv.edges(i, threads=t),
            edges_reference("hypot"),
            cv_edges("hypot"),
            None,
        ),
        (
            "edges max",
            lambda i, t: cconv.edges(i, "max", threads=t),
            edges_reference("max"),
            cv_edges("max"),
            None,
        ),
    ]


def filters_table(repeats, budget):
    """The named filters' table (see the module's docstring)."""
    if cv2 is None or ndimage is None or Image is None:
        print("the filters table needs OpenCV, scipy and Pillow")
        return
    array = photo_like(1080, 1920, 3, np.uint8)
    rgb = Image.fromarray(array)
    alpha = np.clip(
        photo_like(1080, 1920, 1, np.uint8, seed=5).astype(np.int16) * 2 - 128, 0, 255
    ).astype(np.uint8)  # transparent, opaque and between
    rgba = Image.fromarray(np.dstack([array, alpha]), "RGBA")
    print(
        "\n1080p RGB uint8, milliseconds; ratio = cconv / OpenCV on the same input (on a Pillow "
        "image: np.asarray, OpenCV, Image.fromarray; RGBA: cconv on RGBA / cconv on RGB, and / "
        "Pillow's own filter on RGBA)\n"
    )
    print(
        "| filter | threads | array | Pillow RGB | OpenCV | OpenCV, Pillow RGB | ratio array "
        "| ratio Pillow RGB | Pillow RGBA | RGBA / RGB | Pillow's own, RGBA | RGBA / Pillow's |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, ours, reference, opencv, pillow in named_filters():
        problem = verify_values(ours(array, 1), reference(array))
        if problem:
            print(f"| {name} | - | FAILED accuracy check: {problem} |||||||||")
            continue
        for threads in (1, "all"):
            set_threads(threads)
            t = 1 if threads == 1 else None
            contenders = {
                "array": lambda: ours(array, t),
                "rgb": lambda: ours(rgb, t),
                "rgba": lambda: ours(rgba, t),
                "opencv": lambda: opencv(array),
                "opencv_rgb": lambda: Image.fromarray(opencv(np.asarray(rgb))),
            }
            if pillow is not None:
                contenders["pillow"] = lambda: rgba.filter(pillow)
            m = median_times(contenders, repeats, budget)
            own = (
                f"{m['pillow'] * 1e3:.2f} | {m['rgba'] / m['pillow']:.2f}"
                if "pillow" in m
                else "- | -"
            )
            print(
                f"| {name} | {threads} | {m['array'] * 1e3:.2f} | {m['rgb'] * 1e3:.2f} | "
                f"{m['opencv'] * 1e3:.2f} | {m['opencv_rgb'] * 1e3:.2f} | "
                f"{m['array'] / m['opencv']:.2f} | {m['rgb'] / m['opencv_rgb']:.2f} | "
                f"{m['rgba'] * 1e3:.2f} | "
                f"{m['rgba'] / m['rgb']:.2f} | {own} |",
                flush=True,
            )
    set_threads(1)
    small = photo_like(64, 64, 3, np.uint8)
    k32 = presets.sharpen().astype(np.float32)
    print(
        "\nper call on a 64x64 RGB uint8 image, 1 thread, microseconds (cconv / OpenCV "
        "equivalent; cv2.filter2D with the 3x3 sharpen for scale):\n"
    )
    print("| filter | cconv | OpenCV | ratio |\n|---|---|---|---|")
    for name, ours, _, opencv, _ in named_filters():
        m = median_times({"cconv": lambda: ours(small, 1), "opencv": lambda: opencv(small)}, 200)
        print(
            f"| {name} | {m['cconv'] * 1e6:.1f} | {m['opencv'] * 1e6:.1f} | "
            f"{m['cconv'] / m['opencv']:.2f} |"
        )
    m = median_times(
        {"filter2D": lambda: cv2.filter2D(small, -1, k32, borderType=cv2.BORDER_REPLICATE)}, 200
    )
    print(f"| (cv2.filter2D, 3x3 sharpen) | - | {m['filter2D'] * 1e6:.1f} | - |")


def beyond_cases():
    """(image, kernel, output dtype or None, peer name, peer call taking the image): the cases
    of the beyond-the-matrix table."""
    rng = np.random.default_rng(26)

    def random(size):
        kernel = rng.uniform(0, 1, (size, size))
        return f"random {size}x{size}", kernel / kernel.sum()

    def filter2d(kernel, depth=-1):
        k32 = kernel.astype(np.float32)
        return lambda a: cv2.filter2D(a, depth, k32, borderType=cv2.BORDER_REPLICATE)

    gray, rgb = photo_like(1080, 1920, 1, np.uint8), photo_like(1080, 1920, 3, np.uint8)
    rgb32 = photo_like(1080, 1920, 3, np.float32)
    cases = []
    for size in (31, 47, 63, 99):
        name, kernel = random(size)
        for label, image in [
            ("1080p gray uint8", gray),
            ("1080p RGB uint8", rgb),
            ("1080p RGB float32", rgb32),
        ]:
            cases.append((label, image, name, kernel, None, "cv2.filter2D", filter2d(kernel)))
    for dtype, label in [(np.uint16, "uint16"), (np.int16, "int16"), (np.float64, "float64")]:
        image = (gray.astype(np.float64) * (100 if dtype != np.float64 else 1 / 255)).astype(dtype)
        for size in (3, 5) if dtype != np.float64 else (3, 7):
            name, kernel = random(size)
            cases.append(
                (f"1080p gray {label}", image, name, kernel, None, "cv2.filter2D", filter2d(kernel))
            )
    sobel_x = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    cases.append(
        (
            "1080p gray uint8",
            gray,
            "Sobel x",
            sobel_x,
            np.float32,
            "cv2.Sobel",
            lambda a: cv2.Sobel(a, cv2.CV_32F, 1, 0, borderType=cv2.BORDER_REPLICATE),
        )
    )
    for sigma in (10, 50):  # gaussian_blur (its factors), against GaussianBlur of that size
        size = 2 * int(4 * sigma + 0.5) + 1
        cases.append(
            (
                "1080p gray uint8",
                gray,
                f"Gaussian sigma {sigma} ({size}x{size})",
                presets.gaussian(sigma),
                None,
                "cv2.GaussianBlur",
                lambda a, k=size, s=sigma: cv2.GaussianBlur(
                    a, (k, k), s, borderType=cv2.BORDER_REPLICATE
                ),
                lambda a, threads, s=sigma: cconv.gaussian_blur(a, s, threads=threads),
            )
        )
    signed = (gray.astype(np.int16) - 128) * 100
    cases.append(
        (
            "1080p gray int16",
            signed,
            "Sobel x",
            sobel_x,
            None,
            "cv2.Sobel",
            lambda a: cv2.Sobel(a, cv2.CV_16S, 1, 0, borderType=cv2.BORDER_REPLICATE),
        )
    )
    return cases


def large_kernel_reference(image, kernel):
    """float64 correlation with the 'nearest' border through numpy's FFT of the extended
    image (error about 1e-15 of the largest value times the kernel's absolute sum)."""
    kh, kw = kernel.shape
    widths = [(kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2)] + [(0, 0)] * (
        image.ndim - 2
    )
    padded = np.pad(image.astype(np.float64), widths, mode="edge")
    size = padded.shape[:2]
    spectrum = np.fft.rfft2(kernel[::-1, ::-1], s=size).reshape(
        (size[0], size[1] // 2 + 1) + (1,) * (image.ndim - 2)
    )
    full = np.fft.irfft2(np.fft.rfft2(padded, s=size, axes=(0, 1)) * spectrum, s=size, axes=(0, 1))
    return full[kh - 1 : kh - 1 + image.shape[0], kw - 1 : kw - 1 + image.shape[1]]


def beyond_table(repeats, budget):
    """The beyond-the-matrix table (see the module's docstring)."""
    if cv2 is None:
        print("the beyond table needs OpenCV")
        return
    print("\nbeyond the matrix, milliseconds; ratio = cconv / the OpenCV call\n")
    print("| image | kernel | output | path | threads | cconv | OpenCV | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for label, image, name, kernel, dtype, peer, call, *given in beyond_cases():
        # cconv's call: correlate, unless the case names a filter (then without dtype=)
        ours = (
            given[0]
            if given
            else (lambda a, threads: cconv.correlate(a, kernel, dtype=dtype, threads=threads))
        )
        out = np.dtype(dtype or image.dtype)
        result = ours(image, None)
        if max(kernel.shape) > 7 or ndimage is None:
            reference = large_kernel_reference(image, kernel)
        else:
            reference = verify_reference(image, kernel)
        problem = check_result(result, reference, kernel, image)
        path = cconv.choose_method(kernel, image.dtype, image.shape)
        if problem:
            print(f"| {label} | {name} | {out} | {path} | - | FAILED accuracy check: {problem} |||")
            continue
        for threads in (1, "all"):
            set_threads(threads)
            t = 1 if threads == 1 else None
            m = median_times(
                {
                    "cconv": lambda: ours(image, t),
                    "peer": lambda: call(image),
                },
                repeats,
                budget,
            )
            print(
                f"| {label} | {name} | {out} | {path} | {threads} | {m['cconv'] * 1e3:.2f} | "
                f"{m['peer'] * 1e3:.2f} ({peer}) | {m['cconv'] / m['peer']:.2f} |",
                flush=True,
            )
    set_threads(1)


def verify_reference(image, kernel):
    k = kernel if image.ndim == 2 else kernel[:, :, None]
    return ndimage.correlate(image.astype(np.float64), k, mode="nearest")


def check_result(result, reference, kernel, image, share=0.0):
    """None when `result` keeps the accuracy rules: floats within `share` (at least 1e-6, the
    FFT tiles' bound) of the kernel's absolute sum times the largest sample, integers equal to
    rint of the reference but for near-ties; else the problem."""
    if result.dtype.kind == "f":
        scale = np.abs(kernel).sum() * max(1.0, float(np.abs(image).max()))
        error = np.abs(result - reference).max() / scale
        return None if error < max(1e-6, share) else f"error {error:.2e}"
    return verify_values(result, reference)


def verify_values(result, reference):
    """Integer `result` against rint of the float64 `reference`, saturated (None when it
    agrees but for near-ties)."""
    info = np.iinfo(result.dtype)
    expected = np.clip(np.rint(reference), info.min, info.max)
    difference = np.abs(result.astype(np.float64) - expected)
    if difference.max() > 1 or (difference > 0).mean() > 1e-3:
        return f"{(difference > 0).mean():.3%} off, max {difference.max()}"
    return None


def set_threads(threads):
    if cv2 is not None:
        cv2.setNumThreads(1 if threads == 1 else cconv.api.default_threads())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 1080p only")
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed calls per contender, at least"
    )
    parser.add_argument("--chart", metavar="PNG", help="also write a bar chart (needs matplotlib)")
    parser.add_argument(
        "--table",
        choices=["all", "matrix", "filters", "beyond"],
        default="all",
        help="which tables to run (default: all)",
    )
    args = parser.parse_args()
    if args.chart:
        import matplotlib  # noqa: F401 - fail now, not after minutes of timing
    repeats = args.repeats or (5 if args.quick else 15)
    budget = 0.05 if args.quick else 0.3  # seconds of calls per contender and cell, at least

    info = cconv.build_info()
    print(
        f"cconv {info['version']} (simd {info['simd']}, openmp {info['openmp']}); "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
        f"numpy {np.__version__}"
        + (f", OpenCV {cv2.__version__}" if cv2 else "")
        + (f", scipy {__import__('scipy').__version__}" if ndimage else "")
        + (f", Pillow {__import__('PIL').__version__}" if Image else "")
    )
    print(
        f"median of {repeats} or more interleaved calls (as many as take {budget} s, up to "
        f"{10 * repeats}), milliseconds; ratio = cconv / fastest peer\n"
    )
    if args.table in ("all", "matrix"):
        matrix_table(args, repeats, budget)
    if args.table in ("all", "filters"):
        filters_table(repeats, budget)
    if args.table in ("all", "beyond"):
        beyond_table(repeats, budget)


def matrix_table(args, repeats, budget):
    """The matrix of images x kernels x threads against every peer (see the module's
    docstring), and the per-call time on a small image."""
    print("| image | kernel | path | threads | cconv | fastest peer | ratio | all peers |")
    print("|---|---|---|---|---|---|---|---|")
    rows = []  # (label, cconv seconds, {peer: seconds}) for the chart
    for image_name, image in images(args.quick):
        for kernel_name, kernel, separable, is_box in kernels():
            path = cconv.choose_method(kernel, image.dtype)
            problem = verify(image, kernel, cconv.correlate(image, kernel))
            if problem:
                print(
                    f"| {image_name} | {kernel_name} | {path} | - | "
                    f"FAILED accuracy check: {problem} ||||"
                )
                continue
            single_threaded = {}  # scipy and Pillow: timed in the "1" row, reused in "all"
            for threads in (1, "all"):
                set_threads(threads)
                cconv_threads = 1 if threads == 1 else None
                contenders = {
                    "cconv": lambda: cconv.correlate(image, kernel, threads=cconv_threads)
                }
                contenders.update(peers(image, kernel, separable, is_box, threads))
                for name in single_threaded:
                    del contenders[name]
                medians = median_times(contenders, repeats, budget)
                if threads == 1:
                    single_threaded = {
                        name: medians[name]
                        for name in medians
                        if name.startswith(("scipy", "Pillow"))
                    }
                medians.update(single_threaded)
                ours = medians.pop("cconv")
                if medians:
                    best = min(medians, key=medians.get)
                    peer_text = f"{medians[best] * 1e3:.2f} ({best})"
                    ratio = f"{ours / medians[best]:.2f}"
                else:
                    peer_text, ratio = "-", "-"
                others = ", ".join(f"{name} {t * 1e3:.1f}" for name, t in medians.items())
                print(
                    f"| {image_name} | {kernel_name} | {path} | {threads} | {ours * 1e3:.2f} | "
                    f"{peer_text} | {ratio} | {others} |",
                    flush=True,
                )
                rows.append((f"{image_name}, {kernel_name}, {threads} thr.", ours, medians))
    small = photo_like(64, 64, 3, np.uint8)
    sharpen = kernels()[0][1]
    set_threads(1)
    overhead = {"cconv": lambda: cconv.correlate(small, sharpen, threads=1)}
    if cv2 is not None:
        k32 = sharpen.astype(np.float32)
        overhead["cv2.filter2D"] = lambda: cv2.filter2D(
            small, -1, k32, borderType=cv2.BORDER_REPLICATE
        )
    medians = median_times(overhead, 200)
    print(
        "\nper-call time on a 64x64 RGB uint8 image, 3x3 sharpen, 1 thread: "
        + ", ".join(f"{name} {t * 1e6:.1f} us" for name, t in medians.items())
    )
    if args.chart:
        draw_chart(rows, args.chart)
        print(f"chart written to {args.chart}")


def draw_chart(rows, path):
    """Horizontal bars per cell: cconv and each OpenCV peer, as a multiple of the fastest peer's
    time (log scale; left of 1 means cconv is faster). scipy and Pillow are 10-1000x slower
    and would flatten the chart, so their times are in the table only."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 0.32 * len(rows) + 1.5))
    positions = np.arange(len(rows))[::-1]
    shown = ["cconv", "cv2.filter2D", "cv2.sepFilter2D", "cv2.blur"]
    height = 0.8 / len(shown)
    for index, name in enumerate(shown):
        values = []
        for _, ours, peers_ in rows:
            best = min(peers_.values()) if peers_ else ours
            value = ours if name == "cconv" else peers_.get(name)
            values.append(np.nan if value is None else value / best)
        axes.barh(positions + (len(shown) / 2 - index - 0.5) * height, values, height, label=name)
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.axvline(0.8, color="grey", linewidth=0.8, linestyle="--")
    axes.set_xscale("log")
    axes.set_yticks(positions, [label for label, _, _ in rows], fontsize=7)
    axes.set_xlabel("time / fastest peer's time (log scale; dashed: the 0.8 target)")
    axes.legend(fontsize=8, loc="lower right")
    axes.set_title("cconv.correlate against OpenCV, median times", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
