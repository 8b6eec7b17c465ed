"""Noise: adding it, measuring it from the noisy image alone, and scoring a denoiser (PSNR).

The model is additive white Gaussian noise: z = y + n, every n(i) drawn independently from
N(0, sigma^2). A denoiser needs sigma (its threshold is a multiple of it), and in practice no
one tells it. ``estimate_noise_sigma`` reads it off z:

    * Differences of horizontal neighbours, d = z (*) [-1, 1] (d(i, j) = z(i, j+1) - z(i, j)),
      remove most of the image: neighbouring pixels of a natural image are nearly equal, while
      their noises are independent, so d is mostly noise with variance 2 sigma^2.
    * Edges still leave large differences. The median absolute deviation,
      MAD(d) = median |d - median(d)|, ignores them as long as they are fewer than half the
      pixels, and for Gaussian data MAD = 0.67449 * std (0.67449 is the normal distribution's
      75th percentile). Hence

          sigma_hat = MAD(z (*) [-1, 1]) / (0.67449 * sqrt(2)).

    * ``method='std'`` uses the plain standard deviation of d instead: exact for a flat image,
      but every edge inflates it.

PSNR, the peak signal-to-noise ratio in decibels, compares an estimate with the clean reference:
``10 log10(peak^2 / MSE)``. Each halving of the error's RMS adds 6.02 dB.
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_number
from ..random import as_generator

__all__ = ["MAD_TO_SIGMA", "add_noise", "estimate_noise_sigma", "psnr"]

MAD_TO_SIGMA = 0.67449
"""MAD / sigma for Gaussian data: the standard normal's 75th percentile."""


def check_image(image: object, name: str, where: str) -> np.ndarray:
    """``image`` if it is a 2-D array of finite numbers, else a ValueError naming it."""
    if not isinstance(image, np.ndarray) or image.ndim != 2 or image.dtype.kind not in "uif":
        raise ValueError(
            f"{where}: expected {name} as a 2-D grey image (H, W) of numbers, received "
            f"{getattr(image, 'shape', type(image).__name__)}"
        )
    if image.dtype.kind == "f" and not np.all(np.isfinite(image)):
        raise ValueError(f"{where}: {name} holds NaN or infinite values")
    return image


def power_of_two_scale(x: np.ndarray) -> float:
    """A power of two s with max|x| / s in [1, 2) (1 for an all-zero x). Dividing by s, and
    multiplying back, is exact (the mantissas stay as they are), so an algorithm run on x / s
    gives the same digits as on x, while its sums and squares of values near 1e308, which would
    overflow to inf, stay near 1."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return math.ldexp(1.0, math.frexp(peak)[1] - 1) if peak > 0 else 1.0


def estimate_noise_sigma(z: np.ndarray, method: str = "mad") -> float:
    """The noise level of an image, from the image alone (module docstring).

    Args:
        z: the noisy image (H, W), W >= 2, in any units (the estimate is in the same units).
        method: 'mad' (robust to edges, default) or 'std'.

    Returns:
        sigma_hat, a float >= 0.

    Raises:
        ValueError: not a 2-D image of finite numbers at least 2 wide, or an unknown method.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> z = 0.5 + 0.1 * rng.standard_normal((256, 256))
        >>> round(estimate_noise_sigma(z), 2)
        0.1
    """
    where = "estimate_noise_sigma"
    z = check_image(z, "z", where)
    if z.shape[1] < 2:
        raise ValueError(f"{where}: expected an image at least 2 pixels wide, received {z.shape}")
    if method not in ("mad", "std"):
        raise ValueError(f"{where}: expected method 'mad' or 'std', received {method!r}")
    scale = power_of_two_scale(z)  # differences of values near 1e308 would overflow
    d = np.diff(z.astype(np.float64) / scale, axis=1)
    if method == "std":
        sigma = float(d.std() / math.sqrt(2.0)) * scale
    else:
        mad = np.median(np.abs(d - np.median(d)))
        sigma = float(mad / (MAD_TO_SIGMA * math.sqrt(2.0))) * scale
    if not math.isfinite(sigma):
        raise ValueError(
            f"{where}: the noise level of z (values up to {float(np.max(np.abs(z))):.3g}) "
            f"exceeds float64's range (about 1.8e308); expected smaller values (rescale z)"
        )
    return sigma


def add_noise(
    y: np.ndarray, sigma: float, rng: np.random.Generator | int | None = None, clip: bool = True
) -> np.ndarray:
    """y plus white Gaussian noise of standard deviation sigma: z = y + sigma * N(0, 1).

    Args:
        y: the clean image (H, W), values in [0, 1].
        sigma: the noise's standard deviation, > 0 (20/255 is a common test level).
        rng: a Generator, an int seed, or None (``minidl.seed``'s stream).
        clip: clip the result to [0, 1], as a camera saturates (default True). Clipping makes
            the noise slightly non-Gaussian near black and white.

    Returns:
        A new float64 array (H, W); y is not modified.

    Raises:
        ValueError: not a 2-D image, or sigma <= 0.
    """
    where = "add_noise"
    y = check_image(y, "y", where)
    sigma = check_number(sigma, "sigma", where, 0, open_low=True)
    rng = as_generator(rng, where)
    z = y.astype(np.float64) + sigma * rng.standard_normal(y.shape)
    return np.clip(z, 0.0, 1.0) if clip else z


def psnr(estimate: np.ndarray, reference: np.ndarray, peak: float = 1.0) -> float:
    """Peak signal-to-noise ratio, 10 log10(peak^2 / MSE), in dB (inf when they are equal).

    Args:
        estimate, reference: images of one shape.
        peak: the largest possible pixel value (1.0 for [0, 1] images, 255 for 8-bit).

    Raises:
        ValueError: shapes differ, values are not finite, or peak <= 0.
    """
    where = "psnr"
    estimate = check_image(estimate, "estimate", where)
    reference = check_image(reference, "reference", where)
    if estimate.shape != reference.shape:
        raise ValueError(
            f"{where}: expected images of one shape, received {estimate.shape} and "
            f"{reference.shape}"
        )
    peak = check_number(peak, "peak", where, 0, open_low=True)
    mse = float(np.mean((estimate.astype(np.float64) - reference.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(peak**2 / mse)
