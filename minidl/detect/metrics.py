"""Detection metrics for wafer defect inspection: the overlap of boxes, the matching of predictions
to ground truth, precision / recall / F1, AP and mAP, and the numbers a fab judges a detector by:
the share of wafers given the right pass/fail verdict, what misses and false alarms cost, and how
many wafers an hour the detector can inspect.

Data. An image's detections are a list of dicts. A prediction is
``{'bbox': [x1, y1, x2, y2], 'class': str, 'score': float}``; a ground-truth defect is
``{'bbox': [x1, y1, x2, y2], 'class': str}``. Other keys (a 'mask', an 'id') are ignored. A data
set is two lists with one entry per image, predictions and ground truth in the same order. When
wafers are counted, each image stands for one wafer.

Boxes. Pixel coordinates, x = column and y = row, (x1, y1) the top-left corner and (x2, y2)
EXCLUSIVE, as in the NumPy slice ``image[y1:y2, x1:x2]``: the box covers columns x1 .. x2 - 1 and
rows y1 .. y2 - 1, so

    width = x2 - x1,   height = y2 - y1,   area = width * height,

and a box needs x2 > x1 and y2 > y1. Coordinates may be fractional (sub-pixel boxes). Boxes that
share an edge (a's x2 == b's x1) share no pixel, so their IoU is 0.

    calculate_iou, iou_matrix       overlap of two boxes / of every pair from two sets
    match_detections                greedy matching in one image: TP, FP and FN
    precision_recall_f1             the three ratios from the counts
    average_precision               area under the all-point interpolated precision-recall curve
    evaluate_detections             all of the above over a data set, overall and per class
    pws_percent                     the share of wafers given the right pass/fail verdict
    cost_sensitivity_grid           the cost of misses and false alarms over a grid of prices
    best_score_threshold            the score cut-off with the lowest cost
    iou_sensitivity                 precision, recall and F1 as the IoU threshold moves
    throughput_table, format_table  wafers per hour and per day; an aligned text table

Every function is pure: its inputs are read, never modified. A ratio whose denominator is 0 is
reported as 0.0, never NaN. Malformed input raises ValueError naming the function, the image and
item index, the key, what was expected and what was received.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "COCO_IOU_THRESHOLDS",
    "FALSE_ALARM_COST_USD",
    "MISS_COST_USD",
    "SENSITIVITY_IOU_THRESHOLDS",
    "average_precision",
    "best_score_threshold",
    "calculate_iou",
    "cost_sensitivity_grid",
    "evaluate_detections",
    "format_table",
    "iou_matrix",
    "iou_sensitivity",
    "match_detections",
    "precision_recall_f1",
    "pws_percent",
    "throughput_table",
]

# Rounded so that 0.55 is the double nearest 0.55 (np.arange would give 0.5500000000000002, and an
# IoU of exactly 0.55 would then fail to match).
COCO_IOU_THRESHOLDS: tuple[float, ...] = tuple(round(0.5 + 0.05 * k, 2) for k in range(10))
"""0.50, 0.55, ..., 0.95: the IoU thresholds COCO's mAP@[.5:.95] averages over."""

SENSITIVITY_IOU_THRESHOLDS: tuple[float, ...] = tuple(round(0.1 + 0.05 * k, 2) for k in range(17))
"""0.10, 0.15, ..., 0.90: the default sweep of ``iou_sensitivity``."""

MISS_COST_USD = 10_000.0
"""Illustrative cost of one missed defect: a bad die ships, or a lot excursion goes unnoticed."""

FALSE_ALARM_COST_USD = 500.0
"""Illustrative cost of one false alarm: an engineer's review of a defect that is not there."""

_MS_PER_HOUR = 3.6e6
_PREDICTION_KEYS = ("bbox", "class", "score")
_GROUND_TRUTH_KEYS = ("bbox", "class")


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


class _Image(NamedTuple):
    """One image's boxes as arrays: boxes (n, 4) float64, classes (n,) object, scores (n,)."""

    boxes: np.ndarray
    classes: np.ndarray
    scores: np.ndarray


