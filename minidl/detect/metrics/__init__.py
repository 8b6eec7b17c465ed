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

    iou.py                calculate_iou, iou_matrix: overlap of two boxes / of every pair
    matching.py           match_detections (greedy, by score: TP, FP, FN in one image),
                          precision_recall_f1
    average_precision.py  average_precision (all-point), COCO_IOU_THRESHOLDS, mAP@0.5 and
                          mAP@[.5:.95]
    evaluation.py         evaluate_detections: all of the above over a data set, per class too
    fab.py                pws_percent, cost_sensitivity_grid, best_score_threshold,
                          iou_sensitivity; MISS_COST_USD, FALSE_ALARM_COST_USD
    tables.py             throughput_table (wafers per hour and per day), format_table
    inputs.py             the checks every function runs on its boxes, images and settings

Every function is pure: its inputs are read, never modified. A ratio whose denominator is 0 is
reported as 0.0, never NaN. Malformed input raises ValueError naming the function, the image and
item index, the key, what was expected and what was received.
"""

from .average_precision import COCO_IOU_THRESHOLDS, average_precision
from .evaluation import evaluate_detections
from .fab import (
    FALSE_ALARM_COST_USD,
    MISS_COST_USD,
    SENSITIVITY_IOU_THRESHOLDS,
    best_score_threshold,
    cost_sensitivity_grid,
    iou_sensitivity,
    pws_percent,
)
from .iou import calculate_iou, iou_matrix
from .matching import match_detections, precision_recall_f1
from .tables import format_table, throughput_table

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
