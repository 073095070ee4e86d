"""The ``cconv`` command: filter image files. Argument parsing and file handling only; every
filtering option maps to an argument of :func:`cconv.filter` (nothing imports this module).

Exit status: 0 every file written; 1 some file failed (each failure is one line naming it, the
other files are still tried); 2 a usage error, found before anything is written (bad options,
unknown filter, bad kernel, missing input, two inputs that would write one output)."""

from __future__ import annotations

import argparse
import io
import os
import re
import select
import stat
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from . import MODES, build_info, filters, kernels

SAMPLE = "grace_hopper.jpg"
IMAGE_SUFFIXES = {
    ".png",
    ".jpg",
    ".jpeg",
    ".tif",
    ".tiff",
    ".bmp",
    ".gif",
    ".webp",
    ".ppm",
    ".pgm",
    ".pbm",
    ".tga",
}
# Preset and filter parameters that have an option of their own (all optional).
PARAMETERS = {
    "sigma": float,
    "size": int,
    "amount": float,
    "length": int,
    "angle": float,
    "neighbours": int,
    "method": str,
    "threshold": float,
    "levels": int,
}
EXIT_FAILED, EXIT_USAGE = 1, 2
DEFAULT_MAX_PIXELS = 2 * Image.MAX_IMAGE_PIXELS  # where Pillow itself refuses an image
STDIO = "-"
# Modes each output format can hold; others are converted (see _fit_mode). Formats not listed
# take what Pillow takes.
_FORMAT_MODES = {
    "JPEG": {"L", "RGB", "CMYK"},
    "PNG": {"1", "L", "LA", "I", "I;16", "RGB", "RGBA", "P"},
    "WEBP": {"RGB", "RGBA"},
    "GIF": {"L", "P", "RGB", "RGBA"},
    "BMP": {"1", "L", "P", "RGB"},
    "PPM": {"1", "L", "RGB"},
}
_MULTI_FRAME_FORMATS = {"GIF", "PNG", "WEBP", "TIFF"}


class UsageError(Exception):
    """A problem with the command as a whole: one line, exit status 2, nothing written."""


