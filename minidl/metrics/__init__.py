"""Metrics: running summaries of a model's predictions, with Keras 3's names and semantics.

base.py           the protocol (update_state, result, reset_state, get_config); Mean
accuracy.py       Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy
confusion.py      Precision, Recall (counts at one threshold); confusion_counts (K x K)
auc.py            AUC, under the ROC or the precision-recall curve
inputs.py         the checks every metric runs on labels, predictions and sample weights
serialization.py  get (by name, or 'accuracy' from the shapes; or a dict) and serialize

    Mean()                                'mean'                         weighted mean of values
    Accuracy()                            'accuracy'                     y_pred == y_true
    BinaryAccuracy(threshold=0.5)         'binary_accuracy'              (y_pred > 0.5) == y_true
    CategoricalAccuracy()                 'categorical_accuracy'         argmax y_true == argmax y_pred
    SparseCategoricalAccuracy()           'sparse_categorical_accuracy'  y_true == argmax y_pred
    Precision(thresholds=None)            'precision'                    TP / (TP + FP)
    Recall(thresholds=None)               'recall'                       TP / (TP + FN)
    AUC(num_thresholds=200, curve='ROC')  'auc'                          area under the ROC/PR curve

Weights: every metric takes ``sample_weight``, one non-negative weight per example, shape (N,),
or one number for all; an example of weight w counts as w examples. A ratio whose denominator is
still 0 (no update yet, all weights 0, no predicted positive) is reported as 0.0, as in Keras.
"""

from .accuracy import Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy
from .auc import AUC
from .base import Mean, Metric
from .confusion import Precision, Recall, confusion_counts
from .serialization import get, serialize

__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "Mean",
    "Metric",
    "Precision",
    "Recall",
    "SparseCategoricalAccuracy",
    "confusion_counts",
    "get",
    "serialize",
]

# doctest.testmod(minidl.metrics) looks only at what this file defines itself; __test__ points
# it at the metrics whose docstrings hold worked examples.
__test__ = {
    "Mean": Mean,
    "Precision": Precision,
    "Recall": Recall,
    "AUC": AUC,
    "confusion_counts": confusion_counts,
}
