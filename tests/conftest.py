import pytest

try:
    import cconv
    from cconv import _engine
except ImportError as error:  # pragma: no cover - a setup problem, not a test result
    raise pytest.UsageError(
        f"cannot import the compiled cconv ({error}). The tests run against the installed "
        "package: `pip install .` first, then run `pytest` (not `python -m pytest`, which puts "
        "the source folder, without the compiled engine, first on sys.path)."
    ) from None

LEVELS = _engine.available_levels()


@pytest.fixture(params=LEVELS)
def simd_level(request, monkeypatch):
    """Run the test once with each compiled engine module this CPU can run."""
    monkeypatch.setattr(_engine, "engine", _engine.load(request.param))
    return request.param


def pytest_report_header(config):
    info = cconv.build_info()
    return (
        f"cconv {info['version']} from {cconv.__file__}; openmp={info['openmp']}; "
        f"simd levels tested: {', '.join(LEVELS)}"
    )
