"""Build and run-time behaviour: GIL release, runtime dispatch, configuration, doctests."""

import doctest
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import cconv
import cconv.api
from cconv import _engine


def test_gil_is_released_during_the_computation():
    image = np.random.default_rng(0).random((1500, 1500))
    kernel = np.ones((9, 9))
    done = threading.Event()
    ticks = 0

    def work():
        cconv.correlate(image, kernel, threads=1)
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():  # this loop only runs while the worker does not hold the GIL
        ticks += 1
    worker.join()
    assert ticks > 1000


def test_concurrent_calls_from_python_threads_are_correct():
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, size=(200, 150, 3)).astype(np.uint8) for _ in range(4)]
    kernel = rng.standard_normal((5, 5))
    expected = [cconv.correlate(image, kernel, threads=1) for image in images]
    results = [None] * 4

    def work(i):
        results[i] = cconv.correlate(images[i], kernel, threads=2)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result, reference in zip(results, expected):
        np.testing.assert_array_equal(result, reference)


def test_build_info_and_show_config(capsys):
    info = cconv.build_info()
    assert info["simd"] == _engine.level
    assert info["simd"] in info["simd_available"]
    assert info["simd_available"][0] == "baseline"
    assert isinstance(info["openmp"], bool) and info["default_threads"] >= 1
    cconv.show_config()
    printed = capsys.readouterr().out
    assert f"simd: {info['simd']}" in printed and "openmp:" in printed


def test_default_threads_is_the_process_cpu_count_read_again_each_second(monkeypatch):
    # threads=None uses the CPUs the process may run on; the count is read at most once a
    # second (a system call per call cost a tenth of a small image's call)
    reads = []
    clock = [1000.0]
    monkeypatch.setattr(cconv.api, "_cpu_count", (-float("inf"), 1))
    monkeypatch.setattr(cconv.api.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(cconv.api, "_read_cpu_count", lambda: reads.append(clock[0]) or 3)
    assert cconv.api.default_threads() == 3
    clock[0] += 0.9
    assert cconv.api.default_threads() == 3 and len(reads) == 1
    monkeypatch.setattr(cconv.api, "_read_cpu_count", lambda: reads.append(clock[0]) or 5)
    clock[0] += 0.2
    assert cconv.api.default_threads() == 5 and len(reads) == 2
    if hasattr(os, "sched_getaffinity"):
        monkeypatch.undo()
        assert cconv.api._read_cpu_count() == len(os.sched_getaffinity(0))


def test_default_threads_are_one_on_small_images_and_every_cpu_on_larger(monkeypatch):
    # threads=None: one thread under 16384 samples (a second one cost more than it saved),
    # every CPU from there (no more than rows); an explicit count is used as given
    counts = []
    engine = cconv._engine.engine
    correlate = engine.correlate

    def recording(*args):
        counts.append(args[-2])  # the engine's `threads`, before `stream` (unstrided)
        return correlate(*args)

    monkeypatch.setattr(engine, "correlate", recording)
    # (a call remembered earlier would go to the engine without looking its name up)
    monkeypatch.setattr(cconv.api, "_REPEATS", {})
    monkeypatch.setattr(cconv.api, "default_threads", lambda: 4)
    kernel = np.ones((3, 3)) / 9
    for shape, threads, expected in [
        ((64, 64, 3), None, 1),
        ((127, 129), None, 1),
        ((128, 128), None, 4),
        ((3, 6000), None, 3),
        ((64, 64, 3), 2, 2),
        ((2, 4), 3, 2),
    ]:
        image = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
        result = cconv.correlate(image, kernel, threads=threads, method="direct")
        assert counts[-1] == expected, (shape, threads)
        np.testing.assert_array_equal(
            result, cconv.correlate(image, kernel, threads=1, method="direct")
        )


def test_fastest_level_is_chosen_and_cconv_simd_caps_it():
    assert _engine.level == _engine.available_levels()[-1]
    code = "import cconv; print(cconv.build_info()['simd'])"
    env = {**os.environ, "CCONV_SIMD": "baseline"}
    chosen = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(__file__),
    )
    assert chosen.stdout.strip() == "baseline"


def test_docstring_examples_run():
    for module in (cconv, cconv.api):
        failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert tried > 0 and failures == 0


def test_importing_the_source_folder_says_what_is_wrong(tmp_path):
    """`import cconv` in a clone's root finds the source folder, which has no compiled engine:
    the error says so, instead of a circular-import message."""
    source = os.path.join(os.path.dirname(__file__), "..", "cconv")
    if any(
        name.startswith("_core_") and not name.endswith((".pyx", ".pyi"))
        for name in os.listdir(source)
    ):
        pytest.skip("this source folder was built in place")
    run = subprocess.run(
        [sys.executable, "-c", "import cconv"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=os.path.dirname(os.path.abspath(source)),
    )
    assert run.returncode != 0
    assert "compiled engine is missing" in run.stderr and "source folder" in run.stderr
    assert "circular import" not in run.stderr
