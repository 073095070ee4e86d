"""Dask arrays in cconv's functions: the same call, lazily, chunk by chunk.

Each chunk is filtered with the rows and columns the kernel reaches from its neighbours
(``map_overlap``, as deep as the kernel reaches past its anchor, each side), so nothing of a
border mode appears between chunks; at the image's own edges the chunk's edge is the image's,
and cconv applies the mode there exactly as on the whole array. 'wrap' takes its overlap from
the opposite side of the image (dask's 'periodic' boundary). Along an axis whose chunks are
shorter than the kernel's reach, chunks are merged for the computation (and the result is
rechunked to the input's chunks); an axis the kernel reaches across entirely is one chunk.
The engine's path is chosen once for the whole image, as the same call in memory chooses it,
so every chunk takes the path the in-memory call takes and the values are the same, bit for
bit, with one exception: float images on the box path (constant kernels with kh + kw >= 16),
whose running column sums restart every kh rows counted from the top of the array the engine
is given, so a chunk rounds differently from the whole image (within the accuracy contract of
docs/design.md, not bit for bit). Integer images' box sums are exact, and the direct,
separable and FFT paths compute each pixel the same way wherever it lies.

dask is imported only when a Dask array is given; ``import cconv`` never imports it.
"""

from __future__ import annotations

import functools
import math

import numpy as np


def is_dask_array(value) -> bool:
    """Whether `value` is a dask.array.Array (without importing dask)."""
    return type(value).__module__.startswith("dask.array") and hasattr(value, "map_overlap")


def spatial_axes(ndim: int) -> tuple:
    """The image axes (H, W) of an array cconv takes: (H, W), (H, W, C) or (N, H, W, C)."""
    if ndim not in (2, 3, 4):
        raise ValueError(f"`image` must have shape (H, W), (H, W, C) or (N, H, W, C); "
                         f"got a Dask array of {ndim} dimensions")
    return (0, 1) if ndim < 4 else (1, 2)


def sample(array) -> np.ndarray:
    """A 1-pixel numpy array of `array`'s rank and dtype: run through a function first, it
    raises the same errors as the whole call would (eagerly, not at compute time) and gives the
    result's dtype."""
    return np.zeros((1,) * array.ndim, array.dtype)


def map_with_reach(function, array, reach, mode: str, dtype):
    """function(block) over the chunks of `array`, each extended by `reach` ((up, down),
    (left, right)) pixels of its neighbours; a lazy dask array of `array`'s shape and chunks."""
    axes = spatial_axes(array.ndim)
    if any(math.isnan(size) for sizes in array.chunks for size in sizes):
        raise ValueError("`image` is a Dask array of unknown chunk sizes; call its "
                         "compute_chunk_sizes() first")
    work_chunks = list(array.chunks)
    depth = {axis: 0 for axis in range(array.ndim)}
    for axis, (before, after) in zip(axes, reach):
        needed = max(before, after)
        if needed == 0:
            continue
        work_chunks[axis] = _at_least(array.chunks[axis], needed)
        if len(work_chunks[axis]) > 1:
            depth[axis] = needed
    work = array.rechunk(tuple(work_chunks)) if tuple(work_chunks) != array.chunks else array
    meta = np.empty((0,) * array.ndim, dtype)
    if not any(depth.values()):
        result = work.map_blocks(function, dtype=dtype, meta=meta)
    else:
        side = "periodic" if mode == "wrap" else "none"
        boundary = {axis: side if depth[axis] else "none" for axis in depth}
        result = work.map_overlap(function, depth=depth, boundary=boundary, trim=True,
                                  dtype=dtype, meta=meta)
    return result.rechunk(array.chunks) if work is not array else result


def _at_least(chunks: tuple, minimum: int) -> tuple:
    """`chunks` of one axis merged neighbour with neighbour until each holds `minimum`; one
    chunk when the axis is not longer than twice that (the kernel reaches across it)."""
    if sum(chunks) <= 2 * minimum:
        return (sum(chunks),)
    merged = []
    for size in chunks:
        if merged and merged[-1] < minimum:
            merged[-1] += size
        else:
            merged.append(size)
    if len(merged) > 1 and merged[-1] < minimum:
        last = merged.pop()
        merged[-1] += last
    return tuple(merged)


def call_blocks(function, /, *args, **kwargs):
    """A picklable block function: function(block, *args, **kwargs)."""
    return functools.partial(_call, function, args, kwargs)


def _call(function, args, kwargs, block):
    return function(block, *args, **kwargs)
