"""Helpers for Dask arrays (``pip install cconv[dask]``).

Every cconv function takes a ``dask.array.Array`` as it takes a numpy array and returns a lazy
Dask array of the same shape, chunks and dtype (see cconv._dask for how chunks are filtered).
This module adds what a pipeline larger than memory needs::

    import dask.array as da, zarr, cconv, cconv.dask
    image = da.from_zarr("scene.zarr")                       # on disk, chunked
    blurred = cconv.gaussian_blur(image, sigma=3)            # lazy
    target = zarr.open_array("blurred.zarr", mode="w", shape=image.shape,
                             chunks=image.chunksize, dtype=blurred.dtype)
    cconv.dask.store(blurred, target)                        # a band of chunks at a time
"""

from __future__ import annotations

__all__ = ["store"]


def store(array, target, *, scheduler=None) -> None:
    """Compute the Dask array `array` into `target` (a Zarr array, a numpy memmap, an HDF5
    dataset: anything of its shape that takes ``target[region] = values``), one row of chunks
    along the first axis at a time.

    ``array.to_zarr`` or ``dask.array.store`` in one go let Dask read ahead, and their peak
    memory grows with the image; band by band, a filter's peak memory is about three rows of
    input chunks (the band and the neighbours its kernel reaches into) plus one of output,
    whatever the image's height. Each row of input chunks is then read up to three times.
    """
    import dask.array as da

    if tuple(target.shape) != tuple(array.shape):
        raise ValueError(
            f"`target` has shape {tuple(target.shape)}; the array's is {tuple(array.shape)}"
        )
    top = 0
    for height in array.chunks[0]:
        band = slice(top, top + height)
        da.store(array[band], target, regions=(band,), lock=False, scheduler=scheduler)
        top += height
