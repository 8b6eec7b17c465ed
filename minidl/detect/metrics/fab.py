"""The figures a fab judges a detector by, beyond precision and recall.

    pws_percent             the share of wafers given the right pass/fail verdict
    cost_sensitivity_grid   what misses and false alarms cost, over a grid of prices
    best_score_threshold    the score cut-off with the lowest cost
    iou_sensitivity         precision, recall and F1 as the IoU threshold of a match moves

A missed defect and a false alarm cost very different amounts (a bad die shipped against an
engineer's review), so a fab picks its operating point by cost, not by F1. The prices here are
illustrative; the grid shows how far a conclusion depends on them. How many wafers an hour a
detector inspects is ``throughput_table`` (minidl.detect.metrics.tables).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .inputs import (
    check_cost,
    check_count,
    check_iou_threshold,
    check_score_threshold,
    is_list,
    parse_dataset,
)
from .matching import flat_matches, image_ious, match_summary

__all__ = [
    "FALSE_ALARM_COST_USD",
    "MISS_COST_USD",
    "SENSITIVITY_IOU_THRESHOLDS",
    "best_score_threshold",
    "cost_sensitivity_grid",
    "iou_sensitivity",
    "pws_from_counts",
    "pws_percent",
]


SENSITIVITY_IOU_THRESHOLDS: tuple[float, ...] = tuple(round(0.1 + 0.05 * k, 2) for k in range(17))
"""0.10, 0.15, ..., 0.90: the default sweep of ``iou_sensitivity``."""

MISS_COST_USD = 10_000.0
"""Illustrative cost of one missed defect: a bad die ships, or a lot excursion goes unnoticed."""

FALSE_ALARM_COST_USD = 500.0
"""Illustrative cost of one false alarm: an engineer's review of a defect that is not there."""


def pws_from_counts(n_predicted: list[int], n_true: list[int], max_defects: int) -> float:
    """PWS from the number of predicted and of true defects on each wafer."""
    if not n_predicted:
        return 0.0
    agree = (np.array(n_predicted) <= max_defects) == (np.array(n_true) <= max_defects)
    return float(100.0 * np.mean(agree))


def pws_percent(
    predictions_per_image: Sequence[Sequence[Mapping[str, Any]]],
    ground_truth_per_image: Sequence[Sequence[Mapping[str, Any]]],
    max_defects_in_spec: int = 0,
    score_threshold: float | None = None,
) -> float:
    """PWS, the share of wafers whose verdict is within spec: the percentage of wafers on which the
    detector's pass/fail verdict agrees with the ground truth's.

    Each image is one wafer. A wafer is in spec (passes) when it has at most
    ``max_defects_in_spec`` defects, of any class and wherever they are::

        detector passes wafer w  <=>  #predictions(w)  <= max_defects_in_spec
        truth passes wafer w     <=>  #ground truth(w) <= max_defects_in_spec
        PWS = 100 * #{w : the two agree} / #wafers

    With the default 0, a wafer fails on its first defect. The boxes need not overlap: a wafer
    correctly failed for the wrong defect still counts as correct, because the verdict, not the
    location, decides whether the wafer ships. Every prediction counts whatever its score; pass
    score_threshold to count only those with score >= it.

    Args:
        predictions_per_image: per image, a list of prediction dicts ('bbox', 'class', 'score').
        ground_truth_per_image: per image, a list of ground-truth dicts ('bbox', 'class').
        max_defects_in_spec: the most defects a passing wafer may have. Default 0.
        score_threshold: if given, predictions with a lower score are ignored (float('inf')
            ignores them all). Default None.

    Returns:
        PWS in percent, in [0, 100]; 0.0 for an empty data set.

    Raises:
        ValueError: if the lists differ in length or an entry is malformed (naming the image and
            the key), or max_defects_in_spec is not a whole number >= 0.
    """
    where = "pws_percent"
    max_defects = check_count(max_defects_in_spec, "max_defects_in_spec", where)
    cut = check_score_threshold(score_threshold, where)
    preds, gts = parse_dataset(predictions_per_image, ground_truth_per_image, where)
    n_predicted = [len(p.scores) if cut is None else int(np.sum(p.scores >= cut)) for p in preds]
    return pws_from_counts(n_predicted, [len(g.classes) for g in gts], max_defects)


def _costs(values: object, name: str, where: str) -> np.ndarray:
    """A non-empty 1-D float64 array of prices in USD, each finite and >= 0."""
    try:
        arr = np.asarray(values) if not isinstance(values, (str, bytes)) else None
    except (ValueError, TypeError):
        arr = None
    if arr is None or arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iuf":
        raise ValueError(f"{where}: expected {name} as a non-empty 1-D list of costs in USD")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ValueError(
            f"{where}: expected {name} as finite non-negative costs in USD, received {values!r}"
        )
    return arr


