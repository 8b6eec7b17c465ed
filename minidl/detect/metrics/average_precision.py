"""Average precision (AP) of one class, and the mean over classes (mAP) at COCO's IoU thresholds.

Precision and recall describe a detector at one score cut-off; AP describes its ranking over
all of them, so that two detectors can be compared without first agreeing on a cut-off. mAP@0.5
averages the classes' AP at IoU 0.5; mAP@[.5:.95] also averages over the IoU thresholds 0.50,
0.55, ..., 0.95, which rewards boxes that fit tightly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .inputs import ImageBoxes, check_count
from .matching import flat_matches

__all__ = [
    "COCO_IOU_THRESHOLDS",
    "all_point_ap",
    "average_precision",
    "coco_aps",
    "mean_aps",
]


# Rounded so that 0.55 is the double nearest 0.55 (np.arange would give 0.5500000000000002, and an
# IoU of exactly 0.55 would then fail to match).
COCO_IOU_THRESHOLDS: tuple[float, ...] = tuple(round(0.5 + 0.05 * k, 2) for k in range(10))
"""0.50, 0.55, ..., 0.95: the IoU thresholds COCO's mAP@[.5:.95] averages over."""


def all_point_ap(scores: np.ndarray, hits: np.ndarray, n_ground_truth: int) -> float:
    """``average_precision`` of inputs already known to be valid (no checks)."""
    if n_ground_truth == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(hits[order])
    precision = tp / np.arange(1, len(tp) + 1)
    recall = tp / n_ground_truth
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * envelope))


def average_precision(
    scores: Sequence[float] | np.ndarray,
    is_true_positive: Sequence[bool] | np.ndarray,
    n_ground_truth: int,
) -> float:
    """Average precision (AP) of one class: the area under its precision-recall curve, with
    all-point interpolation (PASCAL VOC 2010 onwards, and COCO without its 101-point sampling).

    Sort the detections by descending score (ties keep input order) and walk down the list. After
    the i-th detection::

        precision_i = TP_i / i,     recall_i = TP_i / n_ground_truth

    A zig-zag curve would reward luck in the order of nearby scores, so precision is replaced by
    its envelope, the best precision at this recall or any higher one, and AP sums the envelope
    over the steps in recall::

        envelope_i = max(precision_j for j >= i)
        AP = sum_i (recall_i - recall_{i-1}) * envelope_i,      recall_0 = 0

    Only true positives raise recall, so only they add to the sum. Ground truth that no detection
    found caps recall below 1 and contributes nothing.

    Worked example, 5 detections and 3 ground-truth defects::

        score       0.9   0.8   0.7   0.6   0.5
        TP?         yes   no    yes   no    yes
        precision   1/1   1/2   2/3   2/4   3/5
        recall      1/3   1/3   2/3   2/3   3/3
        envelope    1     2/3   2/3   3/5   3/5
        AP = 1/3 * 1 + 1/3 * 2/3 + 1/3 * 3/5 = 34/45 = 0.7556

    Args:
        scores: (n,) confidence of each detection of the class, over the whole data set.
        is_true_positive: (n,) whether each detection matched a ground truth (see
            ``match_detections``).
        n_ground_truth: how many ground-truth boxes of the class there are, matched or not.

    Returns:
        AP in [0, 1]. 0.0 when n_ground_truth is 0: AP is undefined then, and
        ``evaluate_detections`` leaves such a class out of the mAP instead.

    Raises:
        ValueError: if scores and is_true_positive are not 1-D of one length, scores are not
            finite, is_true_positive is not boolean (or 0/1), n_ground_truth is not a whole
            number >= 0, or there are more true positives than ground truths.
    """
    where = "average_precision"
    n_gt = check_count(n_ground_truth, "n_ground_truth", where)
    try:
        s = np.asarray(scores)
        hits = np.asarray(is_true_positive)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{where}: expected scores and is_true_positive as 1-D arrays") from error
    if s.size == 0 and hits.size == 0:
        return 0.0
    if s.ndim != 1 or s.dtype.kind not in "iuf":
        raise ValueError(
            f"{where}: expected scores as a 1-D array of finite numbers, received shape "
            f"{s.shape} and dtype {s.dtype}"
        )
    if not np.isfinite(s).all():
        raise ValueError(
            f"{where}: expected scores as a 1-D array of finite numbers, received "
            f"{s[~np.isfinite(s)][:3].tolist()} among them"
        )
    if hits.shape != s.shape or hits.dtype.kind not in "biu" or not np.isin(hits, (0, 1)).all():
        raise ValueError(
            f"{where}: expected is_true_positive as {s.shape[0]} booleans (one per score), "
            f"received shape {hits.shape} and dtype {hits.dtype}"
        )
    hits = hits.astype(bool)
    if hits.sum() > n_gt:
        raise ValueError(
            f"{where}: expected at most n_ground_truth = {n_gt} true positives (a ground truth is "
            f"matched at most once), received {int(hits.sum())}"
        )
    return all_point_ap(s.astype(np.float64), hits, n_gt)


def coco_aps(
    preds: list[ImageBoxes],
    gts: list[ImageBoxes],
    ious: list[np.ndarray],
    n_ground_truth: dict[str, int],
) -> dict[str, list[float]]:
    """Per class with ground truth, its AP at each of COCO_IOU_THRESHOLDS, in that order.

    The detections of all images are pooled per class before AP is taken, as in VOC and COCO:
    a detector is ranked over the data set, not image by image. A class with no ground truth has
    no AP (recall is undefined) and is left out."""
    scored = [c for c, n in n_ground_truth.items() if n > 0]
    ap: dict[str, list[float]] = {c: [] for c in scored}
    for t in COCO_IOU_THRESHOLDS:
        all_scores, all_classes, all_hits = flat_matches(preds, gts, ious, t)
        for c in scored:
            mask = all_classes == c
            ap[c].append(all_point_ap(all_scores[mask], all_hits[mask], n_ground_truth[c]))
    return ap


def mean_aps(ap: dict[str, list[float]]) -> tuple[float, float]:
    """(mAP@0.5, mAP@[.5:.95]) of ``coco_aps``' result; 0.0 when no class has ground truth."""
    if not ap:
        return 0.0, 0.0
    return float(np.mean([a[0] for a in ap.values()])), float(np.mean(list(ap.values())))
