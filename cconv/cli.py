"""The ``cconv`` command: filter image files. Argument parsing and file handling only; every
option maps to an argument of :func:`cconv.filter` (nothing imports this module)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from . import MODES, build_info, filters, kernels

SAMPLE = "grace_hopper.jpg"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".ppm",
                  ".pgm", ".pbm", ".tga"}
# Preset and filter parameters that have an option of their own (all optional).
PARAMETERS = {"sigma": float, "size": int, "amount": float, "length": int, "angle": float,
              "neighbours": int, "method": str}


class UserError(Exception):
    """A problem with the command's input: printed as one line, exit status 1."""


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list:
        print(_listing())
        return 0
    try:
        run(args)
    except (UserError, ValueError, TypeError, OSError, UnidentifiedImageError) as error:
        message = str(error) or type(error).__name__
        print(f"cconv: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cconv: interrupted", file=sys.stderr)
        return 130
    return 0


def run(args) -> None:
    kernel, params = _kernel_and_params(args)
    jobs = _jobs(args.inputs, args.output, args, kernel)
    if not args.inputs:
        print(f"no input given: filtering the bundled sample photo ({SAMPLE}, public domain)",
              file=sys.stderr)
    options = {"mode": args.mode, "cval": args.cval, "threads": args.threads,
               "premultiply": not args.plain_alpha}
    if args.offset:
        options["offset"] = args.offset
    progress = _Progress(len(jobs)) if len(jobs) > 1 else None
    for number, (source, target) in enumerate(jobs, 1):
        with _open(source) as picture:
            picture.load()
            start = time.perf_counter()
            result = filters.filter(picture, kernel, **options, **params)
            elapsed = time.perf_counter() - start
            _save_atomically(result, target, picture)
        if progress:
            progress.update(number, target.name)
        else:
            print(f"wrote {target} ({result.width}x{result.height} {result.mode}, "
                  f"{_describe(kernel, params)}, {elapsed * 1e3:.1f} ms)")
    if progress:
        progress.finish()


def _parser():
    parser = argparse.ArgumentParser(
        prog="cconv",
        description="Filter image files with 2-D kernels, fast. Without INPUT, filters a "
                    "bundled sample photo.",
        epilog="Examples: cconv photo.jpg -o soft.jpg --filter gaussian-blur --sigma 3 | "
               "cconv shots/ -o out/ --filter sharpen | "
               "cconv in.png -o out.png --kernel '0 -1 0; -1 5 -1; 0 -1 0' | cconv --list",
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT",
                        help="image files or folders (default: the bundled sample photo)")
    parser.add_argument("-o", "--output", type=Path,
                        help="output file for one input; output folder for several or a folder "
                             "(default: NAME-FILTER.png in the current folder)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("-f", "--filter", default=None,
                      help="filter or kernel preset name (see --list); default gaussian-blur")
    what.add_argument("-k", "--kernel", help="kernel text: rows separated by ';' or newlines, "
                                             "numbers by spaces or commas")
    what.add_argument("--kernel-file", type=Path,
                      help="kernel from a text file (same format) or a .npy file")
    for name, kind in PARAMETERS.items():
        parser.add_argument(f"--{name}", type=kind, default=None,
                            help=f"the preset's {name!r} parameter (see --list)")
    parser.add_argument("--offset", type=float, default=0.0,
                        help="added to the result before rounding (kernels and presets)")
    parser.add_argument("--mode", default="nearest", choices=MODES,
                        help="border mode (default: nearest, i.e. edge clamping)")
    parser.add_argument("--cval", type=float, default=0.0, help="value outside the image "
                                                                "for --mode constant")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads (default: every CPU available)")
    parser.add_argument("--plain-alpha", action="store_true",
                        help="filter alpha as plain data instead of premultiplied")
    parser.add_argument("--overwrite", action="store_true",
                        help="allow an output to replace one of the inputs")
    parser.add_argument("--list", action="store_true", help="list filters and presets, then exit")
    info = build_info()
    parser.add_argument("--version", action="version",
                        version=f"cconv {info['version']} (openmp: {info['openmp']}, simd: "
                                f"{info['simd']}; available: {', '.join(info['simd_available'])})")
    return parser


def _kernel_and_params(args):
    params = {name: getattr(args, name) for name in PARAMETERS if getattr(args, name) is not None}
    if args.kernel is not None or args.kernel_file is not None:
        if params:
            raise UserError(f"--{next(iter(params))} applies to a named filter, not to a kernel")
        if args.kernel is not None:
            return parse_kernel(args.kernel), {}
        return _read_kernel_file(args.kernel_file), {}
    name = args.filter or "gaussian-blur"
    if name.replace("_", "-") not in filters.FILTERS and name.replace("_", "-") \
            not in kernels.PRESETS:
        raise UserError(f"unknown filter {name!r}; see cconv --list")
    return name, params