class FileError(Exception):
    """A problem with one file: one line naming it, exit status 1, the other files go on."""


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)  # exits with 2 on a usage error
    if args.list:
        print(_listing())
        return 0
    try:
        setup = _setup(args)
    except (UsageError, ValueError, TypeError) as error:
        print(f"cconv: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _run(setup, args)
    except KeyboardInterrupt:
        print("cconv: interrupted", file=sys.stderr)
        return 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        self.exit(EXIT_USAGE, f"cconv: error: {message} (see cconv --help)\n")


def _parser():
    parser = _Parser(
        prog="cconv",
        description="Filter image files with 2-D kernels, fast. Without INPUT, reads an image "
        "from standard input when one is piped in, else filters a bundled sample "
        "photo. Exit status: 0 all written, 1 some file failed, 2 usage error.",
        epilog="Examples: cconv photo.jpg -o soft.jpg --filter gaussian-blur --sigma 3 | "
        "cconv shots/ -o out/ --filter sharpen --jobs 2 | "
        "cconv in.png -o out.png --kernel '[[0,-1,0],[-1,5,-1],[0,-1,0]]' | "
        "cat in.png | cconv - -o - --format png > out.png | cconv --list",
    )
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="image files or folders; '-' reads standard input",
    )
    parser.add_argument(
        "-o",
        "--output",
        help="output file for one input ('-': standard output); output folder "
        "for several or a folder (default: NAME-FILTER.png here, or "
        "cconv-FILTER/)",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "-f",
        "--filter",
        default=None,
        help="filter or kernel preset name (see --list); default gaussian-blur",
    )
    what.add_argument(
        "-k",
        "--kernel",
        help="kernel text: '1 2 1; 2 4 2; 1 2 1', '[[0,-1,0],[-1,5,-1],[0,-1,0]]', fractions a/b",
    )
    what.add_argument(
        "--kernel-file",
        type=Path,
        help="kernel from a text file (same format; '#' comments and a header "
        "line allowed) or a .npy file",
    )
    parser.add_argument(
        "--normalize",
        action="store_true",
        help="divide the kernel by the sum of its weights (where not 0)",
    )
    for name, kind in PARAMETERS.items():
        parser.add_argument(
            f"--{name}",
            type=kind,
            default=None,
            help=f"the preset's {name!r} parameter (see --list)",
        )
    parser.add_argument(
        "--serpentine", action="store_true", help="dither: scan odd rows right to left"
    )
    parser.add_argument(
        "--stride",
        type=_stride,
        default=None,
        metavar="N|SY,SX",
        help="keep every N-th row and column (or SY-th row, SX-th column), "
        "computing only those: a smaller image",
    )
    parser.add_argument(
        "--offset",
        type=float,
        default=0.0,
        help="added to the result before rounding (kernels and presets)",
    )
    parser.add_argument(
        "--mode",
        default="nearest",
        choices=MODES,
        help="border mode (default: nearest, i.e. edge clamping)",
    )
    parser.add_argument(
        "--cval", type=float, default=0.0, help="value outside the image for --mode constant"
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        help="engine threads per file (default: every CPU available)",
    )
    parser.add_argument(
        "--jobs", type=_positive_int, default=1, help="files filtered at once (default 1)"
    )
    parser.add_argument(
        "--plain-alpha",
        action="store_true",
        help="filter alpha as plain data instead of premultiplied",
    )
    parser.add_argument(
        "--format",
        type=str.upper,
        default=None,
        help="output format (PNG, JPEG, WEBP, TIFF, ...); default: from the "
        "output's name, or the input's format in a folder",
    )
    parser.add_argument(
        "--quality",
        type=_quality,
        default=None,
        help="JPEG/WebP quality 1-100 (default: the input JPEG's, else 95)",
    )
    parser.add_argument(
        "--max-pixels",
        type=_positive_int,
        default=DEFAULT_MAX_PIXELS,
        help=f"refuse larger images (default {DEFAULT_MAX_PIXELS})",
    )
    parser.add_argument(
        "--recursive",
        action="store_true",
        help="also filter the sub-folders of input folders, mirrored under -o",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="allow replacing existing outputs, inputs included"
    )
    parser.add_argument("--list", action="store_true", help="list filters and presets, then exit")
    info = build_info()
    parser.add_argument(
        "--version",
        action="version",
        version=f"cconv {info['version']} (openmp: {info['openmp']}, simd: "
        f"{info['simd']}; available: {', '.join(info['simd_available'])})",
    )
    return parser


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _stride(text):
    values = text.split(",")
    if len(values) not in (1, 2):
        raise argparse.ArgumentTypeError(f"must be N or SY,SX, got {text}")
    values = [_positive_int(value) for value in values]
    return values[0] if len(values) == 1 else tuple(values)


def _quality(text):
    value = int(text)
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be 1 to 100, got {text}")
    return value


# --- What to do: kernel, parameters and (source, target) jobs, all checked before any write --


class _Setup:
    def __init__(self, kernel, params, jobs, options):
        self.kernel, self.params, self.jobs, self.options = kernel, params, jobs, options


def _setup(args) -> _Setup:
    kernel, params = _kernel_and_params(args)
    if args.format is not None and args.format not in Image.registered_extensions().values():
        raise UsageError(f"unknown --format {args.format!r}")
    options = {
        "mode": args.mode,
        "cval": args.cval,
        "threads": args.threads,
        "premultiply": not args.plain_alpha,
    }
    if args.offset:
        options["offset"] = args.offset
    if args.stride is not None:
        options["stride"] = args.stride
    if args.normalize:
        options["normalize"] = True
    elif isinstance(kernel, np.ndarray):
        total = kernel.sum()
        if (kernel >= 0).all() and abs(total - 1) > 0.01:
            print(
                f"cconv: note: the kernel's weights sum to {total:g}, so the mean brightness "
                f"changes by that factor; --normalize divides them by it",
                file=sys.stderr,
            )
    filters.filter(np.zeros((1, 1)), kernel, **options, **params)  # bad parameters: usage
    return _Setup(kernel, params, _jobs(args, kernel), options)


