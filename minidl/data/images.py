"""Images: reading image files into arrays, and the test images of the image-processing lessons.

Pillow opens almost any format; images come in many modes (RGB, RGBA, palette 'P', grayscale
'L', 16-bit 'I;16', CMYK, float 'F'). ``load_rgb`` turns each into 8-bit RGB the same way, so a
student's phone photo and a scanned PNG both reach the network as (H, W, 3) values in [0, 255].

Test images, grey, float64 in [0, 1]:
    checkerboard   made here: flat squares and straight edges, the easiest image to denoise
                   and the one that shows where a denoiser's patch grid falls;
    cameraman      the classic 512 x 512 photograph (public domain), from scikit-image, which
                   ships it inside its package (the optional extra ``images``); nothing is
                   downloaded.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .._checks import check_int, check_number

__all__ = ["cameraman", "checkerboard", "load_grey", "load_rgb"]


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        # Wide grayscale: stretch its own range onto 0..255 (Pillow would clip instead).
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
        img = Image.fromarray(np.round(arr).astype(np.uint8), mode="L")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        # Transparent pixels carry arbitrary colours; show them over white, as a viewer does.
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return img.convert("RGB")


def _non_finite(img: Image.Image) -> int:
    """How many pixels of a float image (a TIFF of mode 'F') are NaN or infinite; such an
    image is refused, since stretched onto 0..255 it would become one flat grey, which looks
    clean."""
    if img.mode != "F":
        return 0
    arr = np.asarray(img)
    return arr.size - int(np.count_nonzero(np.isfinite(arr)))


def load_rgb(
    path: str | Path, size: tuple[int, int] | None = None, where: str = "load_rgb"
) -> np.ndarray:
    """Load an image file as a float64 array (H, W, 3) of values in [0, 255].

    Args:
        path: the image file (any format Pillow reads).
        size: (width, height) to resize to (Pillow's default resampling), or None to keep it.
        where: the caller's name, for error messages.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: a folder, not an image Pillow can read, an image of more pixels than
            Pillow's ``Image.MAX_IMAGE_PIXELS`` (a decompression bomb), or a float image with
            NaN or infinite pixels.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{where}: {path} is a folder; expected an image file")
    if not path.is_file():
        raise FileNotFoundError(f"{where}: no image file at {path.resolve()}")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; both are refused here,
            # since a warning on stderr is no answer to a user who gave a huge image.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.load()
                bad = _non_finite(img)
                # Phone cameras store pictures sideways with an EXIF note to rotate them.
                rgb = None if bad else _to_rgb(ImageOps.exif_transpose(img))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        pixels = re.search(r"\((\d+) pixels\)", str(err))
        size = f"an image of {pixels.group(1)} pixels" if pixels else "too large an image"
        raise ValueError(
            f"{where}: {path} is {size}; expected at most {Image.MAX_IMAGE_PIXELS} pixels "
            f"(Pillow's limit against decompression bombs, Image.MAX_IMAGE_PIXELS)"
        ) from err
    except PermissionError as err:
        raise ValueError(f"{where}: cannot read {path}: permission denied") from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(
            f"{where}: {path} is not an image file Pillow can read (expected PNG, JPEG, GIF, BMP, ...): {err}"
        ) from err
    if bad:
        raise ValueError(
            f"{where}: {path} holds {bad} NaN or infinite pixel(s); expected finite values"
        )
    if size is not None:
        rgb = rgb.resize(tuple(int(s) for s in size))
    return np.asarray(rgb, dtype=np.float64)


LUMA = (0.299, 0.587, 0.114)
"""The ITU-R BT.601 weights of R, G and B in a grey level (as Pillow's 'L' conversion)."""


def load_grey(path: str | Path, where: str = "load_grey") -> np.ndarray:
    """Load an image file as float64 grey levels (H, W) in [0, 255]: ``load_rgb``, then the
    BT.601 weighted sum of the channels (a grey file comes back unchanged).

    Raises:
        FileNotFoundError, ValueError: as ``load_rgb``.
    """
    return load_rgb(path, where=where) @ np.array(LUMA)


def checkerboard(
    n_squares: int = 8, square_size: int = 32, low: float = 0.2, high: float = 0.8
) -> np.ndarray:
    """A checkerboard of n_squares x n_squares squares, each square_size pixels wide.

    Args:
        n_squares: squares per side, an int >= 1 (default 8).
        square_size: pixels per square side, an int >= 1 (default 32).
        low, high: the two grey levels (defaults 0.2 and 0.8, so that added noise of a few
            hundredths is rarely clipped at 0 or 1); the top-left square is ``high``.

    Returns:
        float64 array (n_squares * square_size, n_squares * square_size).

    Raises:
        ValueError: a size that is not an int >= 1, or a grey level that is not finite.

    Example:
        >>> checkerboard(2, 2, 0.0, 1.0)
        array([[1., 1., 0., 0.],
               [1., 1., 0., 0.],
               [0., 0., 1., 1.],
               [0., 0., 1., 1.]])
    """
    where = "checkerboard"
    n_squares = check_int(n_squares, "n_squares", where, 1, expected="an int >= 1")
    square_size = check_int(square_size, "square_size", where, 1, expected="an int >= 1")
    low = check_number(low, "low", where, expected="a finite number")
    high = check_number(high, "high", where, expected="a finite number")
    index = np.arange(n_squares * square_size) // square_size
    light = (index[:, None] + index[None, :]) % 2 == 0
    return np.where(light, high, low)


def cameraman() -> np.ndarray:
    """The 512 x 512 grey cameraman photograph as float64 in [0, 1] (``skimage.data.camera()``
    divided by 255).

    Raises:
        ImportError: scikit-image is not installed; the message names the extra that brings it.
    """
    try:
        from skimage import data
    except ImportError as err:
        raise ImportError(
            "cameraman: needs scikit-image, which ships the image; install minidl's optional "
            "extra with pip install -e '.[images]' (or pip install scikit-image)"
        ) from err
    return data.camera().astype(np.float64) / 255.0
