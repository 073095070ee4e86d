"""A/B: the installed cconv against another git revision, bit for bit and in time.

    python benchmarks/ab.py HEAD~1                 # identity over the case list, then timings
    python benchmarks/ab.py 580f0f0 --rounds 5     # more rounds of interleaved timings
    python benchmarks/ab.py HEAD~1 --build-dir /tmp/cconv-ab   # reuse a build (takes minutes)

The other revision is exported with `git archive` and built into its own directory (pip
--target, without build isolation, so Cython and scikit-build-core come from this
environment). Each side then runs in its own process: first every case once, results saved
and compared byte for byte (dtype included); then the timings, the two sides alternating
process by process for `--rounds` rounds, each case timed as the median of `--repeats` calls,
and reported as the median over rounds of B / A (above 1: the installed build is faster).
Identity runs on images of 300x700 RGB, 200x2500 gray and a batch, over five dtypes, eight
kernels (every path) and two modes; timings on 1080p uint8 and float32, RGB and gray.
Run it from outside the repository's root (the source folder would shadow the installed
package), on a quiet machine; the engine's figures in docs/ come from runs like this.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def cases(timing: bool):
    """name -> (image, kernel, options): every path of the engine over dtypes and modes (small
    images), or the same kernels on 1080p uint8 and float32 images (timing)."""
    import numpy as np

    import cconv

    rng = np.random.default_rng(5)
    kernels = {
        "sharpen": cconv.kernels.sharpen(),
        "random3": rng.standard_normal((3, 3)),
        "gaussian5": cconv.kernels.gaussian(1.0),
        "gaussian17": cconv.kernels.gaussian(2.0),
        "random15": rng.standard_normal((15, 15)),
        "box9": cconv.kernels.box(9),
        "box31": cconv.kernels.box(31),
        "separable4x3": np.outer([1, 2, 3, 2], [1, -1, 4]),
    }
    found = {}
    dtypes = (
        (np.uint8, np.float32)
        if timing
        else (np.uint8, np.uint16, np.int16, np.float32, np.float64)
    )
    shapes = (
        ((1080, 1920, 3), (1080, 1920)) if timing else ((300, 700, 3), (200, 2500), (2, 50, 60, 4))
    )
    for dtype in dtypes:
        for shape in shapes:
            image = (rng.random(shape) * 250).astype(dtype)
            for name, kernel in kernels.items():
                for mode in ("nearest",) if timing else ("nearest", "constant"):
                    key = f"{np.dtype(dtype).name} {shape} {name} {mode}"
                    found[key] = (image, kernel, {"mode": mode, "cval": 3.0})
    return found


def child(output: str, timing: bool, repeats: int) -> None:
    """Run every case in this process (its sys.path chooses the side) into `output`."""
    import time

    import numpy as np

    import cconv

    results, times = {}, {}
    for key, (image, kernel, options) in cases(timing).items():
        results[key] = cconv.correlate(image, kernel, threads=1, **options)
        if timing:
            spent = []
            for _ in range(repeats):
                start = time.perf_counter()
                cconv.correlate(image, kernel, threads=1, **options)
                spent.append(time.perf_counter() - start)
            times[key] = float(np.median(spent))
    if timing:
        Path(output).write_text(json.dumps(times))
    else:
        np.savez(output, **{key: value for key, value in results.items()})


def run_side(site: str | None, output: Path, timing: bool, repeats: int) -> None:
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    if site:
        environment["PYTHONPATH"] = site
    subprocess.run(
        [sys.executable, __file__, "--child", str(output), "--repeats", str(repeats)]
        + (["--timing"] if timing else []),
        check=True,
        env=environment,
        cwd=tempfile.gettempdir(),
    )


def build(revision: str, directory: Path) -> Path:
    """The other revision built into `directory`/site (reused when it is there)."""
    site = directory / "site"
    if (site / "cconv").is_dir():
        return site
    source = directory / "source"
    source.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(REPOSITORY), "archive", revision], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-build-isolation",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(source),
        ],
        check=True,
    )
    return site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", nargs="?", help="the git revision to compare with")
    parser.add_argument("--build-dir", type=Path, help="where to build it (default: a temp dir)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--timing", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.timing, args.repeats)
    if not args.revision:
        parser.error("give the revision to compare with")
    import numpy as np

    work = args.build_dir or Path(tempfile.mkdtemp(prefix="cconv-ab-"))
    site = build(args.revision, work)
    sides = {"A (installed)": None, f"B ({args.revision})": str(site)}
    saved = {}
    for label, path in sides.items():
        saved[label] = work / f"{'a' if path is None else 'b'}.npz"
        run_side(path, saved[label], False, args.repeats)
    a, b = (np.load(path) for path in saved.values())
    differing = [
        key for key in a if a[key].dtype != b[key].dtype or a[key].tobytes() != b[key].tobytes()
    ]
    print(f"identity: {len(a) - len(differing)} of {len(a)} cases bit-identical")
    for key in differing:
        print(
            f"  differs: {key} (max |A - B| "
            f"{np.abs(a[key].astype(float) - b[key].astype(float)).max():g})"
        )
    ratios = {}
    for round_ in range(args.rounds):
        times = {}
        for label, path in sides.items():
            output = work / f"times-{round_}-{'a' if path is None else 'b'}.json"
            run_side(path, output, True, args.repeats)
            times[label] = json.loads(output.read_text())
        first, second = times.values()
        for key in first:
            ratios.setdefault(key, []).append(second[key] / first[key])
    print("\ntime B / A, median over rounds (1 thread; below 1: A is slower):")
    for key, values in ratios.items():
        print(f"  {key}: {np.median(values):.2f}")


if __name__ == "__main__":
    main()