def _kernel_and_params(args):
    params = {name: getattr(args, name) for name in PARAMETERS if getattr(args, name) is not None}
    if args.serpentine:
        params["serpentine"] = True
    if args.kernel is not None or args.kernel_file is not None:
        if params:
            raise UsageError(f"--{next(iter(params))} applies to a named filter, not to a kernel")
        if args.kernel is not None:
            return parse_kernel(args.kernel), {}
        return _read_kernel_file(args.kernel_file), {}
    name = args.filter or "gaussian-blur"
    if (
        name.replace("_", "-") not in filters.FILTERS
        and name.replace("_", "-") not in kernels.PRESETS
    ):
        raise UsageError(f"unknown filter {name!r}; see cconv --list")
    return name, params


_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def parse_kernel(text: str, *, header: bool = False) -> np.ndarray:
    """Kernel text -> array. Rows are separated by ';', newlines or written as ``[...]``
    (numpy/JSON style ``[[0,-1,0],[-1,5,-1],[0,-1,0]]``); numbers by commas, spaces or tabs;
    a number may be a fraction ``a/b``; ``#`` starts a comment. `header`: a first line without
    numbers (a CSV header) is skipped. UsageError says what is wrong and where."""
    lines = [line.split("#", 1)[0] for line in text.splitlines()]
    if header:
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is not None and not re.search(r"\d", lines[first]):
            lines[first] = ""
    text = "\n".join(lines)
    if "[" in text:
        rows = re.findall(r"\[([^\[\]]*)\]", text)
        if re.sub(r"\[[^\[\]]*\]", "", text).strip(" \t\n,[]"):
            raise UsageError("bad kernel text: text outside the [ ] rows")
    else:
        rows = [row for row in re.split(r"[;\n]", text) if row.strip()]
    values = []
    for number, row in enumerate(rows, 1):
        tokens = [token for token in re.split(r"[,\s]+", row.strip()) if token]
        values.append([_kernel_number(token, number) for token in tokens])
    values = [row for row in values if row]
    if not values:
        raise UsageError("bad kernel text: no numbers")
    widths = [len(row) for row in values]
    if len(set(widths)) != 1:
        raise UsageError(f"bad kernel text: rows have different lengths {widths}")
    return np.array(values, dtype=np.float64)


def _kernel_number(token: str, row: int) -> float:
    parts = token.split("/")
    if len(parts) <= 2 and all(_NUMBER.match(part) for part in parts):
        value = (
            float(parts[0]) / float(parts[1])
            if len(parts) == 2 and float(parts[1])
            else float(parts[0])
            if len(parts) == 1
            else None
        )
        if value is not None and np.isfinite(value):
            return value
    raise UsageError(f"bad kernel text: row {row}: {token!r} is not a number or fraction")


def _read_kernel_file(path: Path) -> np.ndarray:
    if not path.is_file():
        raise UsageError(f"kernel file not found: {path}")
    if path.suffix == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except ValueError as error:
            raise UsageError(f"cannot read kernel file {path}: {error}") from None
    return parse_kernel(path.read_text(), header=True)


def _jobs(args, kernel):
    """(source, target) pairs: sources are paths, the sample's resource or STDIO; targets are
    paths or STDIO. UsageError for a missing input or two sources that would write one file."""
    label = kernel.replace("_", "-") if isinstance(kernel, str) else "kernel"
    inputs = list(args.inputs)
    if not inputs and _stdin_has_data():
        inputs = [STDIO]
    if not inputs:
        print(
            f"no input given: filtering the bundled sample photo ({SAMPLE}, public domain)",
            file=sys.stderr,
        )
        sample = resources.files("cconv") / "data" / SAMPLE
        return [(sample, _single_target(args, Path("sample.jpg"), label))]
    sources = []  # (path, name under the output folder)
    for name in inputs:
        path = Path(name)
        if name == STDIO:
            sources.append((STDIO, Path("stdin")))
        elif path.is_dir():
            sources.extend(_folder_sources(path, args.recursive))
        elif path.is_file():
            sources.append((path, Path(path.name)))
        else:
            raise UsageError(f"input not found: {path}")
    several = len(sources) > 1 or any(Path(name).is_dir() for name in inputs)
    if not several:
        return [(sources[0][0], _single_target(args, sources[0][1], label))]
    if args.output == STDIO:
        raise UsageError("-o - (standard output) takes one input")
    folder = Path(args.output or f"cconv-{label}")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"with several inputs, -o must be a folder: {folder} is a file")
    return list(
        zip(
            [source for source, _ in sources],
            _unique_targets(
                folder,
                [relative for _, relative in sources],
                [source for source, _ in sources],
                args.format,
            ),
        )
    )


