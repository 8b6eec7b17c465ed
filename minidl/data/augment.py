"""Data augmentation for small image data sets (class-balanced splits and weights: split.py).

A network that sees the same 200 wafer maps every epoch learns them by heart. ``Augment`` shows
it a slightly different copy each time (turned, shifted, zoomed, mirrored, brighter or darker),
with the arguments of Keras's ``ImageDataGenerator``; ``Augment(...).flow(x, y)`` feeds
``model.fit`` one freshly augmented pass over the data per epoch.

The geometry, in array coordinates (row r down, column c right, centre m = ((H-1)/2, (W-1)/2)):
each output pixel p looks up the input at

    input = m + R(theta)^T Z F (p - m - s)        (one call to scipy.ndimage.affine_transform)

where s = (ty, tx) shifts, F flips (-1 on a mirrored axis), Z = diag(zoom_h, zoom_w) zooms and
R(theta) rotates. Read forwards, the content is rotated, zoomed, mirrored, then shifted.
Looking up input positions (the inverse map) rather than pushing pixels forward leaves no holes:
every output pixel gets a value, interpolated bilinearly between its four input neighbours.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from scipy.ndimage import affine_transform

from .._checks import check_bool, check_int, check_number, is_real
from ..random import as_generator

__all__ = ["Augment", "BatchIterator"]

# Keras's fill modes, as scipy names the same boundary rules: 'constant' treats the image as
# surrounded by zeros, 'reflect' mirrors it (dcba|abcd|dcba), 'wrap' repeats it (abcd|abcd|abcd).
_FILL_MODES = {
    "nearest": "nearest",
    "constant": "grid-constant",
    "reflect": "reflect",
    "wrap": "grid-wrap",
}


def _pair(value: object, name: str, where: str, low_ok: bool) -> tuple[float, float]:
    """(lo, hi) with 0 <= lo <= hi (0 < lo unless low_ok), or a ValueError saying so."""
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(is_real(v) and math.isfinite(v) for v in value)
        and (value[0] >= 0 if low_ok else value[0] > 0)
        and value[0] <= value[1]
    ):
        return float(value[0]), float(value[1])
    bound = "0 <= lo" if low_ok else "0 < lo"
    raise ValueError(
        f"{where}: expected {name} as a pair (lo, hi) with {bound} <= hi, received {value!r}"
    )


def _cos_sin(theta: float) -> tuple[float, float]:
    """cos and sin of theta degrees; exact for quarter turns, so 90 degrees is np.rot90 exactly."""
    if theta % 90 == 0:
        return [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)][int(theta // 90) % 4]
    rad = math.radians(theta)
    return math.cos(rad), math.sin(rad)


def _restore_dtype(out: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """float64 work back to the input's dtype: floats cast, integers rounded and clipped."""
    if dtype.kind == "f":
        return out.astype(dtype, copy=False)
    info = np.iinfo(dtype)
    return np.clip(np.rint(out), info.min, info.max).astype(dtype)


def _check_images(x: object, ndim: int, where: str) -> np.ndarray:
    shape = "(N, H, W, C)" if ndim == 4 else "(H, W, C)"
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{where}: expected images as a NumPy array {shape}, received {type(x).__name__}"
        )
    if x.ndim != ndim or 0 in x.shape[-3:]:
        raise ValueError(
            f"{where}: expected images of shape {shape} (channels last), received shape {x.shape}"
        )
    if x.dtype.kind not in "fiu":
        raise TypeError(
            f"{where}: expected images with a float or integer dtype, received dtype {x.dtype}"
        )
    return x