def _is_real(x: object) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(
        x, (bool, np.bool_)
    )


def _number(x: object, name: str, where: str) -> float:
    if not _is_real(x) or not math.isfinite(x):
        raise ValueError(f"{where}: expected {name} as a finite number, received {x!r}")
    return float(x)


def _score_cut(x: object, where: str) -> float | None:
    """score_threshold: None (keep all), or any number but NaN; inf keeps nothing."""
    if x is None:
        return None
    if not _is_real(x) or math.isnan(x):
        raise ValueError(f"{where}: expected score_threshold as a number or None, received {x!r}")
    return float(x)


def _threshold(x: object, name: str, where: str) -> float:
    t = _number(x, name, where)
    if not 0.0 < t <= 1.0:
        raise ValueError(f"{where}: expected {name} in (0, 1], received {t!r}")
    return t


def _cost(x: object, name: str, where: str) -> float:
    c = _number(x, name, where)
    if c < 0:
        raise ValueError(f"{where}: expected {name} as a non-negative cost in USD, received {c!r}")
    return c


def _count(x: object, name: str, where: str, minimum: int = 0) -> int:
    if not isinstance(x, (int, np.integer)) or isinstance(x, (bool, np.bool_)) or x < minimum:
        raise ValueError(f"{where}: expected {name} as a whole number >= {minimum}, received {x!r}")
    return int(x)


def _is_list(x: object) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def _box(value: object, name: str, where: str) -> np.ndarray:
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
    width, height = box[2] - box[0], box[3] - box[1]
    if width <= 0 or height <= 0:
        raise ValueError(
            f"{expected} (x2 and y2 exclusive), received {value!r}: width x2 - x1 = {width:g}, "
            f"height y2 - y1 = {height:g}"
        )
    return box


def _boxes(value: object, name: str, where: str) -> np.ndarray:
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
            _box(row.tolist(), f"{name}[{i}]", where)  # raises with the reason
    return boxes


def _image(
    items: object, where: str, list_name: str, kind: str, index: int | None, keys: tuple[str, ...]
) -> _Image:
    """Parse one image's list of dicts. ``index`` is the image number (None for a lone image)."""
    container = list_name if index is None else f"{list_name}[{index}]"
    image = "" if index is None else f" (image {index})"
    if not _is_list(items):
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
        boxes[j] = _box(item["bbox"], f"{item_path}['bbox']{image}", where)
        if not isinstance(item["class"], str):
            raise ValueError(
                f"{where}: expected {item_path}['class']{image} as a str (the class name), received "
                f"{item['class']!r}"
            )
        classes[j] = item["class"]
        if "score" in keys:
            scores[j] = _number(item["score"], f"{item_path}['score']{image}", where)
    return _Image(boxes, classes, scores)


def _dataset(predictions: object, ground_truth: object, where: str) -> tuple[list, list]:
    """Both lists of images parsed, after checking they describe the same number of images."""
    for name, value in (
        ("predictions_per_image", predictions),
        ("ground_truth_per_image", ground_truth),
    ):
        if not _is_list(value):
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
        _image(p, where, "predictions_per_image", "prediction", i, _PREDICTION_KEYS)
        for i, p in enumerate(predictions)
    ]
    gts = [
        _image(g, where, "ground_truth_per_image", "ground truth", i, _GROUND_TRUTH_KEYS)
        for i, g in enumerate(ground_truth)
    ]
    return preds, gts