def _stdin_has_data() -> bool:
    """Standard input is a pipe or a file that holds an image: not a terminal, /dev/null, or
    a pipe that nothing writes to within a second (which would otherwise hang the command)."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (AttributeError, OSError, ValueError):
        return False
    if stat.S_ISREG(mode):
        return os.fstat(sys.stdin.fileno()).st_size > 0
    if not stat.S_ISFIFO(mode):
        return False
    try:
        return bool(select.select([sys.stdin], [], [], 1.0)[0])
    except (OSError, ValueError):
        return False


def _folder_sources(folder: Path, recursive: bool):
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            if recursive:
                found.extend(
                    (source, path.name / relative)
                    for source, relative in _folder_sources(path, True)
                )
            else:
                print(
                    f"cconv: note: skipped the sub-folder {path} (--recursive filters it)",
                    file=sys.stderr,
                )
        elif path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            found.append((path, Path(path.name)))
    return found


def _single_target(args, name: Path, label: str):
    if args.output == STDIO:
        return STDIO
    if args.output:
        return Path(args.output)
    suffix = "." + (args.format or "png").lower().replace("jpeg", "jpg")
    return Path(f"{Path(name).stem}-{label}{suffix}")


def _unique_targets(folder: Path, names: list, sources: list, output_format):
    """One target per source under `folder`: its name (relative path for folders), with the
    --format's extension; where two would collide, the input's extension is kept in the name
    (photo.tif.png), then the inputs' paths are mirrored. UsageError if two still collide."""

    def with_format(name: Path, keep_suffix: bool) -> Path:
        if output_format is None:
            return name
        extension = _extension(output_format)
        return name.with_name(name.name + extension) if keep_suffix else name.with_suffix(extension)

    targets = [with_format(name, False) for name in names]
    for i in _clashes(targets):
        targets[i] = with_format(names[i], True)
    clashes = [i for i in sorted(_clashes(targets)) if sources[i] != STDIO]
    if clashes:
        paths = [Path(sources[i]).resolve() for i in clashes]
        common = Path(os.path.commonpath(paths))
        for i, path in zip(clashes, paths):
            targets[i] = path.relative_to(common).parent / targets[i].name
    clashes = _clashes(targets)
    if clashes:
        names = ", ".join(str(sources[i]) for i in sorted(clashes))
        raise UsageError(f"these inputs would write the same output file: {names}")
    return [folder / target for target in targets]


def _clashes(targets) -> set:
    seen, clashes = {}, set()
    for i, target in enumerate(targets):
        key = str(target).lower()  # case-insensitive file systems
        if key in seen:
            clashes.update((i, seen[key]))
        seen.setdefault(key, i)
    return clashes


def _extension(output_format: str) -> str:
    if output_format == "JPEG":
        return ".jpg"
    extensions = [
        ext for ext, name in Image.registered_extensions().items() if name == output_format
    ]
    return next((ext for ext in extensions if ext in IMAGE_SUFFIXES), extensions[0])


# --- Doing it: each file tried, one line per failure, a summary --------------------------------