class Augment:
    """Random image transformations with Keras ``ImageDataGenerator``'s arguments.

    Args:
        rotation_range: degrees; the angle is uniform in [-rotation_range, rotation_range]
            (default 0.0). Positive angles turn the picture counter-clockwise as displayed.
        width_shift_range: a float < 1 is a fraction of the width, uniform in [-w, w] * W; a
            float >= 1 is pixels, uniform in [-w, w]; an int >= 1 is whole pixels drawn from
            {-w, ..., w} (whole-pixel shifts blur nothing). Default 0.0.
        height_shift_range: the same for the height.
        zoom_range: z gives the range [1 - z, 1 + z] (0 <= z < 1), or a pair (lo, hi); the two
            axes draw their factors independently. A factor below 1 zooms in (the content looks
            bigger), above 1 zooms out, as in Keras. Default 0.0 (no zoom).
        horizontal_flip: mirror left-right with probability 1/2 (default False).
        vertical_flip: mirror top-bottom with probability 1/2 (default False).
        brightness_range: (lo, hi): multiply the image by a factor uniform in it, or None (default).
            Float images are not clipped; integer images are clipped to their dtype's range.
        fill_mode: what lies outside the picture: 'nearest' (the edge pixel, default),
            'constant' (zeros), 'reflect' (mirrored: dcba|abcd|dcba) or 'wrap' (abcd|abcd|abcd).
        seed: an int, an np.random.Generator, or None (derived from ``minidl.seed``).

    Shape:
        Images are channels-last: a batch (N, H, W, C), one image (H, W, C). Shapes and dtypes
        come out as they went in (uint8 in, uint8 out, rounded and clipped to 0..255).

    Example:
        >>> aug = Augment(rotation_range=15, horizontal_flip=True, seed=0)
        >>> model.fit(aug.flow(x_train, y_train, batch_size=32, seed=1), epochs=20)
    """

    def __init__(
        self,
        rotation_range: float = 0.0,
        width_shift_range: float = 0.0,
        height_shift_range: float = 0.0,
        zoom_range: float | tuple[float, float] = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        brightness_range: tuple[float, float] | None = None,
        fill_mode: str = "nearest",
        seed: np.random.Generator | int | None = None,
    ) -> None:
        where = "Augment"
        ranges = (
            ("rotation_range", rotation_range),
            ("width_shift_range", width_shift_range),
            ("height_shift_range", height_shift_range),
        )
        for name, value in ranges:
            check_number(value, name, where, 0)
        # Kept as given, not made floats: an int shift range is a whole number of pixels.
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        if is_real(zoom_range):
            zoom_or_pair = "a number in [0, 1) or a pair (lo, hi)"
            check_number(
                zoom_range, "zoom_range", where, 0, 1, open_high=True, expected=zoom_or_pair
            )
            zoom_range = (1.0 - zoom_range, 1.0 + zoom_range)
        self.zoom_range = _pair(zoom_range, "zoom_range", where, low_ok=False)
        self.horizontal_flip = check_bool(horizontal_flip, "horizontal_flip", where)
        self.vertical_flip = check_bool(vertical_flip, "vertical_flip", where)
        self.brightness_range = (
            None
            if brightness_range is None
            else _pair(brightness_range, "brightness_range", where, low_ok=True)
        )
        if fill_mode not in _FILL_MODES:
            raise ValueError(
                f"{where}: expected fill_mode one of {sorted(_FILL_MODES)}, received {fill_mode!r}"
            )
        self.fill_mode = fill_mode
        self._rng = as_generator(seed, where)

    def random_params(
        self, image_shape: tuple[int, ...], rng: np.random.Generator | None = None
    ) -> dict:
        """Draw one set of ``transform`` keyword arguments for an image of shape (H, W, C)."""
        rng = self._rng if rng is None else rng
        H, W = image_shape[0], image_shape[1]

        def shift(value, size):
            if value == 0:
                return 0.0
            if isinstance(value, (int, np.integer)) and value >= 1:
                return float(rng.integers(-value, value + 1))
            return float(rng.uniform(-value, value)) * (size if value < 1 else 1)

        lo, hi = self.zoom_range
        return {
            "theta": float(rng.uniform(-self.rotation_range, self.rotation_range))
            if self.rotation_range
            else 0.0,
            "ty": shift(self.height_shift_range, H),
            "tx": shift(self.width_shift_range, W),
            "zoom": (1.0, 1.0)
            if lo == hi == 1
            else tuple(float(z) for z in rng.uniform(lo, hi, 2)),
            "flip_h": bool(rng.random() < 0.5) if self.horizontal_flip else False,
            "flip_v": bool(rng.random() < 0.5) if self.vertical_flip else False,
            "brightness": 1.0
            if self.brightness_range is None
            else float(rng.uniform(*self.brightness_range)),
        }

    def transform(
        self,
        x: np.ndarray,
        theta: float = 0.0,
        tx: float = 0.0,
        ty: float = 0.0,
        zoom: float | tuple[float, float] = 1.0,
        flip_h: bool = False,
        flip_v: bool = False,
        brightness: float = 1.0,
    ) -> np.ndarray:
        """One image (H, W, C) transformed by the given amounts: a new array, same shape and dtype.

        Args:
            x: the image (H, W, C).
            theta: degrees, counter-clockwise as displayed; ``theta=90`` on a square image is
                ``np.rot90(x)`` exactly.
            tx: pixels to the right (negative: left); ``tx=2`` is ``np.roll(x, 2, axis=1)``
                with the two uncovered columns filled by ``fill_mode``.
            ty: pixels down (negative: up).
            zoom: factor, or (zoom_h, zoom_w); below 1 zooms in, above 1 zooms out (Keras's sense:
                output pixel at distance d from the centre shows the input at distance zoom * d).
            flip_h, flip_v: mirror left-right, top-bottom (before the shift).
            brightness: factor multiplying every value.
        """
        where = "Augment.transform"
        x = _check_images(x, 3, where)
        zoom_h, zoom_w = zoom if isinstance(zoom, (tuple, list)) else (zoom, zoom)
        for name, value in (("theta", theta), ("tx", tx), ("ty", ty)):
            check_number(value, name, where, expected="a finite number")
        for name, value in (("zoom", zoom_h), ("zoom", zoom_w), ("brightness", brightness)):
            check_number(value, name, where, 0, open_low=True)

        H, W, C = x.shape
        cos, sin = _cos_sin(theta)
        rotation_t = np.array([[cos, sin], [-sin, cos]])  # R(theta)^T: undoes the turn
        flips = np.diag([-1.0 if flip_v else 1.0, -1.0 if flip_h else 1.0])
        matrix = rotation_t @ np.diag([zoom_h, zoom_w]) @ flips
        centre = np.array([(H - 1) / 2, (W - 1) / 2])
        # input = centre + matrix (p - centre - s), written as matrix p + offset for scipy
        offset = centre - matrix @ (centre + np.array([ty, tx]))
        mode = _FILL_MODES[self.fill_mode]
        out = np.empty((H, W, C), dtype=np.float64)
        for ch in range(C):
            out[..., ch] = affine_transform(
                x[..., ch].astype(np.float64), matrix, offset, order=1, mode=mode, cval=0.0
            )
        if brightness != 1.0:
            out *= brightness
        return _restore_dtype(out, x.dtype)

    def random_transform(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """One image (H, W, C) with freshly drawn random amounts (``random_params``)."""
        x = _check_images(x, 3, "Augment.random_transform")
        return self.transform(x, **self.random_params(x.shape, rng))

    def apply(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """A batch (N, H, W, C), each image transformed independently: a new array."""
        x = _check_images(x, 4, "Augment.apply")
        rng = self._rng if rng is None else rng
        out = np.empty_like(x)
        for i in range(len(x)):
            out[i] = self.transform(x[i], **self.random_params(x.shape[1:], rng))
        return out

    def flow(
        self,
        x: np.ndarray,
        y: np.ndarray | None = None,
        batch_size: int = 32,
        shuffle: bool = True,
        seed: np.random.Generator | int | None = None,
        sample_weight: np.ndarray | None = None,
    ) -> BatchIterator:
        """Augmented mini-batches for ``model.fit``: each iteration is one pass over the data.

        Args:
            x: images (N, H, W, C).
            y: labels (N, ...) or None; returned as they are, aligned with their images.
            batch_size: images per batch (default 32); the last batch may be smaller.
            shuffle: a new random order every pass (default True).
            seed: the flow's generator; None draws one from this Augment's generator.
            sample_weight: per-example weights (N,), or None.

        Returns:
            A ``BatchIterator``: ``len()`` is ceil(N / batch_size); iterating yields
            (x_batch, y_batch), (x_batch, y_batch, w_batch) with sample_weight, or x_batch alone
            when y is None.
        """
        where = "Augment.flow"
        x = _check_images(x, 4, where)
        if len(x) == 0:
            raise ValueError(f"{where}: x has no images (shape {x.shape})")
        if y is not None:
            y = np.asarray(y)
            if y.ndim == 0 or len(y) != len(x):
                raise ValueError(
                    f"{where}: expected one label per image: x has {len(x)} images, y has {'no axis' if y.ndim == 0 else len(y)}"
                )
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.shape != (len(x),):
                raise ValueError(
                    f"{where}: expected sample_weight of shape ({len(x)},), received {sample_weight.shape}"
                )
        batch_size = check_int(batch_size, "batch_size", where, 1)
        rng = (
            as_generator(seed, where)
            if seed is not None
            else np.random.default_rng(self._rng.integers(2**63))
        )
        return BatchIterator(self, x, y, sample_weight, batch_size, bool(shuffle), rng)


class BatchIterator:
    """One augmented pass over (x, y[, sample_weight]) per iteration; made by ``Augment.flow``.

    Each pass starts from a seed drawn from the flow's generator, so a fresh flow with the same
    seed repeats the same passes, and a pass cut short (EarlyStopping) does not change the next.
    """

    def __init__(
        self,
        augment: Augment,
        x: np.ndarray,
        y: np.ndarray | None,
        sample_weight: np.ndarray | None,
        batch_size: int,
        shuffle: bool,
        rng: np.random.Generator,
    ) -> None:
        self.augment, self.x, self.y, self.sample_weight = augment, x, y, sample_weight
        self.batch_size, self.shuffle, self._rng = batch_size, shuffle, rng

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __iter__(self) -> Iterator:
        rng = np.random.default_rng(self._rng.integers(2**63))
        order = rng.permutation(len(self.x)) if self.shuffle else np.arange(len(self.x))
        for start in range(0, len(self.x), self.batch_size):
            rows = order[start : start + self.batch_size]
            xb = self.augment.apply(self.x[rows], rng=rng)
            if self.y is None:
                yield xb
            elif self.sample_weight is None:
                yield xb, self.y[rows]
            else:
                yield xb, self.y[rows], self.sample_weight[rows]
