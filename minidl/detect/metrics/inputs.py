"""The metrics' inputs: boxes, one image's list of dicts, a data set of images, and the settings.

Every public metric parses its input here first, so that a malformed entry fails at once with
a message naming the function, the image and item index, the key, what was expected and what was
received, instead of surfacing later as a NaN or a wrong count. Parsing turns an image's list of
dicts into arrays (``ImageBoxes``), which the metrics then compute on without Python loops over
boxes.

The format (see the package docstring): a prediction is ``{'bbox': [x1, y1, x2, y2], 'class':
str, 'score': float}``, a ground-truth defect ``{'bbox': [x1, y1, x2, y2], 'class': str}``;
other keys are ignored. Inputs are only read, never modified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ..._checks import check_int, check_number

__all__ = [
    "GROUND_TRUTH_KEYS",
    "PREDICTION_KEYS",
    "ImageBoxes",
    "check_box",
    "check_boxes",
    "check_class_names",
    "check_cost",
    "check_count",
    "check_finite",
    "check_iou_threshold",
    "check_score_threshold",
    "is_list",
    "parse_dataset",
    "parse_image",
]


PREDICTION_KEYS = ("bbox", "class", "score")
GROUND_TRUTH_KEYS = ("bbox", "class")


class ImageBoxes(NamedTuple):
    """One image's boxes as arrays: boxes (n, 4) float64, classes (n,) object, scores (n,)."""

    boxes: np.ndarray
    classes: np.ndarray
    scores: np.ndarray


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------


def check_finite(x: object, name: str, where: str) -> float:
    """A real number other than NaN and +-inf, as a float."""
    return check_number(x, name, where, expected="a finite number")


def check_iou_threshold(x: object, name: str, where: str) -> float:
    """The least IoU of a match: in (0, 1], since IoU 0 would match boxes that share no pixel."""
    t = check_finite(x, name, where)
    if not 0.0 < t <= 1.0:
        raise ValueError(f"{where}: expected {name} in (0, 1], received {t!r}")
    return t


def check_cost(x: object, name: str, where: str) -> float:
    """A price in USD: finite and >= 0 (a negative cost would reward misses)."""
    c = check_finite(x, name, where)
    if c < 0:
        raise ValueError(f"{where}: expected {name} as a non-negative cost in USD, received {c!r}")
    return c


def check_count(x: object, name: str, where: str, minimum: int = 0) -> int:
    """A whole number of boxes, images or wafers (2.0 is refused: a count is an int)."""
    return check_int(x, name, where, minimum, expected=f"a whole number >= {minimum}")


def check_score_threshold(x: object, where: str) -> float | None:
    """score_threshold: None (keep all), or any number but NaN; inf keeps nothing."""
    return check_number(
        x, "score_threshold", where, allow_none=True, allow_inf=True, expected="a number or None"
    )


# ---------------------------------------------------------------------------------------------
# Boxes, images, data sets
# ---------------------------------------------------------------------------------------------


def is_list(x: object) -> bool:
    """A list, tuple or other sequence, but not a str (which is a sequence of characters)."""
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def check_box(value: object, name: str, where: str) -> np.ndarray:
    """One [x1, y1, x2, y2] as a float64 array, or a ValueError saying what is wrong with it."""
    expected = (
        f"{where}: expected {name} as 4 finite numbers [x1, y1, x2, y2] with x2 > x1 and y2 > y1"
    )
    arr = None
    if not isinstance(value, (str, bytes, Mapping)):
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError):
            arr = None
    if arr is None or arr.shape != (4,) or arr.dtype.kind not in "iuf":
        raise ValueError(f"{expected}, received {value!r}")
    box = arr.astype(np.float64)
    if not np.isfinite(box).all():
        raise ValueError(f"{expected}, received {value!r}, which is not finite")
    if box[2] <= box[0] or box[3] <= box[1]:  # compared, not subtracted: -1e308 to 1e308 is valid
        with np.errstate(over="ignore"):
            width, height = box[2] - box[0], box[3] - box[1]
        raise ValueError(
            f"{expected} (x2 and y2 exclusive), received {value!r}: width x2 - x1 = {width:g}, "
            f"height y2 - y1 = {height:g}"
        )
    return box