def _run(setup: _Setup, args) -> int:
    jobs = setup.jobs
    Image.MAX_IMAGE_PIXELS = args.max_pixels // 2  # Pillow refuses from twice this
    progress = _Progress(len(jobs)) if len(jobs) > 1 else None
    failures = 0

    def one(job):
        source, target = job
        start = time.perf_counter()
        try:
            return _filter_file(source, target, setup, args), time.perf_counter() - start
        except FileError as error:
            return error, None
        except (ValueError, TypeError, OSError, MemoryError) as error:
            return FileError(f"{_name(source)}: {error or type(error).__name__}"), None

    with ThreadPoolExecutor(args.jobs) as pool:  # the engine releases the GIL
        for number, ((_, target), (outcome, elapsed)) in enumerate(
            zip(jobs, pool.map(one, jobs)), 1
        ):
            if isinstance(outcome, FileError):
                failures += 1
                print(f"cconv: error: {outcome}", file=sys.stderr)
            elif progress is None and target != STDIO:
                print(
                    f"wrote {target} ({outcome}, {_describe(setup.kernel, setup.params)}, "
                    f"{elapsed * 1e3:.1f} ms)"
                )
            if progress:
                progress.update(number, Path(str(target)).name)
    if progress:
        progress.finish(len(jobs) - failures, failures)
    return EXIT_FAILED if failures else 0


def _filter_file(source, target, setup: _Setup, args) -> str:
    """Filter one file into `target`; returns a description of what was written."""
    if target != STDIO and target.exists() and not args.overwrite:
        what = "an input" if source != STDIO and _same_file(source, target) else "a file"
        raise FileError(f"{target}: exists and is {what}; --overwrite replaces it")
    picture = _open(source)
    with picture:
        output_format = args.format or (
            "PNG" if target == STDIO else Image.registered_extensions().get(target.suffix.lower())
        )
        if output_format is None:
            raise FileError(
                f"{target}: unknown output format for {target.suffix or 'no'} "
                f"extension; name it .png, .jpg ... or pass --format"
            )
        frames = [
            filters.filter(frame.copy(), setup.kernel, **setup.options, **setup.params)
            for frame in _frames(picture, output_format, source)
        ]
        frames = [
            _fit_mode(frame, output_format, source if i == 0 else None)
            for i, frame in enumerate(frames)
        ]
        extras = _save_options(picture, frames, output_format, args.quality)
        data = io.BytesIO()
        try:
            frames[0].save(data, format=output_format, **extras)
        except (KeyError, ValueError, OSError) as error:
            raise FileError(f"{target}: cannot write {output_format}: {error}") from None
    if target == STDIO:
        sys.stdout.buffer.write(data.getvalue())
        sys.stdout.buffer.flush()
    else:
        _write_atomically(data.getvalue(), target, args.overwrite)
    first = frames[0]
    count = f", {len(frames)} frames" if len(frames) > 1 else ""
    return f"{first.width}x{first.height} {first.mode}{count}"


def _open(source) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if source == STDIO:
                picture = Image.open(io.BytesIO(sys.stdin.buffer.read()))
            else:
                picture = Image.open(source)
            picture.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileError(
            f"{_name(source)}: larger than --max-pixels "
            f"({Image.MAX_IMAGE_PIXELS * 2} pixels); raise it to filter this "
            f"image"
        ) from None
    except UnidentifiedImageError:
        raise FileError(f"{_name(source)}: not an image Pillow can read") from None
    except (OSError, SyntaxError, ValueError) as error:  # truncated or corrupt files
        raise FileError(f"{_name(source)}: cannot read: {error}") from None
    return picture


def _frames(picture: Image.Image, output_format: str, source):
    count = getattr(picture, "n_frames", 1)
    if count == 1:
        return [picture]
    if output_format not in _MULTI_FRAME_FORMATS:
        print(
            f"cconv: note: {_name(source)}: {output_format} holds one frame; wrote the first "
            f"of {count}",
            file=sys.stderr,
        )
        return [picture]
    return [frame.copy() for frame in ImageSequence.Iterator(picture)]


