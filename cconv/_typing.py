"""Types of cconv's public functions, for type checkers (nothing here is needed at run time)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from PIL.Image import Image

Picture = TypeVar("Picture", "NDArray[Any]", "Image")
"""An image the filters take and give back in kind: a numpy array or a Pillow image (Dask
arrays work too, and come back lazy, but are not part of the static types)."""
