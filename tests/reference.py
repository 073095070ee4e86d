"""A slow, obviously-correct float64 reference for correlate/convolve: numpy.pad + shift-and-add.

It shares no code with cconv. Border modes map to numpy.pad's names (see the README's table).
"""

import numpy as np

PAD_MODES = {
    "nearest": "edge",
    "reflect": "symmetric",
    "mirror": "reflect",
    "wrap": "wrap",
    "constant": "constant",
}


def reference_filter(image, kernel, mode="nearest", cval=0.0, convolve=False):
    """float64 result of correlating (or convolving) every channel/image with `kernel`."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    if convolve:
        kernel = kernel[::-1, ::-1]
        anchor_y, anchor_x = kh - 1 - kh // 2, kw - 1 - kw // 2
    else:
        anchor_y, anchor_x = kh // 2, kw // 2
    rows_axis = 1 if image.ndim == 4 else 0
    height, width = image.shape[rows_axis], image.shape[rows_axis + 1]
    widths = [(0, 0)] * image.ndim
    widths[rows_axis] = (anchor_y, kh - 1 - anchor_y)
    widths[rows_axis + 1] = (anchor_x, kw - 1 - anchor_x)
    extra = {"constant_values": cval} if mode == "constant" else {}
    padded = np.pad(image, widths, mode=PAD_MODES[mode], **extra)
    result = np.zeros_like(image)
    for i in range(kh):
        for j in range(kw):
            if kernel[i, j] == 0:  # cconv and scipy skip zero weights (0 * inf is not NaN)
                continue
            index = [slice(None)] * image.ndim
            index[rows_axis] = slice(i, i + height)
            index[rows_axis + 1] = slice(j, j + width)
            result += kernel[i, j] * padded[tuple(index)]
    return result


def expected_integer(reference, dtype):
    """Round half to even, then saturate: cconv's policy for integer outputs."""
    info = np.iinfo(dtype)
    return np.clip(np.rint(reference), info.min, info.max)


def assert_matches_reference(result, reference, kernel, image, cval=0.0):
    """Floats: within the accumulator's rounding. Integers: equal to rint(reference) (saturated)
    except for at most 0.1% of the distinct values (one, in a small image), each off by 1 and
    only where the reference is a near-tie.

    The float bound scales with the largest sample a window can hold: the image's, or `cval`,
    which fills the 'constant' borders (a 1x1 image's windows are almost all cval)."""
    result = np.asarray(result)
    assert result.shape == reference.shape
    if result.dtype.kind == "f":
        largest = float(np.nanmax(np.abs(np.asarray(image, np.float64)), initial=0.0))
        if np.isfinite(cval):
            largest = max(largest, abs(float(cval)))
        scale = np.abs(np.asarray(kernel, np.float64)).sum() * max(1.0, largest)
        eps = np.finfo(result.dtype).eps
        if result.dtype == np.float16:
            eps = np.finfo(np.float32).eps  # computed in float32, then stored as float16
        tolerance = (np.size(kernel) + 4) * eps * scale  # a bound on summation error
        if result.dtype == np.float16:
            np.testing.assert_allclose(result, reference, rtol=1e-3, atol=1e-3 * scale)
        else:
            np.testing.assert_allclose(result, reference, rtol=0, atol=tolerance)
        return
    expected = expected_integer(reference, result.dtype)
    difference = np.abs(result.astype(np.float64) - expected)
    assert difference.max(initial=0) <= 1, f"off by {difference.max()}"
    off = difference > 0
    if off.any():
        fraction = np.abs(reference[off] - np.floor(reference[off]) - 0.5)
        assert (fraction < 1e-3).all(), "an integer result differs away from a rounding tie"
        # Counted as distinct values, not pixels: a near-tie repeats wherever the same window
        # does (a flat image, a 1x1 kernel on equal pixels), and so does its rounding.
        ties = np.unique(reference[off])
        assert ties.size <= max(1, 1e-3 * off.size), f"{ties.size} near-tie values off by one"


