"""Dask arrays in cconv's functions: the same call, lazily, chunk by chunk.

Each chunk is filtered with the rows and columns the kernel reaches from its neighbours (as
deep as the kernel reaches past its anchor, the larger side), so nothing of a border mode
appears between chunks; at the image's own edges the chunk's edge is the image's, and cconv
applies the mode there exactly as on the whole array. 'wrap' takes its overlap from the
opposite side of the image. The graph is cconv's own (_overlapped), two tasks a chunk. Along
an axis whose chunks are shorter than the kernel's reach, chunks are merged for the
computation (and the result is rechunked to the input's chunks); an axis the kernel reaches
across entirely is one chunk.
The engine's path is chosen once for the whole image, as the same call in memory chooses it,
so every chunk takes the path the in-memory call takes and the values are the same, bit for
bit, with two exceptions, both within the accuracy contract of docs/design.md: float images on
the box path (constant kernels with kh + kw >= 16), whose running column sums restart every kh
rows counted from the top of the array the engine is given, and the FFT's tiles (uint8 and
float32 images under large kernels), which lie elsewhere in a chunk than in the whole image
(uint8 results may then differ by 1 where the exact value is within the FFT's error of a
rounding tie). Integer images' box sums are exact, and the direct and separable paths and the
FFT's float64 planes compute each pixel the same way wherever it lies.

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
        raise ValueError(
            f"`image` must have shape (H, W), (H, W, C) or (N, H, W, C); "
            f"got a Dask array of {ndim} dimensions"
        )
    return (0, 1) if ndim < 4 else (1, 2)


def sample(array) -> np.ndarray:
    """A 1-pixel numpy array of `array`'s rank and dtype: run through a function first, it
    raises the same errors as the whole call would (eagerly, not at compute time) and gives the
    result's dtype."""
    return np.zeros((1,) * array.ndim, array.dtype)


def map_with_kernel(function, array, kernel_shape, anchor, mode: str, dtype):
    """function(block) over the chunks of `array`, each extended by the pixels of its
    neighbours that a kernel of `kernel_shape` anchored at `anchor` reaches; a lazy dask array
    of `array`'s shape and chunks."""
    axes = spatial_axes(array.ndim)
    if any(math.isnan(size) for sizes in array.chunks for size in sizes):
        raise ValueError(
            "`image` is a Dask array of unknown chunk sizes; call its compute_chunk_sizes() first"
        )
    work_chunks = list(array.chunks)
    depths = [0, 0]
    for i, (axis, size, at) in enumerate(zip(axes, kernel_shape, anchor)):
        needed = max(at, size - 1 - at)  # the farther of the kernel's two sides
        if needed:
            work_chunks[axis] = _at_least(array.chunks[axis], needed)
            depths[i] = needed if len(work_chunks[axis]) > 1 else 0
    work = array.rechunk(tuple(work_chunks)) if tuple(work_chunks) != array.chunks else array
    meta = np.empty((0,) * array.ndim, dtype)
    if not any(depths):
        result = work.map_blocks(function, dtype=dtype, meta=meta)
    else:
        result = _overlapped(function, work, depths, axes, mode == "wrap", meta)
    return result.rechunk(array.chunks) if work is not array else result


def _overlapped(function, array, depths, axes, periodic, meta):
    """function over each chunk extended by `depths` pixels of its neighbours along the two
    image `axes` (their opposite side's for `periodic`, none past the image's edges), trimmed
    back. Two tasks a chunk: one cuts the strips its neighbours need, one assembles the chunk
    with its neighbours' strips and filters it. dask.array.map_overlap did the same in about
    eleven tasks a chunk, nine tenths of the time of a cheap filter (docs/performance.md)."""
    import dask.array as da
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    token = tokenize(function, array.name, depths, axes, periodic)
    strips, name = f"cconv-strips-{token}", f"cconv-filter-{token}"
    counts = array.numblocks
    graph = {}
    for index in np.ndindex(*counts):
        graph[(strips, *index)] = (_strips, (array.name, *index), depths, axes)
    for index in np.ndindex(*counts):
        neighbours = []
        for step in _STEPS:
            other = list(index)
            for axis, move in zip(axes, step):
                other[axis] += move
                if periodic:
                    other[axis] %= counts[axis]
            inside = all(0 <= other[axis] < counts[axis] for axis in axes)
            moved = any(other[axis] != index[axis] for axis in axes)
            neighbours.append((strips, *other) if inside and moved else None)
        graph[(name, *index)] = (
            _filter_extended,
            function,
            (array.name, *index),
            neighbours,
            depths,
            axes,
        )
    layers = HighLevelGraph.from_collections(name, graph, dependencies=[array])
    return da.Array(layers, name, array.chunks, meta=meta)


# a chunk's neighbours, as steps along the two image axes: rows above, level, below
_STEPS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


def _strips(block, depths, axes):
    """The parts of `block` its neighbours read: for each step from a neighbour to this block
    (the opposite of its step to us), the rows and columns within `depths` of that side."""
    parts = {}
    for dy, dx in _STEPS:
        index = [slice(None)] * block.ndim
        for axis, move, depth in zip(axes, (dy, dx), depths):
            # a neighbour `move` steps away along axis reads our side facing it
            index[axis] = (
                slice(None)
                if move == 0
                else slice(0, depth)
                if move < 0
                else slice(block.shape[axis] - depth, None)
            )
        parts[(dy, dx)] = np.ascontiguousarray(block[tuple(index)])
    return parts


def _filter_extended(function, block, neighbours, depths, axes):
    """function on `block` extended by its neighbours' strips, trimmed back to the block."""
    before = [
        depths[i] if any(n is not None and s[i] < 0 for s, n in zip(_STEPS, neighbours)) else 0
        for i in range(2)
    ]
    after = [
        depths[i] if any(n is not None and s[i] > 0 for s, n in zip(_STEPS, neighbours)) else 0
        for i in range(2)
    ]
    shape = list(block.shape)
    for i, axis in enumerate(axes):
        shape[axis] += before[i] + after[i]
    extended = np.empty(shape, block.dtype)
    _place(extended, block, (0, 0), before, axes)
    for step, parts in zip(_STEPS, neighbours):
        if parts is not None:
            _place(extended, parts[(-step[0], -step[1])], step, before, axes, block.shape)
    result = function(extended)
    index = [slice(None)] * block.ndim
    for i, axis in enumerate(axes):
        index[axis] = slice(before[i], before[i] + block.shape[axis])
    return result[tuple(index)]


def _place(extended, values, step, before, axes, block_shape=None):
    """Copy `values` into `extended` at the region of the neighbour `step` away (the block
    itself for (0, 0)); `before`: the extension above and left of the block."""
    index = [slice(None)] * extended.ndim
    for i, (axis, move) in enumerate(zip(axes, step)):
        length = values.shape[axis]
        if move < 0:
            start = before[i] - length
        elif move == 0:
            start = before[i]
        else:
            start = before[i] + block_shape[axis]
        index[axis] = slice(start, start + length)
    extended[tuple(index)] = values


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
