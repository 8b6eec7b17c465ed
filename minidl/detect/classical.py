"""The classical wafer defect detector: no learning, just image processing and hand-written rules.

``ClassicalDetector`` is the baseline the learned detector (minidl.detect.cnn) has to beat. Its
only training is a grid search over two settings. Every step is a standard image-processing
operation whose result can be drawn as a picture:

    1. background removal     minidl.detect.background: die pattern, light and rings subtracted
    2-5. segmentation         minidl.detect.segmentation: blur, threshold in noise sigmas with
                              hysteresis, closing, connected components, each one's footprint
    6. shape and rules        minidl.detect.shape_features measures each footprint; the rules
                              that name it are here

The rules. From ``shape_features``: length, width, elongation and jaggedness (how far the pixels
stray from a smooth curve). From the object's residual: polarity, the sign of the mean (dark or
bright); contrast, the peak in grey levels. Lengths are in pixels of a wafer of
``REFERENCE_RADIUS`` px and scale with the measured radius, so one setting fits any image size.
First match wins::

    length <= particle_length (scaled)             -> particle  (small and compact)
    brighter than the wafer                        -> scratch   (cracks are always dark)
    jaggedness >= crack_jaggedness
        or peak contrast >= crack_contrast         -> crack     (kinked, forked or deep)
    otherwise                                      -> scratch   (long, thin, smooth, shallow)

score = contrast x clarity. The contrast factor, z_peak / (z_peak + threshold), grows with how
far the object stands out of the noise. clarity = 0.5 + 0.5 * tanh(margin) grows with how far
the object lies from the nearest rule boundary: the margin is
``|ln(length / particle_length)| / LENGTH_SCALE``, and for a dark line the smaller of that and
``|max((jaggedness - crack_jaggedness) / JAGGEDNESS_SCALE, (contrast - crack_contrast) /
CONTRAST_SCALE)|``. Both factors lie in [0.5, 1), so the score lies in [0.25, 1).

``fit`` tries every (blur_kernel, threshold_value) pair of a small grid on labelled images. It
keeps the pair with the best F1 at IoU 0.5 (``minidl.detect.metrics.evaluate_detections``) and
returns it. The background of each image is computed once and shared by all the settings; a
threshold_value of None means ``DEFAULT_THRESHOLD``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import build_from_config, check_int, check_number
from .background import remove_background
from .images import check_images
from .metrics import evaluate_detections
from .segmentation import check_blur_kernel, segment
from .shape_features import shape_features

__all__ = [
    "BLUR_GRID",
    "DEFAULT_THRESHOLD",
    "REFERENCE_RADIUS",
    "THRESHOLD_GRID",
    "ClassicalDetector",
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
"""One unit of the score's rule margin in ln(length / particle_length) (module docstring)."""
JAGGEDNESS_SCALE = 0.3
"""One unit of the score's rule margin in jaggedness, px."""
CONTRAST_SCALE = 5.0
"""One unit of the score's rule margin in contrast, grey levels."""


def _grey_images(images: object, where: str) -> list[np.ndarray]:
    """The images as uint8 arrays of at least 16 x 16: the method works in 8-bit grey levels
    (thresholds like crack_contrast are in them too), so other images are rounded copies."""
    return check_images(
        images,
        where,
        "a grayscale array (H, W), uint8 (or integers or floats of grey levels 0..255)",
        min_side=16,
        grey_levels=True,
    )


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
        self.blur_kernel = check_blur_kernel(blur_kernel, where)
        self.threshold_value = check_number(
            threshold_value, "threshold_value", where, 0, open_low=True, allow_none=True
        )
        self.min_area = check_int(min_area, "min_area", where, 1)
        self.hysteresis = check_number(hysteresis, "hysteresis", where, 0, 1, open_low=True)
        self.edge_margin = check_number(edge_margin, "edge_margin", where, 0, 0.5, open_high=True)
        self.box_fraction = check_number(box_fraction, "box_fraction", where, 0, 1, open_low=True)
        self.particle_length = check_number(
            particle_length, "particle_length", where, 0, open_low=True
        )
        self.crack_jaggedness = check_number(
            crack_jaggedness, "crack_jaggedness", where, 0, open_low=True
        )
        self.crack_contrast = check_number(
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
        """Segmentation, shapes and rules on one image's residual, with this blur and threshold."""
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
            shape = shape_features(obj["ys"], obj["xs"])
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
        images = _grey_images(images, "ClassicalDetector.predict")
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
        images = _grey_images(images, where)
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
        blurs = [check_blur_kernel(b, where) for b in blur_kernels]
        thresholds = [
            check_number(t, f"threshold_values[{k}]", where, 0, open_low=True)
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
