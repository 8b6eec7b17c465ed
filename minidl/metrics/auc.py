"""AUC: the area under the ROC or precision-recall curve, from confusion counts at fixed
thresholds (the class docstring gives the grid, the two areas and how exact they are)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_bool, check_int
from ..ops.activations import sigmoid
from .base import Metric
from .confusion import counts_above
from .inputs import binary_scores

__all__ = ["AUC"]

# Keras's backend.epsilon(): the end thresholds sit just outside [0, 1], so that a score of exactly
# 0 is still "above" the first one and a score of exactly 1 is not above the last one.
_EPSILON = 1e-7


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b where b > 0, else 0 (Keras's divide_no_nan)."""
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


class AUC(Metric):
    """Area under the ROC curve (or the precision-recall curve), from counts at fixed thresholds.

    Ranking quality, whatever the threshold: the ROC AUC is the probability that a random
    positive scores above a random negative (ties count half), 0.5 for guessing, 1 for perfect.
    As Keras does, the counts TP, FP, TN, FN are kept at T = num_thresholds thresholds

        t_0 = -1e-7,   t_i = i / (T - 1)  for i = 1 .. T - 2,   t_{T-1} = 1 + 1e-7

    (an example is positive at t_i when ``y_pred > t_i``), which is all the state needed: batches
    just add their counts. The result joins the points of the curve by straight lines:

        ROC:  x = FPR = FP / (FP + TN),  y = TPR = TP / (TP + FN)
              AUC = sum_i (x_i - x_{i+1}) * (y_i + y_{i+1}) / 2          (trapezoidal rule)
        PR:   x = recall,  y = precision = TP / P with P = TP + FP. Within each interval TP is
              taken as linear in P (slope s = dTP / dP, intercept c = TP - s P), so precision is
              s + c / P and the area is s * (dTP + c * ln(P_i / P_{i+1})) / (TP + FN)
              (Davis and Goadrich's interpolation, in Keras's closed form).

    Scores between the same two thresholds are not told apart: such pairs count as ties. So the
    ROC AUC equals the pair-counting definition above for scores on the grid i / (T - 1), i >= 1
    (0 and 1 / (T - 1) share a bucket, the first threshold being -1e-7), and is close to it when
    the scores spread over [0, 1] (within 1e-2 for T = 200 in the tests); scores crowded into a
    few buckets need more thresholds.

    Args:
        num_thresholds: T, at least 2 (default 200).
        curve: 'ROC' (default) or 'PR'.
        from_logits: y_pred are logits; the sigmoid is applied first (default False).
        name: default 'auc'.

    Shape:
        As Precision. Probabilities outside [0, 1] are clipped to it, as Keras does.

    Example:
        >>> m = AUC(num_thresholds=3)  # thresholds -1e-7, 0.5, 1 + 1e-7
        >>> m.update_state([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
        >>> m.result()  # TPR [1, 0.5, 0], FPR [1, 0, 0]: (1 - 0) * (1 + 0.5) / 2
        0.75
    """

    default_name = "auc"

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        from_logits: bool = False,
        name: str | None = None,
    ) -> None:
        where = type(self).__name__
        check_int(num_thresholds, "num_thresholds", where, expected="an integer > 1")
        if num_thresholds < 2:
            raise ValueError(f"{where}: expected num_thresholds > 1, received {num_thresholds}")
        if not isinstance(curve, str) or curve.upper() not in ("ROC", "PR"):
            raise ValueError(f"{where}: expected curve 'ROC' or 'PR', received {curve!r}")
        self.num_thresholds = int(num_thresholds)
        self.curve = curve.upper()
        self.from_logits = check_bool(from_logits, "from_logits", where)
        inner = np.arange(1, self.num_thresholds - 1) / (self.num_thresholds - 1)
        self.thresholds = np.concatenate([[-_EPSILON], inner, [1.0 + _EPSILON]])
        super().__init__(name)

    def reset_state(self) -> None:
        zeros = np.zeros(self.num_thresholds)
        self.true_positives, self.false_positives = zeros.copy(), zeros.copy()
        self.true_negatives, self.false_negatives = zeros.copy(), zeros.copy()

    def update_state(self, y_true: object, y_pred: object, sample_weight: object = None) -> None:
        y, p, w = binary_scores(y_true, y_pred, sample_weight, self._where())
        if self.from_logits:
            with np.errstate(under="ignore"):  # exp(-|z|) rounding to 0 is the right answer
                p = sigmoid(p)
        # Clipped so that every example is positive at t_0 and none at t_{T-1}: the curve then
        # always runs from (1, 1) to (0, 0).
        p = np.clip(p, 0.0, 1.0)
        tp, fp, tn, fn = counts_above(y, p, w, self.thresholds)
        self.true_positives += tp
        self.false_positives += fp
        self.true_negatives += tn
        self.false_negatives += fn

    def result(self) -> float:
        tp, fp, tn, fn = (
            self.true_positives,
            self.false_positives,
            self.true_negatives,
            self.false_negatives,
        )
        if self.curve == "PR":
            return _pr_area(tp, fp, fn)
        tpr, fpr = _ratio(tp, tp + fn), _ratio(fp, fp + tn)
        # Thresholds rise along the arrays, so the points run from (1, 1) to (0, 0) and each
        # width x_i - x_{i+1} is >= 0.
        return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "from_logits": self.from_logits,
        }


def _pr_area(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> float:
    """The interpolated area under the precision-recall curve (see AUC)."""
    n_positive = tp[0] + fn[0]
    if n_positive <= 0:
        return 0.0
    p = tp + fp  # predicted positive at each threshold
    d_tp, d_p = tp[:-1] - tp[1:], p[:-1] - p[1:]
    slope = _ratio(d_tp, d_p)
    intercept = tp[1:] - slope * p[1:]
    # Where P_{i+1} = 0, TP_{i+1} = 0 too, so the intercept is 0 and the log term drops out.
    both = (p[:-1] > 0) & (p[1:] > 0)
    log_ratio = np.log(np.where(both, p[:-1], 1.0) / np.where(both, p[1:], 1.0))
    return float(np.sum(slope * (d_tp + intercept * log_ratio)) / n_positive)