def check_boxes(value: object, name: str, where: str) -> np.ndarray:
    """An (n, 4) float64 array of valid boxes; [] and (0, 4) arrays give (0, 4)."""
    expected = f"{where}: expected {name} as an (n, 4) array of boxes [x1, y1, x2, y2]"
    try:
        arr = np.asarray(value) if not isinstance(value, (str, bytes, Mapping)) else None
    except (ValueError, TypeError):
        arr = None
    if arr is not None and arr.shape == (0,):
        return np.zeros((0, 4))
    if arr is None or arr.ndim != 2 or arr.shape[1] != 4 or arr.dtype.kind not in "iuf":
        shown = f"shape {arr.shape} and dtype {arr.dtype}" if arr is not None else repr(value)
        raise ValueError(f"{expected}, received {shown}")
    boxes = arr.astype(np.float64)
    for i, row in enumerate(boxes):
        if not np.isfinite(row).all() or row[2] <= row[0] or row[3] <= row[1]:
            check_box(row.tolist(), f"{name}[{i}]", where)  # raises with the reason
    return boxes


def parse_image(
    items: object, where: str, list_name: str, kind: str, index: int | None, keys: tuple[str, ...]
) -> ImageBoxes:
    """Parse one image's list of dicts. ``index`` is the image number (None for a lone image)."""
    container = list_name if index is None else f"{list_name}[{index}]"
    image = "" if index is None else f" (image {index})"
    if not is_list(items):
        raise ValueError(
            f"{where}: expected {container}{image} as a list of dicts (one per box), received "
            f"{type(items).__name__}"
        )
    n = len(items)
    boxes, classes, scores = np.zeros((n, 4)), np.empty(n, dtype=object), np.zeros(n)
    for j, item in enumerate(items):
        item_path = f"{container}[{j}]"
        label = f"{kind} {item_path}{image}"
        if not isinstance(item, Mapping):
            raise ValueError(
                f"{where}: expected {label} as a dict with keys {list(keys)}, received "
                f"{type(item).__name__}"
            )
        for key in keys:
            if key not in item:
                raise ValueError(
                    f"{where}: {label} is missing the key {key!r}; expected a dict with keys "
                    f"{list(keys)}, received keys {[str(k) for k in item]}"
                )
        boxes[j] = check_box(item["bbox"], f"{item_path}['bbox']{image}", where)
        if not isinstance(item["class"], str):
            raise ValueError(
                f"{where}: expected {item_path}['class']{image} as a str (the class name), received "
                f"{item['class']!r}"
            )
        classes[j] = item["class"]
        if "score" in keys:
            scores[j] = check_finite(item["score"], f"{item_path}['score']{image}", where)
    return ImageBoxes(boxes, classes, scores)


def parse_dataset(
    predictions: object, ground_truth: object, where: str
) -> tuple[list[ImageBoxes], list[ImageBoxes]]:
    """Both lists of images parsed, after checking they describe the same number of images."""
    for name, value in (
        ("predictions_per_image", predictions),
        ("ground_truth_per_image", ground_truth),
    ):
        if not is_list(value):
            raise ValueError(
                f"{where}: expected {name} as a list with one list of dicts per image, received "
                f"{type(value).__name__}"
            )
    if len(predictions) != len(ground_truth):
        raise ValueError(
            f"{where}: expected predictions_per_image and ground_truth_per_image with one entry "
            f"per image each, in the same order, received {len(predictions)} and "
            f"{len(ground_truth)} images"
        )
    preds = [
        parse_image(p, where, "predictions_per_image", "prediction", i, PREDICTION_KEYS)
        for i, p in enumerate(predictions)
    ]
    gts = [
        parse_image(g, where, "ground_truth_per_image", "ground truth", i, GROUND_TRUTH_KEYS)
        for i, g in enumerate(ground_truth)
    ]
    return preds, gts


def check_class_names(
    preds: list[ImageBoxes], gts: list[ImageBoxes], class_names: object, where: str
) -> list[str]:
    """The classes to report: class_names in its order, or every class seen, sorted."""
    seen = {c for image in preds + gts for c in image.classes}
    if class_names is None:
        return sorted(seen)
    if not is_list(class_names) or not all(isinstance(c, str) for c in class_names):
        raise ValueError(
            f"{where}: expected class_names as a list of str, received {class_names!r}"
        )
    if len(set(class_names)) != len(class_names):
        raise ValueError(f"{where}: expected distinct class_names, received {list(class_names)}")
    for kind, images in (("predictions_per_image", preds), ("ground_truth_per_image", gts)):
        for i, image in enumerate(images):
            for j, c in enumerate(image.classes):
                if c not in class_names:
                    raise ValueError(
                        f"{where}: {kind}[{i}][{j}]['class'] (image {i}) is {c!r}, expected one "
                        f"of class_names {list(class_names)}"
                    )
    return list(class_names)
