"""Intersection over union (IoU): how much two boxes overlap, the measure every match rests on.

Boxes are half-open pixel boxes [x1, y1, x2, y2], x = column and y = row, (x2, y2) exclusive as
in the NumPy slice ``image[y1:y2, x1:x2]``::

    width = x2 - x1,   height = y2 - y1,   area = width * height

With that convention the overlap of two boxes is a plain difference of coordinates, with no
``+ 1``, and boxes that share an edge (a's x2 == b's x1) share no pixel, so their IoU is 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .inputs import check_box, check_boxes

__all__ = [
    "calculate_iou",
    "iou_matrix",
    "pairwise_iou",
]


def pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every pair of rows of valid (N, 4) and (M, 4) boxes, shape (N, M), unchecked.

    Each pair is measured in the frame of its union box (the smallest box holding both), with
    that box's width and height as the units of x and y. IoU is a ratio of areas, unchanged by
    that, and every length is then at most 1: areas of boxes near 1e200 would otherwise be
    1e400, infinite, and their IoU inf / inf = NaN. Coordinates are halved first, so that no
    difference of two finite coordinates overflows either.
    """
    a, b = 0.5 * a, 0.5 * b
    unit_x = np.maximum(a[:, None, 2], b[None, :, 2]) - np.minimum(a[:, None, 0], b[None, :, 0])
    unit_y = np.maximum(a[:, None, 3], b[None, :, 3]) - np.minimum(a[:, None, 1], b[None, :, 1])
    width = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    height = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.maximum(width / unit_x, 0.0) * np.maximum(height / unit_y, 0.0)
    area_a = (a[:, None, 2] - a[:, None, 0]) / unit_x * ((a[:, None, 3] - a[:, None, 1]) / unit_y)
    area_b = (b[None, :, 2] - b[None, :, 0]) / unit_x * ((b[None, :, 3] - b[None, :, 1]) / unit_y)
    union = area_a + area_b - inter  # >= max(area_a, area_b) > 0, unless both underflow to 0
    iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return np.minimum(iou, 1.0)  # rounding may not push a nested box past 1


def calculate_iou(box_a: Sequence[float], box_b: Sequence[float]) -> float:
    """Intersection over union of two boxes: how much they overlap, from 0 (no shared pixel) to 1
    (the same box).

    With x2 and y2 exclusive (see the module docstring)::

        inter_w = max(0, min(a.x2, b.x2) - max(a.x1, b.x1))      overlap in columns
        inter_h = max(0, min(a.y2, b.y2) - max(a.y1, b.y1))      overlap in rows
        IoU     = inter_w * inter_h / (area(a) + area(b) - inter_w * inter_h)
        area    = (x2 - x1) * (y2 - y1)

    Boxes that only touch (a.x2 == b.x1) have inter = 0, so IoU = 0.

    Args:
        box_a: [x1, y1, x2, y2], x = column, y = row, with x2 > x1 and y2 > y1.
        box_b: the other box, in the same form.

    Returns:
        The IoU, a float in [0, 1]; symmetric in its arguments.

    Raises:
        ValueError: if a box is not 4 finite numbers with x2 > x1 and y2 > y1.

    Example:
        >>> calculate_iou([0, 0, 4, 4], [2, 0, 6, 4])  # inter 2*4 = 8, union 16 + 16 - 8 = 24
        0.3333333333333333
    """
    a = check_box(box_a, "box_a", "calculate_iou")
    b = check_box(box_b, "box_b", "calculate_iou")
    return float(pairwise_iou(a[None, :], b[None, :])[0, 0])


def iou_matrix(boxes_a: object, boxes_b: object) -> np.ndarray:
    """IoU of every box in one set with every box in another, computed at once by broadcasting.

    ``out[i, j] = calculate_iou(boxes_a[i], boxes_b[j])``.

    Args:
        boxes_a: (N, 4) array-like of boxes [x1, y1, x2, y2]; [] for no boxes.
        boxes_b: (M, 4) array-like of boxes.

    Returns:
        A float64 array of IoUs in [0, 1].

    Shape:
        (N, 4), (M, 4) -> (N, M); either N or M may be 0.

    Raises:
        ValueError: if either set is not (n, 4) numbers, or a row is not a valid box (the message
            names the row).
    """
    a = check_boxes(boxes_a, "boxes_a", "iou_matrix")
    b = check_boxes(boxes_b, "boxes_b", "iou_matrix")
    return pairwise_iou(a, b)
