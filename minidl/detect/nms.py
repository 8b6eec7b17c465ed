"""Non-maximum suppression: one box per defect, where several detections found the same one.

A defect seen by several windows, or split into overlapping objects, would otherwise count once
as a true positive and again as false positives (the matching takes each defect once).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._checks import is_real
from .metrics.iou import pairwise_iou

__all__ = ["non_max_suppression"]


def non_max_suppression(detections: Sequence[dict], iou_threshold: float) -> list[dict]:
    """Greedy NMS across classes: keep the best-scored box, drop every box overlapping it by
    IoU > ``iou_threshold``, repeat with the best remaining one.

    Args:
        detections: dicts with 'bbox' [x1, y1, x2, y2] (half-open, x2 > x1, y2 > y1), 'score'.
        iou_threshold: in [0, 1].

    Returns:
        The kept detections (the same dicts), best score first; ties keep the input order.
    """
    if not (is_real(iou_threshold) and 0.0 <= iou_threshold <= 1.0):
        raise ValueError(
            f"non_max_suppression: expected iou_threshold in [0, 1], received {iou_threshold!r}"
        )
    if not detections:
        return []
    order = sorted(range(len(detections)), key=lambda k: -detections[k]["score"])
    boxes = np.array([detections[k]["bbox"] for k in order], dtype=np.float64)
    alive = np.ones(len(order), bool)
    kept = []
    for n in range(len(order)):
        if not alive[n]:
            continue
        kept.append(detections[order[n]])
        alive[n + 1 :] &= pairwise_iou(boxes[n : n + 1], boxes[n + 1 :])[0] <= iou_threshold
    return kept
