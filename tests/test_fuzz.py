"""The seeded differential fuzzer (tests/fuzz.py) against the float64 reference, on every
compiled engine: a few thousand cases in the normal run; CCONV_FUZZ_CASES=100000 for the long
run. A failure is reported as a shrunk, runnable reproducer."""

import os

import numpy as np
import pytest

import fuzz

CASES = int(os.environ.get("CCONV_FUZZ_CASES", "2000"))
BATCHES = 20


@pytest.mark.parametrize("batch", range(BATCHES))
def test_random_calls_keep_the_accuracy_contract(simd_level, batch):
    failures = []
    for number in range(batch, CASES, BATCHES):
        case = fuzz.draw(np.random.default_rng([number, 24]))
        problem = fuzz.check(case)
        if problem is not None:
            small = fuzz.shrink(case)
            failures.append(
                f"case {number}: {fuzz.check(small) or problem}\n{fuzz.reproducer(small)}"
            )
            if len(failures) >= 3:
                break
    assert not failures, "\n\n".join(failures)
