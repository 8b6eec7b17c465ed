"""Classical wafer defect detection: no learning, just image processing and hand-written rules.

``ClassicalDetector`` is the baseline the learned detector (minidl.detect.cnn) has to beat. Its
only training is a grid search over two settings. Every step is a standard image-processing
operation whose result can be drawn as a picture (``remove_background`` returns the residual
image of step 1):

1. Background removal. Whatever is the same on every wafer is background: the die pattern, the
   uneven light and the coating's rings. It is estimated from the image itself, without learning.
   ``wafer_mask`` finds the wafer. The outer ``edge_margin`` (a fraction of the wafer's radius)
   is left out, because the rim, the notch and the unpatterned edge ring carry no dies. The dies
   repeat with a whole-pixel period, the die pitch. Average the flattened image over each column
   (and over each row): the result repeats with the pitch, and its autocorrelation has its first
   strong peak at the pitch (``die_pitch``). Every pixel then has a position within its die
   (``y mod pitch_y``, ``x mod pitch_x``). The median over all dies of the pixels at one position
   is the golden die. A median, because a defect covers that position in only a few dies. The
   light is a weighted local mean of the image divided by the golden die, taken over a box as
   large as one die: the box averages the die pattern away. Both estimates are made twice; the
   second time, the pixels the first residual flagged are left out, so that the defects do not
   leak into their own background. The background is golden die x light (the light multiplies
   the scene). residual = image - background. Last, the mean residual at each distance from the
   wafer's centre is subtracted, which removes the coating's faint concentric rings. What is left
   is noise plus the defects.

2. Blur. A ``blur_kernel`` x ``blur_kernel`` box filter (``scipy.ndimage.uniform_filter``; 1 = no
   blur) averages the noise down and keeps blobs a few pixels across. The blurred residual is then
   divided by its robust noise level, ``sigma = 1.4826 * median|residual|`` (the median absolute
   value, which the defects barely move; 1.4826 turns it into a Gaussian's sigma). This gives a
   z-score: how many noise sigmas a pixel stands out.

3. Threshold. A pixel is a candidate when ``|z| >= threshold_value``, in noise sigmas (so one
   setting suits bright and dark images and noisy and clean cameras alike; None means
   ``DEFAULT_THRESHOLD``). Hysteresis, as in Canny's edge detector: a region of pixels with
   ``|z| >= hysteresis * threshold_value`` is kept whole when it holds at least one candidate.
   The faded ends of a scratch stay joined to its strong middle, and isolated noise is dropped.

4. Morphology. A binary closing (dilate, then erode, with a 3x3 square) bridges one- or two-pixel
   gaps, so a line broken by noise stays one object. There is no opening: it would erase the
   one-pixel-wide scratches. Tiny noise blobs are removed by ``min_area`` in step 5 instead.

5. Connected components. ``scipy.ndimage.label`` with 8-connectivity gives one label per
   object and ``find_objects`` its bounding slice; objects smaller than ``min_area`` pixels are
   dropped. The blur and the hysteresis make an object larger than the defect, so its box is
   tightened. The pixels kept are those whose unblurred residual, with the object's own sign,
   reaches ``box_fraction`` of the object's peak (its 95th percentile). This is the defect's
   footprint at about half its height, much as a lens's resolution is read from a star's image.
   The box is tight around those pixels, half-open like the generator's:
   ``[x_min, y_min, x_max + 1, y_max + 1]``.

6. Shape features and rules. From the footprint's pixel coordinates: area; length and width
   ``sqrt(12 * eigenvalue)`` of their covariance matrix (exact for a uniform bar); elongation =
   length / width; jaggedness, the RMS distance of the pixels from a parabola fitted along the
   major axis. From its residual: polarity, the sign of the mean (dark or bright); contrast, the
   peak in grey levels. Jaggedness stands in for branching: forks and kinks pull pixels off any
   smooth curve, while a smooth line of width w strays only about w / sqrt(12) < 1 px. Lengths
   are in pixels of a wafer of ``REFERENCE_RADIUS`` px and scale with the measured radius, so one
   setting fits any image size. The rules, first match wins::

       length <= particle_length (scaled)             -> particle  (small and compact)
       brighter than the wafer                        -> scratch   (cracks are always dark)
       jaggedness >= crack_jaggedness
           or peak contrast >= crack_contrast         -> crack     (kinked, forked or deep)
       otherwise                                      -> scratch   (long, thin, smooth, shallow)

   score = contrast x clarity. The contrast factor, z_peak / (z_peak + threshold), grows with
   how far the object stands out of the noise. clarity = 0.5 + 0.5 * tanh(margin) grows with how
   far the object lies from the nearest rule boundary: the margin is
   ``|ln(length / particle_length)| / LENGTH_SCALE``, and for a dark line the smaller of that
   and ``|max((jaggedness - crack_jaggedness) / JAGGEDNESS_SCALE, (contrast - crack_contrast) /
   CONTRAST_SCALE)|``. Both factors lie in [0.5, 1), so the score lies in [0.25, 1).

``fit`` tries every (blur_kernel, threshold_value) pair of a small grid on labelled images. It
keeps the pair with the best F1 at IoU 0.5 (``minidl.detect.metrics.evaluate_detections``) and
returns it. The background of each image is computed once and shared by all the settings.

Every per-pixel step is vectorised (filters, masks, labelling, one sort for the golden die).
Python loops run only over the objects found (a handful per image) and over the grid settings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import ndimage

from .._checks import build_from_config
from ..data.wafer import wafer_mask
from .metrics import evaluate_detections

__all__ = [
    "BLUR_GRID",
    "DEFAULT_THRESHOLD",
    "REFERENCE_RADIUS",
    "THRESHOLD_GRID",
    "ClassicalDetector",
    "die_pitch",
    "remove_background",
    "segment",
]

DEFAULT_THRESHOLD = 6.0
"""The z-score threshold (noise sigmas) used when threshold_value is None."""
BLUR_GRID = (1, 3, 5)
"""The blur_kernel values ``fit`` tries by default."""
THRESHOLD_GRID = (4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0)
"""The threshold_value values (noise sigmas) ``fit`` tries by default."""
REFERENCE_RADIUS = 180.0
"""Wafer radius in pixels (about that of a 400 x 400 image) at which the rules' lengths apply."""
LENGTH_SCALE = 0.25
"""One unit of the score's rule margin in ln(length / particle_length) (module docstring, step 6)."""
JAGGEDNESS_SCALE = 0.3
"""One unit of the score's rule margin in jaggedness, px."""
CONTRAST_SCALE = 5.0
"""One unit of the score's rule margin in contrast, grey levels."""