# ---------------------------------------------------------------------------------------------
# IoU and matching
# ---------------------------------------------------------------------------------------------


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every pair of rows of valid (N, 4) and (M, 4) boxes, shape (N, M)."""
    width = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    height = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.maximum(width, 0.0) * np.maximum(height, 0.0)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter  # >= max(area_a, area_b) > 0
    return np.minimum(inter / union, 1.0)  # rounding may not push a nested box past 1


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
    a = _box(box_a, "box_a", "calculate_iou")
    b = _box(box_b, "box_b", "calculate_iou")
    return float(_iou(a[None, :], b[None, :])[0, 0])


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
    a = _boxes(boxes_a, "boxes_a", "iou_matrix")
    b = _boxes(boxes_b, "boxes_b", "iou_matrix")
    return _iou(a, b)


def _match(pred: _Image, gt: _Image, ious: np.ndarray, threshold: float) -> np.ndarray:
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
    threshold = _threshold(iou_threshold, "iou_threshold", where)
    pred = _image(predictions, where, "predictions", "prediction", None, _PREDICTION_KEYS)
    gt = _image(ground_truth, where, "ground_truth", "ground truth", None, _GROUND_TRUTH_KEYS)
    ious = _iou(pred.boxes, gt.boxes)
    matched = _match(pred, gt, ious, threshold)
    hit = matched >= 0
    return {
        "is_true_positive": hit.tolist(),
        "matched_gt": [int(g) if g >= 0 else None for g in matched],
        "matched_iou": [float(ious[p, g]) if g >= 0 else 0.0 for p, g in enumerate(matched)],
        "true_positives": np.flatnonzero(hit).tolist(),
        "false_positives": np.flatnonzero(~hit).tolist(),
        "false_negatives": np.setdiff1d(np.arange(len(gt.classes)), matched).tolist(),
    }


def _flat_matches(
    preds: list[_Image], gts: list[_Image], ious: list[np.ndarray], threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every prediction of the data set, image after image: (scores, classes, is_true_positive)."""
    hits = [_match(p, g, iou, threshold) >= 0 for p, g, iou in zip(preds, gts, ious, strict=True)]
    return (
        np.concatenate([np.zeros(0)] + [p.scores for p in preds]),
        np.concatenate([np.empty(0, dtype=object)] + [p.classes for p in preds]),
        np.concatenate([np.zeros(0, dtype=bool), *hits]),
    )


# ---------------------------------------------------------------------------------------------
# Precision, recall, AP
# ---------------------------------------------------------------------------------------------


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
    tp, fp, fn = (_count(v, n, where) for v, n in ((tp, "tp"), (fp, "fp"), (fn, "fn")))
    return _prf(tp, fp, fn)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return float(precision), float(recall), float(f1)


def _ap(scores: np.ndarray, hits: np.ndarray, n_ground_truth: int) -> float:
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
    n_gt = _count(n_ground_truth, "n_ground_truth", where)
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
    return _ap(s.astype(np.float64), hits, n_gt)


# ---------------------------------------------------------------------------------------------
# Evaluation over a data set
# ---------------------------------------------------------------------------------------------


def _kept(
    preds: list[_Image], ious: list[np.ndarray], score_threshold: float | None
) -> tuple[list[_Image], list[np.ndarray]]:
    """The predictions with score >= score_threshold (all of them for None), and their IoU rows."""
    if score_threshold is None:
        return preds, ious
    keep = [p.scores >= score_threshold for p in preds]
    return (
        [_Image(p.boxes[k], p.classes[k], p.scores[k]) for p, k in zip(preds, keep, strict=True)],
        [iou[k] for iou, k in zip(ious, keep, strict=True)],
    )


def _pws(n_predicted: list[int], n_true: list[int], max_defects: int) -> float:
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
    max_defects = _count(max_defects_in_spec, "max_defects_in_spec", where)
    cut = _score_cut(score_threshold, where)
    preds, gts = _dataset(predictions_per_image, ground_truth_per_image, where)
    n_predicted = [len(p.scores) if cut is None else int(np.sum(p.scores >= cut)) for p in preds]
    return _pws(n_predicted, [len(g.classes) for g in gts], max_defects)