def fft_reference(image, kernel, mode="nearest", cval=0.0):
    """reference_filter's correlation through numpy's float64 FFT of the padded image, for
    kernels too large for shift-and-add (error about 1e-15 of the image's largest values times
    the kernel's absolute sum). Finite images only."""
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    rows_axis = 1 if image.ndim == 4 else 0
    axes = (rows_axis, rows_axis + 1)
    height, width = image.shape[rows_axis], image.shape[rows_axis + 1]
    widths = [(0, 0)] * image.ndim
    widths[rows_axis] = (kh // 2, kh - 1 - kh // 2)
    widths[rows_axis + 1] = (kw // 2, kw - 1 - kw // 2)
    extra = {"constant_values": cval} if mode == "constant" else {}
    padded = np.pad(image, widths, mode=PAD_MODES[mode], **extra)
    size = padded.shape[rows_axis], padded.shape[rows_axis + 1]
    spectrum = np.fft.rfft2(kernel[::-1, ::-1], s=size)
    spectrum = spectrum.reshape(spectrum.shape + (1,) * (image.ndim - 2 - rows_axis))
    full = np.fft.irfft2(np.fft.rfft2(padded, s=size, axes=axes) * spectrum, s=size, axes=axes)
    index = [slice(None)] * image.ndim
    index[rows_axis] = slice(kh - 1, kh - 1 + height)
    index[rows_axis + 1] = slice(kw - 1, kw - 1 + width)
    return full[tuple(index)]


# Diffusion kernels as printed in the literature: the pixel is the 0 marked in the first row's
# middle (everything left of it and itself is 0), weights / divisor.
DIFFUSION_MATRICES = {
    "floyd-steinberg": ([[0, 0, 7], [3, 5, 1]], 16),
    "jarvis-judice-ninke": ([[0, 0, 0, 7, 5], [3, 5, 7, 5, 3], [1, 3, 5, 3, 1]], 48),
    "stucki": ([[0, 0, 0, 8, 4], [2, 4, 8, 4, 2], [1, 2, 4, 2, 1]], 42),
    "atkinson": ([[0, 0, 0, 1, 1], [0, 1, 1, 1, 0], [0, 0, 1, 0, 0]], 8),
    "burkes": ([[0, 0, 0, 8, 4], [2, 4, 8, 4, 2]], 32),
    "sierra": ([[0, 0, 0, 5, 3], [2, 4, 5, 4, 2], [0, 2, 3, 2, 0]], 32),
    "sierra-2": ([[0, 0, 0, 4, 3], [1, 2, 3, 2, 1]], 16),
    "sierra-lite": ([[0, 0, 2], [1, 1, 0]], 4),
}


def dither_reference(
    image,
    levels=None,
    palette=None,
    method="floyd-steinberg",
    serpentine=False,
    pillow_threshold=False,
):
    """Error diffusion of one (H, W) or (H, W, C) image, pixel by pixel in plain Python: the
    definition in cconv.dither's docstring. pillow_threshold: two levels of uint8 split as
    Pillow's convert('1') does (above 128 white), to check that the arithmetic is Pillow's."""
    image = np.asarray(image)
    pixels = image if image.ndim == 3 else image[:, :, None]
    height, width, channels = pixels.shape
    integer = image.dtype.kind in "ui"
    if integer:
        lowest, highest = int(np.iinfo(image.dtype).min), int(np.iinfo(image.dtype).max)
    else:
        lowest, highest = 0.0, 1.0
    matrix, divisor = DIFFUSION_MATRICES[method]
    centre = len(matrix[0]) // 2
    taps = [(dy, dx - centre, w) for dy, row in enumerate(matrix) for dx, w in enumerate(row) if w]
    if palette is None:
        count = 2 if levels is None else levels
        if integer:  # lowest + i * span / (count - 1), rounded half up, in exact integers
            span = highest - lowest
            choices = [
                lowest + (2 * i * span + count - 1) // (2 * (count - 1)) for i in range(count)
            ]
        else:
            choices = [i / (count - 1) for i in range(count)]
    else:
        colours = [
            [int(v) if integer else float(v) for v in np.atleast_1d(colour)]
            for colour in np.asarray(palette).reshape(len(palette), -1)
        ]
    pushed = [[[0 if integer else 0.0] * channels for _ in range(width)] for _ in range(height)]
    out = np.empty_like(pixels)
    for y in range(height):
        backwards = serpentine and y % 2 == 1
        for x in range(width - 1, -1, -1) if backwards else range(width):
            values = []
            for c in range(channels):
                sample, total = pixels[y, x, c], pushed[y][x][c]
                if integer:
                    quotient = abs(total) // divisor  # truncated toward zero
                    value = int(sample) + (quotient if total >= 0 else -quotient)
                else:
                    value = float(sample) + total
                if not value >= lowest:
                    value = lowest
                values.append(min(value, highest))
            if palette is not None:
                distances = []
                for k, colour in enumerate(colours):
                    distance = 0.0
                    for c in range(channels):
                        d = float(values[c]) - float(colour[c])
                        distance = distance + d * d
                    distances.append((distance, k))
                chosen = colours[min(distances)[1]]
            elif pillow_threshold:
                chosen = [highest if values[0] > 128 else lowest]
            else:
                chosen = [min(choices, key=lambda level: (abs(level - v), level)) for v in values]
            for c in range(channels):
                out[y, x, c] = chosen[c]
                error = values[c] - chosen[c]
                for dy, dx, weight in taps:
                    yy, xx = y + dy, x - dx if backwards else x + dx
                    if yy < height and 0 <= xx < width:
                        pushed[yy][xx][c] += (
                            weight * error if integer else error * (weight / divisor)
                        )
    return out.reshape(image.shape)
