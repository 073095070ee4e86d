# Type stub for cconv._dither (src/_dither.pyx). Private: use cconv.dither.
import numpy as np
from numpy.typing import NDArray

def dither(
    image: NDArray[np.generic],
    out: NDArray[np.generic],
    index: NDArray[np.uint8],
    offsets: NDArray[np.intp],
    weights: NDArray[np.generic],
    carry: NDArray[np.generic],
    divisor: float,
    level_values: NDArray[np.generic],
    palette: NDArray[np.float64],
    serpentine: bool,
    threads: int,
) -> None: ...