def _class_list(
    preds: list[_Image], gts: list[_Image], class_names: object, where: str
) -> list[str]:
    """The classes to report: class_names in its order, or every class seen, sorted."""
    seen = {c for image in preds + gts for c in image.classes}
    if class_names is None:
        return sorted(seen)
    if not _is_list(class_names) or not all(isinstance(c, str) for c in class_names):
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
    threshold = _threshold(iou_threshold, "iou_threshold", where)
    miss = _cost(miss_cost, "miss_cost", where)
    false_alarm = _cost(false_alarm_cost, "false_alarm_cost", where)
    max_defects = _count(max_defects_in_spec, "max_defects_in_spec", where)
    cut = _score_cut(score_threshold, where)
    preds, gts = _dataset(predictions_per_image, ground_truth_per_image, where)
    classes = _class_list(preds, gts, class_names, where)
    ious = [_iou(p.boxes, g.boxes) for p, g in zip(preds, gts, strict=True)]
    gt_classes = np.concatenate([np.empty(0, dtype=object)] + [g.classes for g in gts])
    n_gt = {c: int(np.sum(gt_classes == c)) for c in classes}

    kept, kept_ious = _kept(preds, ious, cut)
    _, pred_classes, hits = _flat_matches(kept, gts, kept_ious, threshold)
    tp = int(hits.sum())
    fp, fn = len(hits) - tp, len(gt_classes) - tp
    precision, recall, f1 = _prf(tp, fp, fn)

    scored = [c for c in classes if n_gt[c] > 0]
    ap = {c: [] for c in scored}
    for t in COCO_IOU_THRESHOLDS:
        all_scores, all_classes, all_hits = _flat_matches(preds, gts, ious, t)
        for c in scored:
            mask = all_classes == c
            ap[c].append(_ap(all_scores[mask], all_hits[mask], n_gt[c]))

    per_class = {}
    for c in classes:
        mask = pred_classes == c
        tp_c = int(hits[mask].sum())
        fp_c, fn_c = int(mask.sum()) - tp_c, n_gt[c] - tp_c
        p_c, r_c, f1_c = _prf(tp_c, fp_c, fn_c)
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
    return {
        "precision": precision,
        "recall": recall,
        "f1_score": f1,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "map_50": float(np.mean([ap[c][0] for c in scored])) if scored else 0.0,
        "map_50_95": float(np.mean([ap[c] for c in scored])) if scored else 0.0,
        "pws_percent": _pws(
            [len(p.scores) for p in kept], [len(g.classes) for g in gts], max_defects
        ),
        "estimated_loss_usd": float(fn * miss + fp * false_alarm),
        "n_images": len(preds),
        "per_class": per_class,
    }


# ---------------------------------------------------------------------------------------------
# Costs and sensitivity
# ---------------------------------------------------------------------------------------------