_MAD_TO_SIGMA = 1.4826  # for Gaussian noise, median |x| = 0.6745 sigma
_OUTLIER_Z = 4.0  # residuals this many sigmas out are left out of the second background estimate
_NOISE_FLOOR = 0.1  # grey levels: a flat synthetic image must not turn rounding errors into defects


# --------------------------------------------------------------------------- 1. background


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
    """Subtract the die pattern, the light and the coating's rings (step 1 of the module docstring).

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
        sigma = max(_MAD_TO_SIGMA * np.median(np.abs(residual[region])), _NOISE_FLOOR)
        flagged = ndimage.binary_dilation(np.abs(residual) > _OUTLIER_Z * sigma, iterations=2)
        valid = region & ~flagged
    # the coating's rings: the mean residual at each whole-pixel distance from the centre
    ys, xs = np.nonzero(wafer)
    yy, xx = np.indices(x.shape)
    r = np.rint(np.hypot(yy - ys.mean(), xx - xs.mean())).astype(np.intp)
    counts = np.bincount(r[valid], minlength=r.max() + 1)
    rings = np.bincount(r[valid], residual[valid], minlength=r.max() + 1) / np.maximum(counts, 1)
    residual = np.where(region, residual - rings[r], 0.0)
    info["noise"] = float(_MAD_TO_SIGMA * np.median(np.abs(residual[region])))
    return residual, region, info


# --------------------------------------------------------------------------- 2-6. detection


def _z_score(residual: np.ndarray, region: np.ndarray, blur_kernel: int) -> np.ndarray:
    """Step 2: the blurred residual in units of its own robust noise level."""
    blurred = ndimage.uniform_filter(residual, blur_kernel) if blur_kernel > 1 else residual
    sigma = _MAD_TO_SIGMA * np.median(np.abs(blurred[region]))
    return blurred / max(float(sigma), _NOISE_FLOOR)


def _objects(z: np.ndarray, region: np.ndarray, threshold: float, hysteresis: float, min_area):
    """Steps 3-5: the label image and the labels kept (hysteresis, closing, size)."""
    strong = (np.abs(z) >= threshold) & region
    weak = (np.abs(z) >= hysteresis * threshold) & region
    weak |= ndimage.binary_closing(weak, np.ones((3, 3), bool)) & region
    labels, n = ndimage.label(weak, np.ones((3, 3), bool))
    keep = np.zeros(n + 1, bool)
    keep[labels[strong]] = True
    keep &= np.bincount(labels.ravel(), minlength=n + 1) >= min_area
    keep[0] = False
    return labels, np.flatnonzero(keep)


def segment(
    residual: np.ndarray,
    region: np.ndarray,
    blur_kernel: int,
    threshold: float,
    hysteresis: float = 0.5,
    min_area: int = 4,
    box_fraction: float = 0.4,
) -> list[dict[str, Any]]:
    """Steps 2-5 of the module docstring: the objects that stand out of a residual image.

    Shared by both detectors: the classical one names each object by its shape (step 6), the
    CNN detector by its network's probability map.

    Args:
        residual: float (H, W), ``remove_background``'s residual.
        region: bool (H, W), where objects are sought.
        blur_kernel: odd int >= 1, the box blur's side (1 = none).
        threshold: noise sigmas a pixel's blurred residual must reach to seed an object.
        hysteresis: an object's pixels need only ``hysteresis * threshold`` (0 < h <= 1).
        min_area: objects of fewer pixels (after closing) are dropped.
        box_fraction: the footprint keeps the pixels reaching this fraction of the object's
            peak (step 5).

    Returns:
        One dict per object, in label order: 'bbox' [x1, y1, x2, y2] (half-open, tight around
        the footprint), 'ys' and 'xs' (the footprint's pixel rows and columns in the image),
        'polarity' (+1.0 brighter than the wafer, -1.0 darker), 'peak' (the 95th percentile of
        the signed residual over the object, grey levels) and 'z_peak' (the largest |z|).
    """
    if not region.any():
        return []
    z = _z_score(residual, region, blur_kernel)
    labels, kept = _objects(z, region, threshold, hysteresis, min_area)
    slices = ndimage.find_objects(labels)
    found = []
    for k in kept:
        window = slices[k - 1]
        inside = labels[window] == k
        r = residual[window]
        polarity = 1.0 if r[inside].sum() >= 0 else -1.0
        signed = polarity * r
        peak = float(np.percentile(signed[inside], 95))
        footprint = inside & (signed >= box_fraction * peak) if peak > 0 else inside
        ys, xs = np.nonzero(footprint)
        ys, xs = ys + window[0].start, xs + window[1].start
        found.append(
            {
                # half-open: one past the last row and column
                "bbox": [int(xs.min()), int(ys.min()), int(xs.max() + 1), int(ys.max() + 1)],
                "ys": ys,
                "xs": xs,
                "polarity": polarity,
                "peak": peak,
                "z_peak": float(np.abs(z[window][inside]).max()),
            }
        )
    return found


def _shape(ys: np.ndarray, xs: np.ndarray) -> dict[str, float]:
    """Step 6: length, width, elongation and jaggedness of a set of pixel coordinates."""
    coords = np.stack([ys, xs], 1).astype(np.float64)
    centred = coords - coords.mean(0)
    cov = centred.T @ centred / len(coords) + np.eye(2) / 12  # + 1/12: a pixel's own extent
    evals, evecs = np.linalg.eigh(cov)  # ascending: evecs[:, 1] is the major axis
    length, width = np.sqrt(12 * evals[::-1])
    across, along = (centred @ evecs).T
    jaggedness = 0.0
    if len(coords) >= 6:
        A = np.stack([np.ones_like(along), along, along**2], 1)
        coef, *_ = np.linalg.lstsq(A, across, rcond=None)
        jaggedness = float(np.sqrt(np.mean((across - A @ coef) ** 2)))
    return {
        "length": float(length),
        "width": float(width),
        "elongation": float(length / width),
        "jaggedness": jaggedness,
    }


# --------------------------------------------------------------------------- checks


def _check_images(images: object, where: str) -> list[np.ndarray]:
    """The images as a non-empty list of 2-D uint8 arrays. Integer or float images of grey
    levels in [0, 255] are rounded to uint8 copies, since the method works in 8-bit grey levels
    (thresholds like crack_contrast are in them too)."""
    expected = "a list of grayscale images (H, W) or an array (N, H, W), grey levels 0..255"
    if isinstance(images, np.ndarray):
        if images.ndim == 2:
            raise ValueError(
                f"{where}: expected {expected}, received a single 2-D array of shape "
                f"{images.shape}; pass [image] for one image"
            )
        if images.ndim != 3:
            raise ValueError(
                f"{where}: expected {expected}, received an array of shape {images.shape}"
            )
        images = list(images)
    if not isinstance(images, Sequence) or isinstance(images, (str, bytes)):
        raise ValueError(f"{where}: expected {expected}, received {type(images).__name__}")
    if len(images) == 0:
        raise ValueError(f"{where}: expected {expected}, received an empty list (no images)")
    checked = []
    for i, image in enumerate(images):
        if not isinstance(image, np.ndarray):
            raise ValueError(
                f"{where}: expected images[{i}] as a grayscale array (H, W), received "
                f"{type(image).__name__}"
            )
        if image.ndim != 2 or image.dtype.kind not in "uif" or min(image.shape) < 16:
            raise ValueError(
                f"{where}: expected images[{i}] as a grayscale array (H, W) of at least 16 x 16, "
                f"uint8 (or integers or floats of grey levels 0..255), received dtype "
                f"{image.dtype} and shape {image.shape}"
            )
        if image.dtype != np.uint8:
            low, high = float(image.min()), float(image.max())
            if not (0.0 <= low and high <= 255.0):  # also catches NaN
                raise ValueError(
                    f"{where}: expected images[{i}] with grey levels in [0, 255], received "
                    f"values from {low:g} to {high:g}"
                )
            if image.dtype.kind == "f" and 0.0 < high <= 1.0:
                raise ValueError(
                    f"{where}: expected images[{i}] with grey levels in [0, 255], received "
                    f"floats in [0, 1]; multiply a scaled image by 255"
                )
            image = np.rint(image).astype(np.uint8)
        checked.append(image)
    return checked


def _check_number(
    value: object,
    name: str,
    where: str,
    low: float,
    high: float = math.inf,
    *,
    integer=False,
    open_low=False,
    open_high=False,
) -> float:
    """``value`` as a float (or int) inside the interval, or a ValueError naming the interval."""
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    ok = isinstance(value, kinds) and not isinstance(value, (bool, np.bool_))
    ok = ok and math.isfinite(value)
    ok = ok and (value > low if open_low else value >= low)
    ok = ok and (value < high if open_high else value <= high)
    if not ok:
        if high == math.inf:
            interval = f"{'>' if open_low else '>='} {low:g}"
        else:
            interval = f"in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
        kind = "an int" if integer else "a number"
        raise ValueError(f"{where}: expected {name} as {kind} {interval}, received {value!r}")
    return int(value) if integer else float(value)


def _check_blur(value: object, where: str) -> int:
    k = _check_number(value, "blur_kernel", where, 1, integer=True)
    if k % 2 == 0:
        raise ValueError(
            f"{where}: expected blur_kernel as an odd int (a window centred on its pixel; 1 = no "
            f"blur), received {value!r}"
        )
    return k


# --------------------------------------------------------------------------- the detector


class ClassicalDetector:
    """A wafer defect detector without learning: background removal, thresholds, shapes, rules.

    The method, step by step, is in the module docstring.

    Args:
        blur_kernel: side of the box filter applied to the residual, odd; 1 = no blur. Default 3.
        threshold_value: detection threshold on the blurred residual's z-score, in noise sigmas
            (> 0); None means DEFAULT_THRESHOLD. ``fit`` sets it. Default None.
        min_area: objects with fewer pixels (after thresholding) are dropped. Default 4.
        hysteresis: an object's pixels need only ``hysteresis * threshold_value``, provided one
            reaches threshold_value; in (0, 1], 1 = plain threshold. Default 0.5.
        edge_margin: band inside the wafer's edge left out, as a fraction of its radius, in
            [0, 0.5). Default 0.06.
        box_fraction: the box holds the pixels whose residual reaches this fraction of the
            object's peak, in (0, 1]. Default 0.4.
        particle_length: objects at most this long are particles. In px for a wafer of
            REFERENCE_RADIUS px, scaled with the measured radius (by a factor of at least 0.5,
            since even tiny particles span a few pixels). Default 12.0.
        crack_jaggedness: dark lines at least this jagged (RMS px off a smooth curve) are
            cracks. Default 1.0.
        crack_contrast: dark lines whose peak residual reaches this many grey levels are cracks
            too, however smooth (a crack goes deep; a scratch grazes the surface); dark lines
            below both limits are scratches. Default 45.0.

    Raises:
        ValueError: if a setting is out of its range (the message names it).

    Example:
        >>> from minidl.data.wafer import generate_wafers
        >>> images, annotations = generate_wafers(4, seed=0)
        >>> detector = ClassicalDetector()
        >>> chosen = detector.fit(images, annotations)  # {'blur_kernel': ..., 'f1_score': ...}
        >>> detections = detector.predict(images)  # per image: [{'bbox', 'class', 'score'}]
    """

    CLASSES = ("scratch", "particle", "crack")
    """The class names ``predict`` gives."""

    def __init__(
        self,
        blur_kernel: int = 3,
        threshold_value: float | None = None,
        min_area: int = 4,
        hysteresis: float = 0.5,
        edge_margin: float = 0.06,
        box_fraction: float = 0.4,
        particle_length: float = 12.0,
        crack_jaggedness: float = 1.0,
        crack_contrast: float = 45.0,
    ) -> None:
        where = "ClassicalDetector"
        self.blur_kernel = _check_blur(blur_kernel, where)
        self.threshold_value = (
            None
            if threshold_value is None
            else _check_number(threshold_value, "threshold_value", where, 0, open_low=True)
        )
        self.min_area = _check_number(min_area, "min_area", where, 1, integer=True)
        self.hysteresis = _check_number(hysteresis, "hysteresis", where, 0, 1, open_low=True)
        self.edge_margin = _check_number(edge_margin, "edge_margin", where, 0, 0.5, open_high=True)
        self.box_fraction = _check_number(box_fraction, "box_fraction", where, 0, 1, open_low=True)
        self.particle_length = _check_number(
            particle_length, "particle_length", where, 0, open_low=True
        )
        self.crack_jaggedness = _check_number(
            crack_jaggedness, "crack_jaggedness", where, 0, open_low=True
        )
        self.crack_contrast = _check_number(
            crack_contrast, "crack_contrast", where, 0, open_low=True
        )

    # ------------------------------------------------------------------ configuration

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, tuned ones included: JSON-ready, for ``from_config``."""
        return {
            "blur_kernel": self.blur_kernel,
            "threshold_value": self.threshold_value,
            "min_area": self.min_area,
            "hysteresis": self.hysteresis,
            "edge_margin": self.edge_margin,
            "box_fraction": self.box_fraction,
            "particle_length": self.particle_length,
            "crack_jaggedness": self.crack_jaggedness,
            "crack_contrast": self.crack_contrast,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ClassicalDetector:
        """A detector with the settings of ``get_config`` (it predicts identically)."""
        return build_from_config(cls, config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"ClassicalDetector({args})"

    # ------------------------------------------------------------------ detection

    def _prepare(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        residual, region, info = remove_background(image, self.edge_margin)
        return residual, region, info["radius"] / REFERENCE_RADIUS

    def _detect(self, prepared, blur_kernel: int, threshold: float) -> list[dict[str, Any]]:
        """Steps 2-6 on one image's residual, with the given blur and threshold."""
        residual, region, scale = prepared
        objects = segment(
            residual,
            region,
            blur_kernel,
            threshold,
            self.hysteresis,
            self.min_area,
            self.box_fraction,
        )
        particle_length = self.particle_length * max(scale, 0.5)
        detections = []
        for obj in objects:
            polarity, peak = obj["polarity"], obj["peak"]
            shape = _shape(obj["ys"], obj["xs"])
            # the margin: how far the deciding feature lies from the nearest rule boundary
            margin = abs(math.log(shape["length"] / particle_length)) / LENGTH_SCALE
            if shape["length"] <= particle_length:
                name = "particle"
            elif polarity > 0:
                name = "scratch"
            else:
                jag = (shape["jaggedness"] - self.crack_jaggedness) / JAGGEDNESS_SCALE
                deep = (peak - self.crack_contrast) / CONTRAST_SCALE
                name = "crack" if max(jag, deep) >= 0 else "scratch"
                margin = min(margin, abs(max(jag, deep)))
            z_peak = obj["z_peak"]
            score = z_peak / (z_peak + threshold) * (0.5 + 0.5 * math.tanh(margin))
            detections.append({"bbox": obj["bbox"], "class": name, "score": float(score)})
        return detections

    @property
    def _threshold(self) -> float:
        return DEFAULT_THRESHOLD if self.threshold_value is None else self.threshold_value

    def predict(self, images: Sequence[np.ndarray] | np.ndarray) -> list[list[dict[str, Any]]]:
        """Find the defects in each image.

        Args:
            images: a non-empty list of grayscale images (H, W), or an array (N, H, W), of
                uint8 as ``generate_wafers`` returns them (integers or floats of grey levels in
                [0, 255] are rounded to uint8; floats in [0, 1] are refused as a likely
                scaling mistake).

        Returns:
            One list per image, of dicts ``{'bbox': [x1, y1, x2, y2], 'class': 'scratch' |
            'particle' | 'crack', 'score': float in [0, 1]}``. Boxes are half-open int pixel
            boxes (``image[y1:y2, x1:x2]`` is the boxed region), inside the image.

        Raises:
            ValueError: if images is empty, an image is not 2-D, its dtype is not an integer or
                float one, or its values are not grey levels in [0, 255].
        """
        images = _check_images(images, "ClassicalDetector.predict")
        return [
            self._detect(self._prepare(image), self.blur_kernel, self._threshold)
            for image in images
        ]

    def fit(
        self,
        images: Sequence[np.ndarray] | np.ndarray,
        annotations: Sequence[Sequence[dict[str, Any]]],
        verbose: int = 0,
        blur_kernels: Sequence[int] = BLUR_GRID,
        threshold_values: Sequence[float] = THRESHOLD_GRID,
    ) -> dict[str, Any]:
        """Tune blur_kernel and threshold_value by grid search for the best F1 at IoU 0.5.

        The current setting is tried first, then every pair of the grid. A pair replaces the best
        so far only when its F1 is strictly higher, so fit never does worse on these images than
        the settings it started with. Only the chosen pair is stored; the other settings are left
        as they are.

        Args:
            images: labelled images, as for ``predict``.
            annotations: per image, a list of ground-truth dicts with 'bbox' and 'class' (as
                ``generate_wafers`` returns; other keys are ignored).
            verbose: 0 silent; 1 prints one line per setting and the choice (stdout). Default 0.
            blur_kernels: the blur_kernel values to try (odd ints). Default BLUR_GRID.
            threshold_values: the threshold_value values to try (> 0). Default THRESHOLD_GRID.

        Returns:
            {'blur_kernel': int, 'threshold_value': float, 'f1_score': float}, the chosen pair
            and its F1 on these images.

        Raises:
            ValueError: if the images are invalid (as for ``predict``), annotations do not have
                one list per image or are malformed, or a grid value is out of range.
        """
        where = "ClassicalDetector.fit"
        images = _check_images(images, where)
        if (
            not isinstance(annotations, Sequence)
            or isinstance(annotations, (str, bytes))
            or len(annotations) != len(images)
        ):
            received = (
                f"{len(annotations)} entries"
                if isinstance(annotations, Sequence)
                else type(annotations).__name__
            )
            raise ValueError(
                f"{where}: expected annotations as a list with one list of dicts per image "
                f"({len(images)}), received {received}"
            )
        if verbose not in (0, 1, False, True):
            raise ValueError(f"{where}: expected verbose as 0 or 1, received {verbose!r}")
        blurs = [_check_blur(b, where) for b in blur_kernels]
        thresholds = [
            _check_number(t, f"threshold_values[{k}]", where, 0, open_low=True)
            for k, t in enumerate(threshold_values)
        ]
        if not blurs or not thresholds:
            raise ValueError(f"{where}: expected non-empty blur_kernels and threshold_values")
        prepared = [self._prepare(image) for image in images]
        grid = [(self.blur_kernel, self._threshold)]
        grid += [(b, t) for b in blurs for t in thresholds if (b, t) != grid[0]]
        best = None
        for blur, threshold in grid:
            predictions = [self._detect(p, blur, threshold) for p in prepared]
            result = evaluate_detections(predictions, annotations, iou_threshold=0.5)
            f1 = result["f1_score"]
            if verbose:
                print(
                    f"blur_kernel={blur:<2d} threshold_value={threshold:<5g} F1={f1:.4f} "
                    f"precision={result['precision']:.4f} recall={result['recall']:.4f}"
                )
            if best is None or f1 > best[2]:
                best = (blur, threshold, f1)
        self.blur_kernel, self.threshold_value = best[0], float(best[1])
        if verbose:
            print(f"chosen: blur_kernel={best[0]} threshold_value={best[1]:g} F1={best[2]:.4f}")
        return {"blur_kernel": best[0], "threshold_value": float(best[1]), "f1_score": best[2]}
