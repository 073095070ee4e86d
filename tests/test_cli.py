"""The cconv command end to end, in a subprocess, including its errors and exit codes."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import cconv


def run(*args, cwd, stdin=subprocess.DEVNULL, text=True):
    return subprocess.run(
        [sys.executable, "-m", "cconv", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=text,
        timeout=120,
        stdin=stdin,
    )


@pytest.fixture
def photo(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, size=(40, 50, 3)).astype(np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(pixels).save(path)
    return path


def test_without_input_filters_the_bundled_sample(tmp_path):
    done = run(cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    output = tmp_path / "sample-gaussian-blur.png"
    assert output.is_file() and "wrote" in done.stdout
    sample = Image.open(Path(cconv.__file__).parent / "data" / "grace_hopper.jpg")
    np.testing.assert_array_equal(
        np.asarray(Image.open(output)), np.asarray(cconv.gaussian_blur(sample))
    )


def test_one_file_with_a_preset_and_parameters(tmp_path, photo):
    done = run(
        photo,
        "-o",
        tmp_path / "out.png",
        "--filter",
        "gaussian",
        "--sigma",
        2,
        "--mode",
        "reflect",
        "--threads",
        1,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    expected = cconv.filter(Image.open(photo), "gaussian", sigma=2.0, mode="reflect")
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.png")), expected)


def test_dither(tmp_path, photo):
    gray = tmp_path / "gray.png"
    Image.open(photo).convert("L").save(gray)
    done = run(
        gray,
        "-o",
        tmp_path / "bits.png",
        "--filter",
        "dither",
        "--method",
        "stucki",
        "--serpentine",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    written = Image.open(tmp_path / "bits.png")
    assert written.mode == "1"
    expected = cconv.dither(Image.open(gray), method="stucki", serpentine=True)
    np.testing.assert_array_equal(np.asarray(written), np.asarray(expected))
    done = run(
        photo, "-o", tmp_path / "four.png", "--filter", "dither", "--levels", 4, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(
        np.asarray(Image.open(tmp_path / "four.png")),
        cconv.dither(np.asarray(Image.open(photo)), 4),
    )


def test_kernel_text_and_kernel_file(tmp_path, photo):
    text = "0 -1 0; -1 5 -1; 0 -1 0"
    assert run(photo, "-o", tmp_path / "a.png", "--kernel", text, cwd=tmp_path).returncode == 0
    (tmp_path / "k.txt").write_text("0, -1, 0\n-1, 5, -1\n0, -1, 0\n")
    assert (
        run(
            photo, "-o", tmp_path / "b.png", "--kernel-file", tmp_path / "k.txt", cwd=tmp_path
        ).returncode
        == 0
    )
    expected = cconv.correlate(np.asarray(Image.open(photo)), cconv.kernels.sharpen())
    for name in ("a.png", "b.png"):
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / name)), expected)


def test_several_inputs_write_into_a_folder_with_progress(tmp_path, photo):
    second = tmp_path / "second.png"
    Image.open(photo).rotate(90).save(second)
    done = run(photo, second, "-o", tmp_path / "out", "--filter", "edges", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["photo.png", "second.png"]
    assert "2/2" in done.stderr and "2 written, 0 failed" in done.stderr


def test_list_help_and_version(tmp_path):
    listing = run("--list", cwd=tmp_path).stdout
    assert "gaussian" in listing and "--sigma 1.0" in listing and "edges" in listing
    assert "--kernel-file" in run("--help", cwd=tmp_path).stdout
    version = run("--version", cwd=tmp_path).stdout
    assert cconv.__version__ in version and "simd" in version


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (["missing.png"], "input not found", 2),
        (["notes.png"], "notes.png: not an image", 1),
        (["photo.png", "--kernel", "1 2; 3"], "bad kernel text", 2),
        (["photo.png", "--kernel", "1 x 2"], "row 1: 'x' is not a number", 2),
        (["photo.png", "--filter", "nope"], "unknown filter", 2),
        (["photo.png", "--filter", "sharpen", "--sigma", "2"], "sigma", 2),
        (["photo.png", "--filter", "gaussian", "--sigma", "-1"], "sigma", 2),
        (["photo.png", "-o", "photo.png"], "exists and is an input", 1),
        (["photo.png", "-o", "out.2ty73_xf"], "unknown output format", 1),
        (["photo.png", "--threads", "0"], "threads", 2),
        (["photo.png", "--filter", "dither", "--mode", "wrap"], "`mode` does not apply", 2),
        (["photo.png", "--filter", "dither", "--levels", "1"], "levels", 2),
        (["photo.png", "--filter", "blur", "--serpentine"], "serpentine", 2),
    ],
)
def test_errors_print_one_line_and_documented_status(tmp_path, photo, args, message, status):
    (tmp_path / "notes.png").write_text("not a picture")
    done = run(*args, cwd=tmp_path)
    assert done.returncode == status, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert ".2ty73_xf." not in done.stderr  # no temporary file's name


def test_failed_read_leaves_no_file_and_keeps_the_old_one(tmp_path, photo):
    truncated = tmp_path / "cut.jpg"
    Image.open(photo).save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    target = tmp_path / "out.png"
    target.write_bytes(b"previous")
    done = run(truncated, "-o", target, "--overwrite", cwd=tmp_path)
    assert done.returncode == 1 and "cut.jpg" in done.stderr
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_existing_outputs_and_inputs_are_kept_unless_overwrite(tmp_path, photo):
    before = photo.read_bytes()
    assert run(photo, "-o", photo, cwd=tmp_path).returncode == 1
    assert photo.read_bytes() == before
    assert run(photo, "-o", photo, "--overwrite", cwd=tmp_path).returncode == 0
    assert photo.read_bytes() != before
    other = tmp_path / "other.png"
    other.write_bytes(b"keep me")
    done = run(photo, "-o", other, cwd=tmp_path)
    assert done.returncode == 1 and "exists" in done.stderr
    assert other.read_bytes() == b"keep me"


def test_console_script_is_installed(tmp_path):
    script = Path(sys.executable).parent / "cconv"
    if not script.exists():
        pytest.skip("no console script beside this interpreter")
    done = subprocess.run([script, "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and "cconv" in done.stdout


def _save(path, mode="RGB", size=(30, 20), seed=0, **options):
    pixels = np.random.default_rng(seed).integers(0, 256, size=(size[1], size[0], 3))
    Image.fromarray(pixels.astype(np.uint8)).convert(mode).save(path, **options)
    return path


def test_inputs_that_share_a_name_never_share_an_output(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _save(tmp_path / "a" / "x.png", seed=1)
    _save(tmp_path / "b" / "x.png", seed=2)
    done = run("a/x.png", "b/x.png", "-o", "coll", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("a", "b"):
        expected = cconv.gaussian_blur(Image.open(tmp_path / name / "x.png"))
        np.testing.assert_array_equal(
            np.asarray(Image.open(tmp_path / "coll" / name / "x.png")), np.asarray(expected)
        )
    _save(tmp_path / "photo.tif", seed=3)
    _save(tmp_path / "photo.webp", seed=4, lossless=True)
    done = run("photo.tif", "photo.webp", "-o", "out", "--format", "png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "photo.tif.png",
        "photo.webp.png",
    ]
    done = run("a/x.png", "a/x.png", "-o", "twice", cwd=tmp_path)  # refused before any write
    assert done.returncode == 2 and "same output file" in done.stderr
    assert not (tmp_path / "twice").exists()


def test_a_batch_tries_every_file_and_sums_up(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    _save(folder / "1.png", seed=1)
    (folder / "2.png").write_text("not an image")
    _save(folder / "3.png", seed=3)
    _save(folder / "sub" / "4.png", seed=4)
    done = run("in", "-o", "out", "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["1.png", "3.png"]
    assert "2.png: not an image" in done.stderr and "2 written, 1 failed" in done.stderr
    assert "skipped the sub-folder" in done.stderr
    done = run("in", "-o", "deep", "--recursive", cwd=tmp_path)
    assert done.returncode == 1 and (tmp_path / "deep" / "sub" / "4.png").is_file()
    np.testing.assert_array_equal(
        np.asarray(Image.open(tmp_path / "out" / "3.png")),
        np.asarray(Image.open(tmp_path / "deep" / "3.png")),
    )


@pytest.mark.parametrize(
    ("mode", "output", "note", "mode_after"),
    [
        ("CMYK", "o.png", "converted it to RGB", "RGB"),
        ("RGBA", "o.jpg", "flattened its alpha onto white", "RGB"),
        ("I;16", "o.jpg", "scaled it to 8 bits", "L"),
        ("RGB", "o.webp", None, "RGB"),
        ("L", "o.tif", None, "L"),
    ],
)
def test_modes_an_output_format_cannot_hold_are_converted_with_a_note(
    tmp_path, mode, output, note, mode_after
):
    source = tmp_path / ("in.tif" if mode in ("CMYK", "I;16") else "in.png")
    if mode == "I;16":
        Image.fromarray(np.full((8, 8), 40000, np.uint16)).save(source)
    else:
        _save(source, mode)
    done = run(source, "-o", output, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (note in done.stderr) if note else "note" not in done.stderr
    with Image.open(tmp_path / output) as result:
        assert result.mode == mode_after


def test_animated_gif_is_filtered_frame_by_frame(tmp_path):
    frames = [Image.new("RGB", (12, 10), (40 * i, 100, 0)) for i in range(4)]
    frames[0].save(
        tmp_path / "anim.gif",
        save_all=True,
        append_images=frames[1:],
        duration=[50, 60, 70, 80],
        loop=0,
    )
    done = run("anim.gif", "-o", "out.gif", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    durations = []
    with Image.open(tmp_path / "out.gif") as result:
        assert result.n_frames == 4 and result.info["loop"] == 0
        for index in range(4):
            result.seek(index)
            durations.append(result.info["duration"])
    assert durations == [50, 60, 70, 80]


def test_jpeg_quality_is_kept_or_given(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, size=(64, 64, 3)).astype(np.uint8)
    Image.fromarray(pixels).save(tmp_path / "in.jpg", quality=92)
    assert run("in.jpg", "-o", "kept.jpg", "--filter", "identity", cwd=tmp_path).returncode == 0
    assert (
        run(
            "in.jpg", "-o", "low.jpg", "--filter", "identity", "--quality", "30", cwd=tmp_path
        ).returncode
        == 0
    )
    from cconv.cli import _jpeg_quality

    for name, quality in (("kept.jpg", 92), ("low.jpg", 30)):
        with Image.open(tmp_path / name) as result:
            assert _jpeg_quality(result) == quality


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_outputs_follow_the_umask(tmp_path, photo, umask, expected):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import os, sys; os.umask({umask}); "
            "from cconv.cli import main; sys.exit(main(sys.argv[1:]))",
            str(photo),
            "-o",
            "out.png",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.png").stat().st_mode & 0o777 == expected


@pytest.mark.parametrize(
    "text",
    [
        "1/16 2/16 1/16; 2/16 4/16 2/16; 1/16 2/16 1/16",
        "[[1/16, 2/16, 1/16], [2/16, 4/16, 2/16], [1/16, 2/16, 1/16]]",
        "0.0625\t0.125\t0.0625\n0.125 0.25 0.125\n1/16,1/8,1/16",
    ],
)
def test_kernel_texts(tmp_path, photo, text):
    assert run(photo, "-o", "k.png", "--kernel", text, cwd=tmp_path).returncode == 0
    expected = cconv.correlate(np.asarray(Image.open(photo)), np.outer([1, 2, 1], [1, 2, 1]) / 16)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "k.png")), expected)


def test_kernel_file_with_comments_and_header_and_normalize(tmp_path, photo):
    (tmp_path / "k.csv").write_text("a,b,c\n# a binomial blur\n1,2,1\n2,4,2  # middle\n1,2,1\n")
    done = run(photo, "-o", "k.png", "--kernel-file", "k.csv", "--normalize", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = cconv.correlate(np.asarray(Image.open(photo)), np.outer([1, 2, 1], [1, 2, 1]) / 16)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "k.png")), expected)
    done = run(photo, "-o", "raw.png", "--kernel", "1 2 1; 2 4 2; 1 2 1", cwd=tmp_path)
    assert done.returncode == 0 and "sum to 16" in done.stderr and "--normalize" in done.stderr
    np.testing.assert_array_equal(
        cconv.filter(np.asarray(Image.open(photo)), np.outer([1, 2, 1], [1, 2, 1]), normalize=True),
        expected,
    )


def test_standard_input_and_output(tmp_path, photo):
    data = photo.read_bytes()
    with photo.open("rb") as stdin:
        done = run("-", "-o", "-", "--format", "png", cwd=tmp_path, stdin=stdin, text=False)
    assert done.returncode == 0, done.stderr
    (tmp_path / "piped.png").write_bytes(done.stdout)
    expected = np.asarray(cconv.gaussian_blur(Image.open(photo)))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "piped.png")), expected)
    with photo.open("rb") as stdin:  # no input, data on stdin: it is read, not the sample
        done = run("-o", "from-stdin.png", cwd=tmp_path, stdin=stdin)
    assert done.returncode == 0 and "sample" not in done.stderr
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "from-stdin.png")), expected)
    assert data == photo.read_bytes()


def test_images_beyond_max_pixels_are_refused_in_one_line(tmp_path, photo):
    done = run(photo, "-o", "big.png", "--max-pixels", "100", cwd=tmp_path)
    assert done.returncode == 1 and "--max-pixels" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "big.png").exists()


def test_killing_a_batch_leaves_no_partial_output(tmp_path):
    import signal
    import time

    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(12):
        _save(folder / f"{index:02d}.png", size=(900, 700), seed=index)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cconv",
            "in",
            "-o",
            "out",
            "--filter",
            "gaussian-blur",
            "--sigma",
            "6",
        ],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any((tmp_path / "out").glob("*.png")):
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    written = sorted((tmp_path / "out").glob("*.png"))
    assert 0 < len(written) < 12
    for path in written:  # every file at an output path is complete
        with Image.open(path) as result:
            result.load()