def _costs(values: object, name: str, where: str) -> np.ndarray:
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
    preds, gts = _dataset(predictions, ground_truth, where)
    ious = [_iou(p.boxes, g.boxes) for p, g in zip(preds, gts, strict=True)]
    scores, _, hits = _flat_matches(preds, gts, ious, threshold)
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
    threshold = _threshold(iou_threshold, "iou_threshold", where)
    _, hits, n_gt = _totals(predictions_per_image, ground_truth_per_image, threshold, where)
    tp = int(hits.sum())
    fp, fn = len(hits) - tp, n_gt - tp
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
    miss = _cost(miss_cost, "miss_cost", where)
    false_alarm = _cost(false_alarm_cost, "false_alarm_cost", where)
    threshold = _threshold(iou_threshold, "iou_threshold", where)
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
    if not _is_list(thresholds) and not isinstance(thresholds, np.ndarray):
        raise ValueError(
            f"{where}: expected thresholds as a list of numbers, received {thresholds!r}"
        )
    ts = [_threshold(t, f"thresholds[{k}]", where) for k, t in enumerate(thresholds)]
    preds, gts = _dataset(predictions_per_image, ground_truth_per_image, where)
    ious = [_iou(p.boxes, g.boxes) for p, g in zip(preds, gts, strict=True)]
    n_gt = sum(len(g.classes) for g in gts)
    rows = []
    for t in ts:
        _, _, hits = _flat_matches(preds, gts, ious, t)
        tp = int(hits.sum())
        fp, fn = len(hits) - tp, n_gt - tp
        precision, recall, f1 = _prf(tp, fp, fn)
        rows.append(
            {
                "threshold": t,
                "precision": precision,
                "recall": recall,
                "f1_score": f1,
                "true_positives": tp,
                "false_positives": fp,
                "false_negatives": fn,
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Throughput and tables
# ---------------------------------------------------------------------------------------------


def throughput_table(
    ms_per_image: float, images_per_wafer: int = 1, hours: Sequence[float] = (1, 24)
) -> list[dict[str, Any]]:
    """How many images and wafers the detector inspects in a given time, at a measured speed.

    ::

        images(h) = h * 3.6e6 / ms_per_image                       (3.6e6 ms in an hour)
        wafers(h) = h * 3.6e6 / (ms_per_image * images_per_wafer)

    Expected values, not rounded down to whole wafers; inference only (no loading, no handling).

    Args:
        ms_per_image: time to inspect one image, in milliseconds, > 0.
        images_per_wafer: images taken of each wafer (dies, fields or scan strips). Default 1.
        hours: the periods to report. Default (1, 24): per hour and per day.

    Returns:
        One dict per period: 'hours', 'images', 'wafers'. Ready for ``format_table``.

    Raises:
        ValueError: if ms_per_image or an entry of hours is not a finite number > 0, or
            images_per_wafer is not a whole number >= 1.

    Example:
        >>> throughput_table(50.0, images_per_wafer=4, hours=(1,))  # 72,000 images / 4
        [{'hours': 1, 'images': 72000.0, 'wafers': 18000.0}]
    """
    where = "throughput_table"
    ms = _number(ms_per_image, "ms_per_image", where)
    if ms <= 0:
        raise ValueError(f"{where}: expected ms_per_image > 0, received {ms!r}")
    per_wafer = _count(images_per_wafer, "images_per_wafer", where, minimum=1)
    if not _is_list(hours):
        raise ValueError(f"{where}: expected hours as a list of numbers, received {hours!r}")
    rows = []
    for k, h in enumerate(hours):
        if _number(h, f"hours[{k}]", where) <= 0:
            raise ValueError(f"{where}: expected hours[{k}] > 0, received {h!r}")
        images = h * _MS_PER_HOUR / ms
        rows.append({"hours": h, "images": float(images), "wafers": float(images / per_wafer)})
    return rows


def _cell(value: object, spec: str | None) -> str:
    if value is None:
        return "-"
    if spec is not None:
        return format(value, spec)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value) or abs(value) < 1000:
            return f"{value:.4g}"
        return f"{value:.0f}"
    return str(value)


def format_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    formats: Mapping[str, str] | None = None,
) -> str:
    """An aligned plain-text table, for the CLI and for notebooks.

    A header of column names, a rule, then one line per row. Numbers are right-aligned and text
    left-aligned; None prints as '-'. Floats print with 4 significant digits below 1000 and as
    whole numbers above, unless ``formats`` gives a format spec for the column.

    Args:
        rows: dicts, one per line, each with every key in columns (other keys are ignored).
        columns: the keys to show, in order; also the header.
        formats: optional {column: format spec}, e.g. {'pws_percent': '.1f'}. Default None.

    Returns:
        The table, lines joined by newlines, no trailing newline.

    Raises:
        ValueError: if a row misses a column (naming the row and the key).

    Example:
        >>> print(format_table(throughput_table(50.0), ['hours', 'wafers']))
        hours   wafers
        -----  -------
            1    72000
           24  1728000
    """
    where = "format_table"
    if not _is_list(columns) or not all(isinstance(c, str) for c in columns):
        raise ValueError(f"{where}: expected columns as a list of str keys, received {columns!r}")
    if not _is_list(rows):
        raise ValueError(f"{where}: expected rows as a list of dicts, received {rows!r}")
    formats = dict(formats or {})
    cells = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ValueError(f"{where}: expected rows[{i}] as a dict, received {row!r}")
        for c in columns:
            if c not in row:
                raise ValueError(
                    f"{where}: rows[{i}] is missing the key {c!r}; expected keys {list(columns)}"
                )
        cells.append([_cell(row[c], formats.get(c)) for c in columns])
    numeric = [bool(rows) and all(_is_real(r[c]) or r[c] is None for r in rows) for c in columns]
    widths = [max([len(c)] + [len(text[k]) for text in cells]) for k, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = ["-" * w for w in widths]
    return "\n".join([line(list(columns)), line(rule)] + [line(values) for values in cells])
