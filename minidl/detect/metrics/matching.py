"""Which predictions found a defect: greedy matching by score, and precision, recall and F1.

A prediction is a true positive when it takes a ground-truth box of its class with enough
overlap; every other prediction is a false positive, and every ground truth left untaken a false
negative. The three counts give the three ratios. ``greedy_match`` is the one rule behind every
count in this package, so that the counts, the AP, the costs and the sensitivity sweeps can never
disagree about what a match is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .inputs import (
    GROUND_TRUTH_KEYS,
    PREDICTION_KEYS,
    ImageBoxes,
    check_count,
    check_iou_threshold,
    parse_image,
)
from .iou import pairwise_iou

__all__ = [
    "flat_matches",
    "greedy_match",
    "image_ious",
    "match_detections",
    "match_summary",
    "precision_recall_f1",
    "ratios",
]


def greedy_match(
    pred: ImageBoxes, gt: ImageBoxes, ious: np.ndarray, threshold: float
) -> np.ndarray:
    """The ground-truth index each prediction takes, -1 for none (the rule of match_detections)."""
    allowed = (pred.classes[:, None] == gt.classes[None, :]) & (ious >= threshold)
    taken = np.zeros(len(gt.classes), dtype=bool)
    matched = np.full(len(pred.classes), -1, dtype=np.intp)
    for p in np.argsort(-pred.scores, kind="stable"):
        free = allowed[p] & ~taken
        if free.any():
            g = int(np.argmax(np.where(free, ious[p], -1.0)))  # ties: the lowest index
            matched[p] = g
            taken[g] = True
    return matched


def match_detections(
    predictions: Sequence[Mapping[str, Any]],
    ground_truth: Sequence[Mapping[str, Any]],
    iou_threshold: float = 0.5,
) -> dict[str, list]:
    """Decide which predictions of one image found a defect (true positives) and which did not
    (false positives), and which defects were missed (false negatives).

    Greedy matching, as in PASCAL VOC and COCO: predictions are visited by descending score (ties
    in input order), and each takes the still-unmatched ground-truth box of the same class with the
    highest IoU, provided IoU >= iou_threshold (ties in IoU: the lowest ground-truth index). A
    prediction that finds none is a false positive, so a second detection of an already-found
    defect counts against the detector. Ground truth left unmatched is a false negative.

    Args:
        predictions: one dict per predicted box: 'bbox', 'class' (str) and 'score'.
        ground_truth: one dict per true defect: 'bbox' and 'class'.
        iou_threshold: the least IoU a match needs, in (0, 1]. Default 0.5.

    Returns:
        A dict of lists, indices referring to the input lists:
            'is_true_positive': one bool per prediction, in input order.
            'matched_gt': per prediction, the index of the ground truth it matched, or None.
            'matched_iou': per prediction, the IoU with that ground truth (0.0 if none).
            'true_positives': indices of the matched predictions.
            'false_positives': indices of the unmatched predictions.
            'false_negatives': indices of the unmatched ground truths.

    Raises:
        ValueError: if a list is not a list of dicts, a dict misses a key, a box is malformed,
            a class is not a str, a score is not a finite number, or iou_threshold is not in
            (0, 1].

    Example:
        >>> gt = [{'bbox': [0, 0, 10, 10], 'class': 'scratch'}]
        >>> preds = [{'bbox': [0, 0, 10, 9], 'class': 'scratch', 'score': 0.6},
        ...          {'bbox': [0, 0, 10, 10], 'class': 'scratch', 'score': 0.9}]
        >>> match_detections(preds, gt)['is_true_positive']  # the higher score matches first
        [False, True]
    """
    where = "match_detections"
    threshold = check_iou_threshold(iou_threshold, "iou_threshold", where)
    pred = parse_image(predictions, where, "predictions", "prediction", None, PREDICTION_KEYS)
    gt = parse_image(ground_truth, where, "ground_truth", "ground truth", None, GROUND_TRUTH_KEYS)
    ious = pairwise_iou(pred.boxes, gt.boxes)
    matched = greedy_match(pred, gt, ious, threshold)
    hit = matched >= 0
    return {
        "is_true_positive": hit.tolist(),
        "matched_gt": [int(g) if g >= 0 else None for g in matched],
        "matched_iou": [float(ious[p, g]) if g >= 0 else 0.0 for p, g in enumerate(matched)],
        "true_positives": np.flatnonzero(hit).tolist(),
        "false_positives": np.flatnonzero(~hit).tolist(),
        "false_negatives": np.setdiff1d(np.arange(len(gt.classes)), matched).tolist(),
    }


def image_ious(preds: list[ImageBoxes], gts: list[ImageBoxes]) -> list[np.ndarray]:
    """Per image, the IoU of every prediction with every ground truth, (n_pred, n_gt)."""
    return [pairwise_iou(p.boxes, g.boxes) for p, g in zip(preds, gts, strict=True)]


def flat_matches(
    preds: list[ImageBoxes], gts: list[ImageBoxes], ious: list[np.ndarray], threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every prediction of the data set, image after image: (scores, classes, is_true_positive)."""
    hits = [
        greedy_match(p, g, iou, threshold) >= 0 for p, g, iou in zip(preds, gts, ious, strict=True)
    ]
    return (
        np.concatenate([np.zeros(0)] + [p.scores for p in preds]),
        np.concatenate([np.empty(0, dtype=object)] + [p.classes for p in preds]),
        np.concatenate([np.zeros(0, dtype=bool), *hits]),
    )


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from the counts, each 0.0 where its denominator is 0.

    ::

        precision = TP / (TP + FP)     of the defects reported, the share that are real
        recall    = TP / (TP + FN)     of the real defects, the share reported
        F1        = 2 * precision * recall / (precision + recall) = 2 TP / (2 TP + FP + FN)

    0.0 rather than NaN for an empty denominator, so that no detections on a clean data set
    scores 0 everywhere: read it together with the counts.

    Args:
        tp: true positives. fp: false positives. fn: false negatives. Whole numbers >= 0.

    Returns:
        (precision, recall, f1), each in [0, 1].

    Raises:
        ValueError: if a count is not a whole number >= 0.
    """
    where = "precision_recall_f1"
    tp, fp, fn = (check_count(v, n, where) for v, n in ((tp, "tp"), (fp, "fp"), (fn, "fn")))
    return ratios(tp, fp, fn)


def match_summary(hits: np.ndarray, n_ground_truth: int) -> dict[str, Any]:
    """Precision, recall, F1 and the three counts, as every report names them, from the
    predictions' is_true_positive flags and the number of ground truths they were matched to."""
    tp = int(hits.sum())
    fp, fn = len(hits) - tp, n_ground_truth - tp
    precision, recall, f1 = ratios(tp, fp, fn)
    return {
        "precision": precision,
        "recall": recall,
        "f1_score": f1,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
    }


def ratios(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """``precision_recall_f1`` of counts already known to be valid (no checks)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return float(precision), float(recall), float(f1)