def _totals(
    predictions: object, ground_truth: object, threshold: float, where: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """(scores, is_true_positive, number of ground truths) over a data set matched at threshold."""
    preds, gts = parse_dataset(predictions, ground_truth, where)
    scores, _, hits = flat_matches(preds, gts, image_ious(preds, gts), threshold)
    return scores, hits, sum(len(g.classes) for g in gts)


def cost_sensitivity_grid(
    predictions_per_image: Sequence[Sequence[Mapping[str, Any]]],
    ground_truth_per_image: Sequence[Sequence[Mapping[str, Any]]],
    miss_costs: Sequence[float],
    false_alarm_costs: Sequence[float],
    iou_threshold: float = 0.5,
) -> np.ndarray:
    """The estimated loss for every pair of prices, since the real prices are rarely known.

    ::

        loss[i, j] = FN * miss_costs[i] + FP * false_alarm_costs[j]

    with FN and FP counted once, over every prediction, matched at iou_threshold.

    Args:
        predictions_per_image: per image, a list of prediction dicts ('bbox', 'class', 'score').
        ground_truth_per_image: per image, a list of ground-truth dicts ('bbox', 'class').
        miss_costs: (R,) costs in USD of one missed defect.
        false_alarm_costs: (C,) costs in USD of one false alarm.
        iou_threshold: least IoU for a match, in (0, 1]. Default 0.5.

    Returns:
        A float64 array of losses in USD.

    Shape:
        (R,), (C,) -> (R, C).

    Raises:
        ValueError: for malformed data (naming the image and key), or costs that are not a
            non-empty 1-D list of finite numbers >= 0.
    """
    where = "cost_sensitivity_grid"
    miss = _costs(miss_costs, "miss_costs", where)
    false_alarm = _costs(false_alarm_costs, "false_alarm_costs", where)
    threshold = check_iou_threshold(iou_threshold, "iou_threshold", where)
    _, hits, n_gt = _totals(predictions_per_image, ground_truth_per_image, threshold, where)
    counts = match_summary(hits, n_gt)
    fp, fn = counts["false_positives"], counts["false_negatives"]
    return fn * miss[:, None] + fp * false_alarm[None, :]


def best_score_threshold(
    predictions_per_image: Sequence[Sequence[Mapping[str, Any]]],
    ground_truth_per_image: Sequence[Sequence[Mapping[str, Any]]],
    miss_cost: float = MISS_COST_USD,
    false_alarm_cost: float = FALSE_ALARM_COST_USD,
    iou_threshold: float = 0.5,
) -> tuple[float, float]:
    """The score cut-off with the lowest expected loss, keeping detections with score >= it.

    ::

        loss(s) = FN(s) * miss_cost + FP(s) * false_alarm_cost

    tried at every distinct score s, and at s = inf, which keeps nothing (loss = all ground truth
    * miss_cost). Matching once with every prediction is enough: the greedy matching visits
    predictions by descending score, so the predictions with score >= s are matched exactly as
    they would be on their own.

    Args:
        predictions_per_image: per image, a list of prediction dicts ('bbox', 'class', 'score').
        ground_truth_per_image: per image, a list of ground-truth dicts ('bbox', 'class').
        miss_cost: cost in USD of one missed defect. Default MISS_COST_USD (illustrative).
        false_alarm_cost: cost in USD of one false alarm. Default FALSE_ALARM_COST_USD.
        iou_threshold: least IoU for a match, in (0, 1]. Default 0.5.

    Returns:
        (threshold, expected_loss): the cut-off (float('inf') when keeping nothing is cheapest)
        and its loss in USD. Among equal losses the highest cut-off wins: the same cost with
        fewer detections to review.

    Raises:
        ValueError: for malformed data (naming the image and key) or settings out of range.
    """
    where = "best_score_threshold"
    miss = check_cost(miss_cost, "miss_cost", where)
    false_alarm = check_cost(false_alarm_cost, "false_alarm_cost", where)
    threshold = check_iou_threshold(iou_threshold, "iou_threshold", where)
    scores, hits, n_gt = _totals(predictions_per_image, ground_truth_per_image, threshold, where)
    order = np.argsort(-scores, kind="stable")
    scores, hits = scores[order], hits[order]
    tp, fp = np.cumsum(hits), np.cumsum(~hits)
    # keeping score >= s keeps a whole group of tied scores: evaluate at the end of each group
    ends = np.append(scores[1:] != scores[:-1], True) if len(scores) else np.zeros(0, dtype=bool)
    last = np.flatnonzero(ends)
    cutoffs = np.concatenate([[np.inf], scores[last]])
    losses = np.concatenate([[n_gt * miss], (n_gt - tp[last]) * miss + fp[last] * false_alarm])
    best = int(np.argmin(losses))  # the first minimum: the highest cut-off
    return float(cutoffs[best]), float(losses[best])


def iou_sensitivity(
    predictions_per_image: Sequence[Sequence[Mapping[str, Any]]],
    ground_truth_per_image: Sequence[Sequence[Mapping[str, Any]]],
    thresholds: Sequence[float] = SENSITIVITY_IOU_THRESHOLDS,
) -> list[dict[str, Any]]:
    """Precision, recall and F1 at each IoU threshold: how much the verdict depends on how tightly
    a box must fit. A detector whose recall collapses from 0.5 to 0.7 finds defects but draws
    loose boxes, which matters for review (the engineer is sent to the right place) less than for
    measuring defect size.

    Args:
        predictions_per_image: per image, a list of prediction dicts ('bbox', 'class', 'score').
        ground_truth_per_image: per image, a list of ground-truth dicts ('bbox', 'class').
        thresholds: IoU thresholds, each in (0, 1]. Default 0.10, 0.15, ..., 0.90.

    Returns:
        One dict per threshold, in the given order: 'threshold', 'precision', 'recall',
        'f1_score', 'true_positives', 'false_positives', 'false_negatives'.

    Raises:
        ValueError: for malformed data (naming the image and key) or a threshold out of range.
    """
    where = "iou_sensitivity"
    if not is_list(thresholds) and not isinstance(thresholds, np.ndarray):
        raise ValueError(
            f"{where}: expected thresholds as a list of numbers, received {thresholds!r}"
        )
    ts = [check_iou_threshold(t, f"thresholds[{k}]", where) for k, t in enumerate(thresholds)]
    preds, gts = parse_dataset(predictions_per_image, ground_truth_per_image, where)
    ious = image_ious(preds, gts)
    n_gt = sum(len(g.classes) for g in gts)
    rows = []
    for t in ts:
        _, _, hits = flat_matches(preds, gts, ious, t)
        rows.append({"threshold": t, **match_summary(hits, n_gt)})
    return rows
