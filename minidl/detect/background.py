"""Background removal, the classical detector's first step: whatever is the same on every wafer
is background (the die pattern, the uneven light and the coating's rings), and what is left once
it is subtracted is noise plus the defects.

The background is estimated from the image itself, without learning, so a new product needs no
reference image. ``wafer_mask`` finds the wafer. The outer ``edge_margin`` (a fraction of the
wafer's radius) is left out, because the rim, the notch and the unpatterned edge ring carry no
dies. The dies repeat with a whole-pixel period, the die pitch. Average the flattened image over
each column (and over each row): the result repeats with the pitch, and its autocorrelation has
its first strong peak at the pitch (``die_pitch``). Every pixel then has a position within its
die (``y mod pitch_y``, ``x mod pitch_x``). The median over all dies of the pixels at one
position is the golden die. A median, because a defect covers that position in only a few dies.
The light is a weighted local mean of the image divided by the golden die, taken over a box as
large as one die: the box averages the die pattern away. Both estimates are made twice; the
second time, the pixels the first residual flagged are left out, so that the defects do not leak
into their own background. The background is golden die x light (the light multiplies the
scene). residual = image - background. Last, the mean residual at each distance from the
wafer's centre is subtracted, which removes the coating's faint concentric rings.

``noise_sigma`` measures what is left; the segmentation (minidl.detect.segmentation) counts in
units of it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import ndimage

from ..data.wafer import wafer_mask

__all__ = ["MAD_TO_SIGMA", "NOISE_FLOOR", "die_pitch", "noise_sigma", "remove_background"]

MAD_TO_SIGMA = 1.4826
"""For Gaussian noise, median |x| = 0.6745 sigma: the factor from the one to the other."""
NOISE_FLOOR = 0.1
"""Grey levels: a flat synthetic image must not turn rounding errors into defects."""
_OUTLIER_Z = 4.0  # residuals this many sigmas out are left out of the second background estimate


def noise_sigma(values: np.ndarray) -> float:
    """The robust noise level of residuals: 1.4826 * median |value|, a Gaussian's sigma.

    A median, because the defects, a small share of the pixels, barely move it, where they
    would inflate a standard deviation."""
    return float(MAD_TO_SIGMA * np.median(np.abs(values)))


def _local_mean(
    x: np.ndarray, weight: np.ndarray, size: int | tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``x`` over the pixels where ``weight`` is True, in a window applied twice (a tent),
    and the share of such pixels in the window (its support, 0 to 1).

    Dividing the filtered ``x * weight`` by the filtered ``weight`` is normalised convolution: the
    chuck and the flagged defects count as missing, not as dark."""
    num, den = np.where(weight, x, 0.0), weight.astype(np.float64)
    for _ in range(2):
        num = ndimage.uniform_filter(num, size, mode="nearest")
        den = ndimage.uniform_filter(den, size, mode="nearest")
    return num / np.maximum(den, 1e-6), den


