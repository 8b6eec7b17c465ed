"""``evaluate_detections``: a detector scored on a data set, overall and per class.

One call gives every figure of this package at once, from one parse of the data and one IoU
matrix per image: the counts and precision / recall / F1 at an operating point, the mAPs over all
operating points, the share of wafers judged right (PWS) and the estimated cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .average_precision import coco_aps, mean_aps
from .fab import FALSE_ALARM_COST_USD, MISS_COST_USD, pws_from_counts
from .inputs import (
    ImageBoxes,
    check_class_names,
    check_cost,
    check_count,
    check_iou_threshold,
    check_score_threshold,
    parse_dataset,
)
from .matching import flat_matches, image_ious, match_summary, ratios

__all__ = [
    "evaluate_detections",
]


def _kept(
    preds: list[ImageBoxes], ious: list[np.ndarray], score_threshold: float | None
) -> tuple[list[ImageBoxes], list[np.ndarray]]:
    """The predictions with score >= score_threshold (all of them for None), and their IoU rows."""
    if score_threshold is None:
        return preds, ious
    keep = [p.scores >= score_threshold for p in preds]
    return (
        [
            ImageBoxes(p.boxes[k], p.classes[k], p.scores[k])
            for p, k in zip(preds, keep, strict=True)
        ],
        [iou[k] for iou, k in zip(ious, keep, strict=True)],
    )


def evaluate_detections(
    predictions_per_image: Sequence[Sequence[Mapping[str, Any]]],
    ground_truth_per_image: Sequence[Sequence[Mapping[str, Any]]],
    iou_threshold: float = 0.5,
    class_names: Sequence[str] | None = None,
    miss_cost: float = MISS_COST_USD,
    false_alarm_cost: float = FALSE_ALARM_COST_USD,
    max_defects_in_spec: int = 0,
    score_threshold: float | None = None,
) -> dict[str, Any]:
    """Score a detector on a data set: counts, precision / recall / F1, mAP, PWS and cost.

    Two views of one detector. The counts and what follows from them (precision, recall, F1,
    PWS, cost) describe it at one operating point: predictions matched at ``iou_threshold``,
    keeping those with score >= ``score_threshold``. The mAPs describe its ranking over all
    operating points, so they always use every prediction and their own IoU thresholds::

        TP, FP, FN   summed over images of match_detections(..., iou_threshold)
        precision, recall, F1   = precision_recall_f1(TP, FP, FN)   (0.0 when undefined)
        AP_c(t)      average_precision of class c, detections of all images pooled, matched at t
        map_50       = mean over classes c with ground truth of AP_c(0.5)
        map_50_95    = mean over those classes and t in 0.50, 0.55, ..., 0.95 of AP_c(t)
        pws_percent  = see pws_percent (each image is a wafer)
        estimated_loss_usd = FN * miss_cost + FP * false_alarm_cost

    The IoU thresholds of map_50_95 are COCO's; AP itself is all-point (see
    ``average_precision``), with no cap on detections per image and no 'crowd' regions, so the
    values can differ slightly from the COCO toolkit's 101-point figures.

    A class with no ground truth in the data set has no AP (recall is undefined): it is left out
    of both mAPs and its 'ap_50' is None. Its predictions are still false positives in the counts.
    A data set with no ground truth at all has mAP 0.0.

    Args:
        predictions_per_image: per image, a list of dicts with 'bbox', 'class' (str), 'score'.
        ground_truth_per_image: per image, a list of dicts with 'bbox', 'class'; the same number
            of images, in the same order.
        iou_threshold: least IoU for a match in the counts, in (0, 1]. Default 0.5.
        class_names: the classes to report in 'per_class', in this order; a class found in the
            data but not listed raises ValueError (it catches misspelt names). Default None: every
            class seen, sorted.
        miss_cost: cost in USD of one false negative. Default MISS_COST_USD (illustrative).
        false_alarm_cost: cost in USD of one false positive. Default FALSE_ALARM_COST_USD.
        max_defects_in_spec: the most defects a passing wafer may have, for PWS. Default 0.
        score_threshold: if given, predictions with a lower score are dropped from the counts,
            PWS and cost (not from the mAPs); float('inf'), as ``best_score_threshold`` may
            return, keeps none. Default None: all are kept.

    Returns:
        A dict: 'precision', 'recall', 'f1_score', 'true_positives', 'false_positives',
        'false_negatives', 'map_50', 'map_50_95', 'pws_percent', 'estimated_loss_usd',
        'n_images', and 'per_class': {class: {'precision', 'recall', 'f1_score', 'ap_50',
        'ap_50_95', 'tp', 'fp', 'fn', 'n_ground_truth'}}. Plain Python ints and floats.

    Raises:
        ValueError: if the two lists differ in length, an entry is malformed (the message names
            the image, the item and the key), a class is not in class_names, or a setting is out
            of range.
    """
    where = "evaluate_detections"
    threshold = check_iou_threshold(iou_threshold, "iou_threshold", where)
    miss = check_cost(miss_cost, "miss_cost", where)
    false_alarm = check_cost(false_alarm_cost, "false_alarm_cost", where)
    max_defects = check_count(max_defects_in_spec, "max_defects_in_spec", where)
    cut = check_score_threshold(score_threshold, where)
    preds, gts = parse_dataset(predictions_per_image, ground_truth_per_image, where)
    classes = check_class_names(preds, gts, class_names, where)
    ious = image_ious(preds, gts)
    gt_classes = np.concatenate([np.empty(0, dtype=object)] + [g.classes for g in gts])
    n_gt = {c: int(np.sum(gt_classes == c)) for c in classes}

    kept, kept_ious = _kept(preds, ious, cut)
    _, pred_classes, hits = flat_matches(kept, gts, kept_ious, threshold)
    overall = match_summary(hits, len(gt_classes))
    ap = coco_aps(preds, gts, ious, n_gt)
    map_50, map_50_95 = mean_aps(ap)

    per_class = {}
    for c in classes:
        mask = pred_classes == c
        tp_c = int(hits[mask].sum())
        fp_c, fn_c = int(mask.sum()) - tp_c, n_gt[c] - tp_c
        p_c, r_c, f1_c = ratios(tp_c, fp_c, fn_c)
        per_class[c] = {
            "precision": p_c,
            "recall": r_c,
            "f1_score": f1_c,
            "ap_50": ap[c][0] if c in ap else None,
            "ap_50_95": float(np.mean(ap[c])) if c in ap else None,
            "tp": tp_c,
            "fp": fp_c,
            "fn": fn_c,
            "n_ground_truth": n_gt[c],
        }
    fp, fn = overall["false_positives"], overall["false_negatives"]
    return {
        **overall,
        "map_50": map_50,
        "map_50_95": map_50_95,
        "pws_percent": pws_from_counts(
            [len(p.scores) for p in kept], [len(g.classes) for g in gts], max_defects
        ),
        "estimated_loss_usd": float(fn * miss + fp * false_alarm),
        "n_images": len(preds),
        "per_class": per_class,
    }