def _fit_mode(image: Image.Image, output_format: str, source) -> Image.Image:
    """`image` in a mode `output_format` can hold, with a one-line note naming `source` when
    converted (none when `source` is None): alpha flattened onto white (JPEG, BMP), CMYK to
    RGB, 16-bit and float scaled to 8 bits."""
    allowed = _FORMAT_MODES.get(output_format)
    if allowed is None or image.mode in allowed:
        return image
    mode = image.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") and not {"RGBA", "LA"} & allowed:
        flat = Image.new("RGB" if mode[0] != "L" else "L", image.size, "white")
        flat.paste(
            image.convert("RGBA" if mode[0] != "L" else "LA"),
            mask=image.getchannel("A") if "A" in image.getbands() else None,
        )
        converted, how = flat, "flattened its alpha onto white"
    elif mode in ("I;16", "I;16L", "I;16B", "I", "F"):
        scale = 1 / 257 if mode.startswith("I;16") else 1.0
        values = np.clip(np.rint(np.asarray(image, np.float64) * scale), 0, 255)
        converted, how = Image.fromarray(values.astype(np.uint8), "L"), "scaled it to 8 bits"
    else:
        target = "RGB" if "RGB" in allowed else next(iter(sorted(allowed)))
        converted, how = image.convert(target), f"converted it to {target}"
    if converted.mode not in allowed:
        converted = converted.convert("RGB" if "RGB" in allowed else "L")
    if source is not None:
        print(
            f"cconv: note: {_name(source)}: {output_format} cannot hold mode {mode}; {how}",
            file=sys.stderr,
        )
    converted.info.update(image.info)
    return converted


def _save_options(picture: Image.Image, frames: list, output_format: str, quality) -> dict:
    extras = {
        key: picture.info[key] for key in ("icc_profile", "exif", "dpi") if key in picture.info
    }
    if output_format in ("JPEG", "WEBP"):
        extras["quality"] = quality or _jpeg_quality(picture) or 95
    if len(frames) > 1:
        durations = [
            frame.info.get("duration", picture.info.get("duration", 100)) for frame in frames
        ]
        extras.update(
            save_all=True,
            append_images=frames[1:],
            duration=durations,
            loop=picture.info.get("loop", 0),
        )
    return extras


# The IJG standard luminance quantisation table (JPEG Annex K), which libjpeg scales by quality
_IJG_LUMINANCE = np.array(
    [
        16,
        11,
        10,
        16,
        24,
        40,
        51,
        61,
        12,
        12,
        14,
        19,
        26,
        58,
        60,
        55,
        14,
        13,
        16,
        24,
        40,
        57,
        69,
        56,
        14,
        17,
        22,
        29,
        51,
        87,
        80,
        62,
        18,
        22,
        37,
        56,
        68,
        109,
        103,
        77,
        24,
        35,
        55,
        64,
        81,
        104,
        113,
        92,
        49,
        64,
        78,
        87,
        103,
        121,
        120,
        101,
        72,
        92,
        95,
        98,
        112,
        100,
        103,
        99,
    ]
)


def _jpeg_quality(picture: Image.Image):
    """The input JPEG's quality: the libjpeg quality whose scaled standard luminance table is
    nearest to the file's (None for other formats)."""
    tables = getattr(picture, "quantization", None)
    if picture.format != "JPEG" or not tables:
        return None
    actual = np.sort(np.asarray(tables[0], np.int64))

    def distance(quality):
        scale = 5000 // quality if quality < 50 else 200 - 2 * quality
        table = np.clip((_IJG_LUMINANCE * scale + 50) // 100, 1, 255)
        return int(np.abs(np.sort(table) - actual).sum())

    return min(range(1, 101), key=distance)


def _write_atomically(data: bytes, target: Path, overwrite: bool) -> None:
    """Write to a temporary file beside `target`, then move it there: a failure (or a kill)
    never leaves half a file at `target`, and without `overwrite` a file that appeared there
    meanwhile is kept (a hard link, which fails on an existing name). Permissions follow the
    umask, as for any new file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o666 & ~_UMASK)
        if overwrite:
            os.replace(temporary, target)
        else:
            try:
                os.link(temporary, target)
            except FileExistsError:
                raise FileError(f"{target}: exists; --overwrite replaces it") from None
            except OSError:  # a file system without hard links
                if target.exists():
                    raise FileError(f"{target}: exists; --overwrite replaces it") from None
                os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _same_file(source, target: Path) -> bool:
    try:
        return Path(source).resolve() == target.resolve()
    except (OSError, TypeError):
        return False


def _name(source) -> str:
    return "standard input" if source == STDIO else str(source)


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

    def finish(self, written, failed):
        if self.interactive:
            print(file=sys.stderr)
        print(f"{written} written, {failed} failed", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
