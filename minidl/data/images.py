"""Reading image files into arrays, whatever their mode or size.

Pillow opens almost any format; images come in many modes (RGB, RGBA, palette 'P', grayscale
'L', 16-bit 'I;16', CMYK, float 'F'). ``load_rgb`` turns each into 8-bit RGB the same way, so a
student's phone photo and a scanned PNG both reach the network as (H, W, 3) values in [0, 255].
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["load_rgb"]


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
        ValueError: the file exists but is not an image Pillow can read.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{where}: no image file at {path.resolve()}")
    try:
        with Image.open(path) as img:
            img.load()
            # Phone cameras store pictures sideways with an EXIF note to rotate them; apply it.
            rgb = _to_rgb(ImageOps.exif_transpose(img))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(
            f"{where}: {path} is not an image file Pillow can read (expected PNG, JPEG, GIF, BMP, ...): {err}"
        ) from err
    if size is not None:
        rgb = rgb.resize(tuple(int(s) for s in size))
    return np.asarray(rgb, dtype=np.float64)
