"""Property-based tests (hypothesis): arbitrary shapes, kernels, modes and dtypes vs the
reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cconv

from reference import assert_matches_reference, reference_filter

MODES = ["nearest", "reflect", "mirror", "wrap", "constant"]

image_shapes = st.one_of(
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=9),
    hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=6),
    hnp.array_shapes(min_dims=4, max_dims=4, min_side=1, max_side=4),
)
kernels = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=7),
    elements=st.floats(-4, 4, allow_nan=False, width=32),
)


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    shape=image_shapes,
    kernel=kernels,
    mode=st.sampled_from(MODES),
    cval=st.floats(-50, 50),
    convolve=st.booleans(),
    threads=st.integers(1, 4),
)
def test_float64_matches_reference(data, shape, kernel, mode, cval, convolve, threads):
    image = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-1e3, 1e3)))
    function = cconv.convolve if convolve else cconv.correlate
    result = function(image, kernel, mode=mode, cval=cval, threads=threads)
    expected = reference_filter(image, kernel, mode, cval, convolve=convolve)
    assert_matches_reference(result, expected, kernel, image, cval=cval)


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    shape=image_shapes,
    kernel=kernels,
    mode=st.sampled_from(MODES),
    dtype=st.sampled_from([np.uint8, np.uint16, np.int16]),
)
def test_integers_round_and_saturate_like_the_reference(data, shape, kernel, mode, dtype):
    image = data.draw(hnp.arrays(dtype, shape))
    before = image.copy()
    result = cconv.correlate(image, kernel, mode=mode)
    assert_matches_reference(result, reference_filter(image, kernel, mode), kernel, image)
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize("level", ["baseline", "avx2", "avx512"])
def test_every_engine_gives_nearly_the_same_result(level):
    from cconv import _engine

    if level not in _engine.available_levels():
        pytest.skip(f"{level} not available on this CPU")
    rng = np.random.default_rng(9)
    image = rng.integers(0, 256, size=(64, 80, 3)).astype(np.uint8)
    kernel = rng.standard_normal((5, 5))
    default = cconv.correlate(image, kernel, dtype=np.float64)
    engine = _engine.load(level)
    out = np.empty(image.shape, np.float64)
    no_factor = np.empty(0)
    engine.correlate(
        image.reshape(1, 64, 240),
        out.reshape(1, 64, 240),
        kernel,
        no_factor,
        no_factor,
        engine.PATHS["direct"],
        3,
        2,
        2,
        0,
        0.0,
        0.0,
        0.0,
        2,
        False,
    )
    np.testing.assert_allclose(out, default, rtol=1e-12, atol=1e-9)