def parse_kernel(text: str) -> np.ndarray:
    """'0 -1 0; -1 5 -1; 0 -1 0' (or rows on separate lines, numbers split by commas) -> array."""
    rows = [row for row in text.replace(";", "\n").splitlines() if row.strip()]
    try:
        values = [[float(number) for number in row.replace(",", " ").split()] for row in rows]
    except ValueError as error:
        raise UserError(f"bad kernel text: {error}") from None
    if not values:
        raise UserError("bad kernel text: no numbers")
    widths = {len(row) for row in values}
    if len(widths) != 1:
        raise UserError(f"bad kernel text: rows have different lengths {sorted(widths)}")
    return np.array(values)


def _read_kernel_file(path: Path) -> np.ndarray:
    if not path.is_file():
        raise UserError(f"kernel file not found: {path}")
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False)
    return parse_kernel(path.read_text())


def _jobs(inputs, output, args, kernel):
    """(source, target) pairs; sources are paths or the sample's resource."""
    label = kernel.replace("_", "-") if isinstance(kernel, str) else "kernel"
    if not inputs:
        sample = resources.files("cconv") / "data" / SAMPLE
        return [(sample, output or Path(f"sample-{label}.png"))]
    sources = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            sources.extend(sorted(p for p in path.iterdir()
                                  if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()))
        elif path.is_file():
            sources.append(path)
        else:
            raise UserError(f"input not found: {path}")
    if not sources:
        raise UserError("no image files in the input folder(s)")
    several = len(sources) > 1 or any(Path(name).is_dir() for name in inputs)
    if several:
        folder = output or Path(f"cconv-{label}")
        if folder.exists() and not folder.is_dir():
            raise UserError(f"with several inputs, -o must be a folder: {folder} is a file")
        folder.mkdir(parents=True, exist_ok=True)
        jobs = [(source, folder / source.name) for source in sources]
    else:
        jobs = [(sources[0], output or Path(f"{sources[0].stem}-{label}.png"))]
    for source, target in jobs:
        if target.exists() and target.resolve() == source.resolve() and not args.overwrite:
            raise UserError(f"refusing to overwrite the input {source} (use --overwrite)")
    return jobs


def _open(source):
    try:
        return Image.open(source)
    except UnidentifiedImageError:
        raise UserError(f"not an image Pillow can read: {source}") from None


def _save_atomically(image, target: Path, original):
    """Write to a temporary file beside `target`, then rename: a failure never leaves half a
    file, and an existing `target` stays intact until the new one is complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    extras = {key: original.info[key] for key in ("icc_profile", "exif", "dpi")
              if key in original.info}
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=target.suffix)
    os.close(handle)
    try:
        try:
            image.save(temporary, format=Image.registered_extensions().get(target.suffix.lower()),
                       **extras)
        except (KeyError, ValueError, OSError) as error:
            raise UserError(f"cannot write {target}: {error}") from None
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _describe(kernel, params):
    if isinstance(kernel, str):
        text = ", ".join(f"{key}={value}" for key, value in params.items())
        return f"{kernel}({text})"
    return f"{kernel.shape[0]}x{kernel.shape[1]} kernel"


def _listing():
    lines = ["Filters (cconv --filter NAME [options]):"]
    for name, function in filters.FILTERS.items():
        lines.append(f"  {name:16s} {_first_line(function)}")
    lines.append("")
    lines.append("Kernel presets (cconv --filter NAME [options]; cconv.kernels.get(NAME, ...)):")
    for name in kernels.PRESETS:
        params = ", ".join(f"--{key} {value}" for key, value in kernels.parameters(name).items())
        lines.append(f"  {name:16s} {params or '(no parameters)'}")
    return "\n".join(lines)


def _first_line(function):
    return (function.__doc__ or "").strip().splitlines()[0]


class _Progress:
    """A progress bar on stderr: redrawn in place on a terminal, one line per file otherwise."""

    def __init__(self, total):
        self.total = total
        self.interactive = sys.stderr.isatty()

    def update(self, done, name):
        width = 30
        filled = width * done // self.total
        bar = "#" * filled + "-" * (width - filled)
        line = f"[{bar}] {done}/{self.total} {name}"
        if self.interactive:
            print(f"\r{line[:100]:100s}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def finish(self):
        if self.interactive:
            print(file=sys.stderr)
        print(f"wrote {self.total} files", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