def _period(profile: np.ndarray, min_lag: int = 4, min_peak: float = 0.3) -> int | None:
    """The period of a 1-D profile: the first peak of its autocorrelation that is at least 0.8 of
    the highest (a profile repeating every p also repeats every 2p, 3p, ...), or None."""
    n = len(profile)
    p = profile - profile.mean()
    f = np.fft.rfft(p, 2 * n)  # zero padding turns the FFT's circular correlation into a linear one
    ac = np.fft.irfft(f * np.conj(f), 2 * n)[:n]
    if ac[0] <= 1e-12:
        return None
    ac = ac / ac[0] * n / (n - np.arange(n))  # lag d sums only n - d products
    lags = np.arange(min_lag, n // 3)  # at least three periods must fit
    if len(lags) < 3:
        return None
    a = ac[lags]
    peaks = np.flatnonzero((a[1:-1] > a[:-2]) & (a[1:-1] >= a[2:])) + 1
    peaks = peaks[a[peaks] >= min_peak]
    if len(peaks) == 0:
        return None
    return int(lags[peaks[a[peaks] >= 0.8 * a[peaks].max()][0]])


def die_pitch(image: np.ndarray, region: np.ndarray) -> tuple[int, int] | None:
    """The die grid's period (pitch_y, pitch_x) in pixels, or None when no grid shows.

    The image is divided by its local mean (which flattens the light) and averaged down each
    column of ``region``. The column profile repeats every pitch_x pixels, and its autocorrelation
    peaks there. The rows give pitch_y the same way.

    Args:
        image: a grayscale image (H, W), any real dtype.
        region: bool (H, W), the pixels to use (the patterned wafer).

    Returns:
        (pitch_y, pitch_x) as ints >= 4, or None when either profile shows no clear period
        (normalised autocorrelation below 0.3) or the region is too small to hold three dies.
    """
    x = np.asarray(image, dtype=np.float64)
    flat = np.where(region, x / np.maximum(_local_mean(x, region, 9)[0], 1e-6), 0.0)
    pitch = []
    for axis in (1, 0):  # averaging over axis 1 gives the row profile, hence pitch_y
        count = region.sum(axis)
        used = count > 0
        if used.sum() < 12:
            return None
        profile = flat.sum(axis)[used] / count[used]
        pitch.append(_period(profile))
    return None if None in pitch else (pitch[0], pitch[1])


def _golden_die(ratio: np.ndarray, valid: np.ndarray, pitch: tuple[int, int]) -> np.ndarray:
    """The median over all dies at each position within a die, tiled to the image's shape."""
    H, W = ratio.shape
    py, px = pitch
    Hp, Wp = -(-H // py) * py, -(-W // px) * px
    padded = np.full((Hp, Wp), np.inf)  # inf marks a missing pixel; sorting puts it last
    padded[:H, :W] = np.where(valid, ratio, np.inf)
    dies = padded.reshape(Hp // py, py, Wp // px, px).transpose(1, 3, 0, 2).reshape(py * px, -1)
    dies = np.sort(dies, axis=1)
    n = np.isfinite(dies).sum(1)
    lo = np.take_along_axis(dies, (np.maximum(n, 1) - 1)[:, None] // 2, 1)[:, 0]
    hi = np.take_along_axis(dies, np.minimum(n // 2, dies.shape[1] - 1)[:, None], 1)[:, 0]
    die = np.where(n > 0, (lo + hi) / 2, 1.0).reshape(py, px)
    return np.tile(die, (Hp // py, Wp // px))[:H, :W]


def remove_background(
    image: np.ndarray, edge_margin: float = 0.06
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Subtract the die pattern, the light and the coating's rings (the module docstring).

    Args:
        image: a uint8 grayscale wafer image (H, W).
        edge_margin: the width of the band inside the wafer's edge that is left out, as a
            fraction of the wafer's radius. Default 0.06.

    Returns:
        (residual, region, info). residual is float64 (H, W), image - background, and 0 outside
        region. region is bool (H, W): the wafer minus its edge band, where defects are sought.
        info is a dict with 'pitch' ((pitch_y, pitch_x) or None), 'radius' (the wafer's radius in
        px, 0.0 without a wafer) and 'noise' (the residual's robust sigma in grey levels).

    Raises:
        ValueError: if image is not a 2-D uint8 array (from ``wafer_mask``).
    """
    wafer = wafer_mask(image)
    x = image.astype(np.float64)
    radius = math.sqrt(wafer.sum() / math.pi)
    region = ndimage.distance_transform_edt(wafer) > edge_margin * radius
    info: dict[str, Any] = {"pitch": None, "radius": radius, "noise": 0.0}
    if region.sum() < 64:  # no wafer to speak of
        return np.zeros_like(x), region, info
    pitch = die_pitch(x, region)
    info["pitch"] = pitch
    size = pitch or 2 * int(0.05 * radius) + 1
    valid, die, light = region, np.ones_like(x), None
    for _ in range(2):
        estimate, support = _local_mean(x / die, valid, size)
        estimate = np.maximum(estimate, 1.0)
        # where a large defect left too few valid pixels, keep the first estimate
        light = estimate if light is None else np.where(support > 0.1, estimate, light)
        if pitch is not None:
            die = _golden_die(x / light, valid, pitch)
        residual = x - die * light
        sigma = max(noise_sigma(residual[region]), NOISE_FLOOR)
        flagged = ndimage.binary_dilation(np.abs(residual) > _OUTLIER_Z * sigma, iterations=2)
        valid = region & ~flagged
    # the coating's rings: the mean residual at each whole-pixel distance from the centre
    ys, xs = np.nonzero(wafer)
    yy, xx = np.indices(x.shape)
    r = np.rint(np.hypot(yy - ys.mean(), xx - xs.mean())).astype(np.intp)
    counts = np.bincount(r[valid], minlength=r.max() + 1)
    rings = np.bincount(r[valid], residual[valid], minlength=r.max() + 1) / np.maximum(counts, 1)
    residual = np.where(region, residual - rings[r], 0.0)
    info["noise"] = noise_sigma(residual[region])
    return residual, region, info
