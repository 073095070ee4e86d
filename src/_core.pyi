# Type stub for the compiled engine (src/_core.pyx), installed once per module
# (cconv._core_baseline, _core_avx2, _core_avx512). Private: use cconv.correlate / convolve.
import numpy as np
from numpy.typing import NDArray

MODES: dict[str, int]
PATHS: dict[str, int]
IN_PLACE_ROW: int

def openmp_enabled() -> bool: ...
def cpu_levels() -> list[str]: ...
def correlate(
    image: NDArray[np.generic],
    out: NDArray[np.generic],
    kernel: NDArray[np.floating],
    column_weights: NDArray[np.floating],
    row_weights: NDArray[np.floating],
    path: int,
    channels: int,
    anchor_y: int,
    anchor_x: int,
    mode: int,
    cval: float,
    offset: float,
    centre: float,
    threads: int,
    stream: bool,
    stride_y: int = 1,
    stride_x: int = 1,
) -> None: ...
