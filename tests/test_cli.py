"""The cconv command end to end, in a subprocess, including its errors and exit codes."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import cconv


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "cconv", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


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
    np.testing.assert_array_equal(np.asarray(Image.open(output)),
                                  np.asarray(cconv.gaussian_blur(sample)))


def test_one_file_with_a_preset_and_parameters(tmp_path, photo):
    done = run(photo, "-o", tmp_path / "out.png", "--filter", "gaussian", "--sigma", 2,
               "--mode", "reflect", "--threads", 1, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = cconv.filter(Image.open(photo), "gaussian", sigma=2.0, mode="reflect")
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.png")), expected)


def test_kernel_text_and_kernel_file(tmp_path, photo):
    text = "0 -1 0; -1 5 -1; 0 -1 0"
    assert run(photo, "-o", tmp_path / "a.png", "--kernel", text, cwd=tmp_path).returncode == 0
    (tmp_path / "k.txt").write_text("0, -1, 0\n-1, 5, -1\n0, -1, 0\n")
    assert run(photo, "-o", tmp_path / "b.png", "--kernel-file", tmp_path / "k.txt",
               cwd=tmp_path).returncode == 0
    expected = cconv.correlate(np.asarray(Image.open(photo)), cconv.kernels.sharpen())
    for name in ("a.png", "b.png"):
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / name)), expected)


def test_several_inputs_write_into_a_folder_with_progress(tmp_path, photo):
    second = tmp_path / "second.png"
    Image.open(photo).rotate(90).save(second)
    done = run(photo, second, "-o", tmp_path / "out", "--filter", "edges", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["photo.png", "second.png"]
    assert "2/2" in done.stderr and "wrote 2 files" in done.stderr


def test_list_help_and_version(tmp_path):
    listing = run("--list", cwd=tmp_path).stdout
    assert "gaussian" in listing and "--sigma 1.0" in listing and "edges" in listing
    assert "--kernel-file" in run("--help", cwd=tmp_path).stdout
    version = run("--version", cwd=tmp_path).stdout
    assert cconv.__version__ in version and "simd" in version


@pytest.mark.parametrize(
    ("args", "message"),
    [(["missing.png"], "input not found"),
     (["notes.png"], "not an image"),
     (["photo.png", "--kernel", "1 2; 3"], "bad kernel text"),
     (["photo.png", "--kernel", "1 x 2"], "bad kernel text"),
     (["photo.png", "--filter", "nope"], "unknown filter"),
     (["photo.png", "--filter", "sharpen", "--sigma", "2"], "sigma"),
     (["photo.png", "--filter", "gaussian", "--sigma", "-1"], "sigma"),
     (["photo.png", "-o", "photo.png"], "refusing to overwrite"),
     (["photo.png", "--threads", "0"], "threads")],
)
def test_errors_print_one_line_and_exit_non_zero(tmp_path, photo, args, message):
    (tmp_path / "notes.png").write_text("not a picture")
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path):
    rgba = tmp_path / "alpha.png"
    Image.new("RGBA", (8, 8), (255, 0, 0, 128)).save(rgba)
    target = tmp_path / "out.jpg"
    target.write_bytes(b"previous")
    done = run(rgba, "-o", target, cwd=tmp_path)  # JPEG cannot hold RGBA
    assert done.returncode == 1 and "cannot write" in done.stderr
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_overwrite_input_only_when_asked(tmp_path, photo):
    before = photo.read_bytes()
    assert run(photo, "-o", photo, cwd=tmp_path).returncode == 1
    assert photo.read_bytes() == before
    assert run(photo, "-o", photo, "--overwrite", cwd=tmp_path).returncode == 0
    assert photo.read_bytes() != before


def test_console_script_is_installed(tmp_path):
    script = Path(sys.executable).parent / "cconv"
    if not script.exists():
        pytest.skip("no console script beside this interpreter")
    done = subprocess.run([script, "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and "cconv" in done.stdout
