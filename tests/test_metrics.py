"""Metrics: hand-computed values, a second implementation (Mann-Whitney for the ROC AUC, numerical
integration for the PR AUC, loops for the counts), properties over random batches, bad inputs."""

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl import metrics as M

# ---------------------------------------------------------------------------------------------
# Second implementations, written plainly
# ---------------------------------------------------------------------------------------------


def mann_whitney_auc(y, s, w=None):
    """Exact ROC AUC: the weighted fraction of (positive, negative) pairs ranked right, ties 1/2."""
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    pos, neg = np.asarray(y) == 1, np.asarray(y) == 0
    sp, sn = np.asarray(s)[pos][:, None], np.asarray(s)[neg][None, :]
    pair_w = w[pos][:, None] * w[neg][None, :]
    score = np.where(sp > sn, 1.0, np.where(sp == sn, 0.5, 0.0))
    return float((pair_w * score).sum() / pair_w.sum())


def loop_counts(y, s, w, threshold):
    """Weighted TP, FP, FN by looking at the examples one at a time."""
    tp = fp = fn = 0.0
    for yi, si, wi in zip(y, s, w, strict=True):
        if si > threshold and yi == 1:
            tp += wi
        elif si > threshold and yi == 0:
            fp += wi
        elif yi == 1:
            fn += wi
    return tp, fp, fn


def integrated_pr_auc(metric):
    """Area under the PR curve by the trapezoidal rule on a fine grid inside each interval,
    where TP varies linearly with P = TP + FP (the interpolation the PR AUC assumes)."""
    tp, fp = metric.true_positives, metric.false_positives
    n_pos = tp[0] + metric.false_negatives[0]
    p = tp + fp
    area = 0.0
    for i in range(len(tp) - 1):
        if p[i] == p[i + 1]:
            continue  # no example changes side: recall does not move
        grid = np.linspace(p[i + 1], p[i], 20001)
        tps = tp[i + 1] + (tp[i] - tp[i + 1]) * (grid - p[i + 1]) / (p[i] - p[i + 1])
        slope = (tp[i] - tp[i + 1]) / (p[i] - p[i + 1])
        precision = np.divide(tps, grid, out=np.full_like(grid, slope), where=grid > 0)
        recall = tps / n_pos
        area += float(np.sum((recall[1:] - recall[:-1]) * (precision[1:] + precision[:-1]) / 2))
    return area


# ---------------------------------------------------------------------------------------------
# Hand-computed values
# ---------------------------------------------------------------------------------------------


def test_mean_weighted_over_batches_then_reset():
    m = M.Mean()
    assert m.name == "mean" and m.result() == 0.0  # nothing yet: 0.0, as Keras
    m.update_state([1.0, 3.0])
    m.update_state(6.0, sample_weight=2)  # how a model adds a batch loss: weight = batch size
    assert m.result() == pytest.approx((1 + 3 + 2 * 6) / (1 + 1 + 2))  # 4.0
    # (N, D) values: each example contributes its mean (2 and 6), then the weights 3 and 1 apply.
    m.reset_state()
    assert (m.total, m.count, m.result()) == (0.0, 0.0, 0.0)
    m.update_state(np.array([[1.0, 3.0], [5.0, 7.0]]), sample_weight=[3, 1])
    assert m.result() == pytest.approx((3 * 2 + 1 * 6) / 4)  # 3.0


def test_mean_lets_nan_through():
    m = M.Mean()
    m.update_state([1.0, np.nan])
    assert math.isnan(m.result())  # a diverging loss must show in the logs


def test_accuracy_exact_equality_and_weights():
    m = M.Accuracy()
    # Matches [1, 1, 0, 1]: 3 of 4. Weighted [1, 1, 2, 0]: (1 + 1 + 0 + 0) / 4.
    m.update_state([1, 2, 3, 4], [1, 2, 0, 4])
    assert m.result() == pytest.approx(3 / 4)
    m.reset_state()
    m.update_state(np.array([[1], [2], [3], [4]]), [1, 2, 0, 4], sample_weight=[1, 1, 2, 0])
    assert m.result() == pytest.approx(2 / 4)


def test_binary_accuracy_strict_threshold_weights_and_batches():
    y, p = [1, 1, 0, 0], [0.98, 0.5, 0.2, 0.6]
    # p > 0.5 gives [1, 0, 0, 1] (0.5 is not above 0.5): matches [1, 0, 1, 0].
    m = M.BinaryAccuracy()
    m.update_state(y, p)
    assert m.result() == pytest.approx(0.5)
    m.update_state(y, p, sample_weight=[1, 2, 3, 4])  # second batch: matches 1 + 3 of weight 10
    assert m.result() == pytest.approx((2 + 4) / (4 + 10))
    m.reset_state()
    assert m.result() == 0.0
    m.update_state(y, p, sample_weight=[1, 2, 3, 4])
    assert m.result() == pytest.approx(0.4)
    # threshold 0.7: predictions [1, 0, 0, 0], matches [1, 0, 1, 1].
    m = M.BinaryAccuracy(threshold=0.7)
    m.update_state(np.array(y)[:, None], np.array(p)[:, None])
    assert m.result() == pytest.approx(0.75)


def test_binary_accuracy_several_outputs_per_example():
    # Example 0 is half right, example 1 fully right; weights 1 and 3: (0.5 + 3) / 4.
    m = M.BinaryAccuracy()
    m.update_state([[1, 0], [1, 1]], [[0.9, 0.9], [0.9, 0.9]], sample_weight=[1, 3])
    assert m.result() == pytest.approx(0.875)


SCORES = np.array([[0.1, 0.2, 0.7], [0.4, 0.4, 0.2], [0.3, 0.3, 0.4]])


def test_categorical_accuracy_argmax_with_first_on_ties():
    # argmax of the scores: 2, 0 (0.4 = 0.4: the first), 2; labels 2, 1, 0: right, wrong, wrong.
    m = M.CategoricalAccuracy()
    m.update_state(np.eye(3)[[2, 1, 0]], SCORES)
    assert m.result() == pytest.approx(1 / 3)
    m.reset_state()
    m.update_state(np.eye(3)[[2, 1, 0]], SCORES, sample_weight=[1, 0, 5])
    assert m.result() == pytest.approx(1 / 6)


@pytest.mark.parametrize("labels", [[2, 1, 0], [[2], [1], [0]], [2.0, 1.0, 0.0]])
def test_sparse_categorical_accuracy(labels):
    m = M.SparseCategoricalAccuracy()
    m.update_state(labels, SCORES)
    assert m.result() == pytest.approx(1 / 3)  # as above: only the first example is right


Y_PR = [1, 0, 1, 1, 0, 0]
P_PR = [0.9, 0.8, 0.4, 0.6, 0.3, 0.5]


def test_precision_and_recall_by_hand():
    # At 0.5: 0.9 TP, 0.8 FP, 0.4 FN, 0.6 TP, 0.3 TN, 0.5 TN (not above): TP 2, FP 1, FN 1.
    prec, rec = M.Precision(), M.Recall()
    prec.update_state(Y_PR, P_PR)
    rec.update_state(Y_PR, P_PR)
    assert (prec.result(), rec.result()) == pytest.approx((2 / 3, 2 / 3))
    # Weights [1, 2, 3, 1, 1, 1]: TP 1 + 1, FP 2, FN 3.
    w = [1, 2, 3, 1, 1, 1]
    for m in (prec, rec):
        m.reset_state()
        m.update_state(Y_PR, P_PR, sample_weight=w)
    assert (prec.result(), rec.result()) == pytest.approx((2 / 4, 2 / 5))
    # At 0.7: 0.9 TP, 0.8 FP; the positives 0.4 and 0.6 missed: precision 1/2, recall 1/3.
    prec, rec = M.Precision(thresholds=0.7), M.Recall(thresholds=0.7)
    for m in (prec, rec):
        m.update_state(Y_PR[:3], P_PR[:3])  # two batches
        m.update_state(Y_PR[3:], P_PR[3:])
    assert (prec.result(), rec.result()) == pytest.approx((1 / 2, 1 / 3))


def test_precision_recall_empty_denominators_give_zero():
    prec, rec = M.Precision(), M.Recall()
    prec.update_state([1, 0], [0.1, 0.2])  # nothing predicted positive
    rec.update_state([0, 0], [0.9, 0.2])  # no positive example
    assert prec.result() == 0.0 and rec.result() == 0.0


def test_auc_small_case_by_hand():
    # Thresholds [-1e-7, 0.5, 1 + 1e-7]; y = [0, 0, 1, 1], p = [0, 0.5, 0.3, 0.9].
    # Above -1e-7: all four, TP 2, FP 2. Above 0.5: only 0.9, TP 1, FP 0. Above 1: none.
    # TPR = [1, 0.5, 0], FPR = [1, 0, 0]: area (1 - 0) * (1 + 0.5) / 2 + 0 = 0.75.
    m = M.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    np.testing.assert_allclose(m.true_positives, [2, 1, 0])
    np.testing.assert_allclose(m.false_positives, [2, 0, 0])
    assert m.result() == pytest.approx(0.75)
    # Weights [1, 0, 0, 1] leave the negative 0 and the positive 0.9: perfectly ranked.
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert m.result() == pytest.approx(1.0)


def test_pr_auc_small_case_by_hand():
    # Same data: TP = [2, 1, 0], P = TP + FP = [4, 1, 0], 2 positives.
    # From P = 4 down to 1, TP = 1 + (P - 1) / 3, precision = 1/3 + (2/3) / P and
    # d recall = dP / 6: the integral of (1/3 + 2 / (3P)) / 6 over [1, 4] = (1 + (2/3) ln 4) / 6.
    # From P = 1 down to 0, precision stays 1 while recall falls from 1/2 to 0: 1/2.
    m = M.AUC(num_thresholds=3, curve="PR")
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert m.result() == pytest.approx((1 + 2 / 3 * math.log(4)) / 6 + 0.5)


def test_auc_degenerate_cases():
    m = M.AUC()
    m.update_state([1, 1], [0.2, 0.9])  # no negatives: the false positive rate stays 0
    assert m.result() == 0.0
    m = M.AUC()
    m.update_state([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3])  # one score for all: a straight diagonal
    assert m.result() == pytest.approx(0.5)


def test_auc_clips_and_from_logits(rng):
    y = rng.integers(0, 2, 50)
    z = rng.standard_normal(50) * 3
    with_logits = M.AUC(from_logits=True)
    with_logits.update_state(y, z)
    with_probs = M.AUC()
    with_probs.update_state(y, 1 / (1 + np.exp(-z)))
    assert with_logits.result() == pytest.approx(with_probs.result(), abs=1e-12)
    clipped, outside = M.AUC(), M.AUC()
    clipped.update_state([0, 1, 0, 1], [0.0, 1.0, 0.0, 0.4])
    outside.update_state([0, 1, 0, 1], [-0.5, 1.5, 0.0, 0.4])
    assert outside.result() == clipped.result()


# ---------------------------------------------------------------------------------------------
# Against second implementations
# ---------------------------------------------------------------------------------------------


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 60), weighted=st.booleans())
def test_auc_equals_mann_whitney_on_the_threshold_grid(seed, n, weighted):
    # Scores i / 199 (i >= 1) sit on the thresholds: each ROC point is a cut between two grid
    # values, so the trapezoids count every (positive, negative) pair, ties as halves: exactly
    # Mann-Whitney. (Score 0 would share a bucket with 1/199: the first threshold is -1e-7.)
    rng = np.random.default_rng(seed)
    y = np.r_[0, 1, rng.integers(0, 2, n)]
    s = rng.integers(1, 200, n + 2) / 199
    w = rng.uniform(0.1, 2.0, n + 2) if weighted else None
    m = M.AUC()
    m.update_state(y, s, sample_weight=w)
    assert m.result() == pytest.approx(mann_whitney_auc(y, s, w), abs=1e-12)


def test_auc_does_not_separate_zero_from_the_first_grid_step():
    # The first threshold is -1e-7, the second 1/199: a score of 0 and one of 1/199 are above the
    # same thresholds, so this perfectly ranked pair counts as a tie (Mann-Whitney would give 1).
    m = M.AUC()
    m.update_state([0, 1], [0.0, 1 / 199])
    assert m.result() == pytest.approx(0.5)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(50, 300))
def test_auc_approaches_mann_whitney_on_random_scores(seed, n):
    rng = np.random.default_rng(seed)
    y = np.r_[0, 1, rng.integers(0, 2, n)]
    s = np.clip(rng.uniform(0, 1, n + 2) * 0.6 + 0.4 * y, 0, 1)  # positives score higher
    m = M.AUC()
    m.update_state(y[:, None], s[:, None])
    assert abs(m.result() - mann_whitney_auc(y, s)) <= 1e-2


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 80))
def test_pr_auc_equals_numerical_integration(seed, n):
    rng = np.random.default_rng(seed)
    y = np.r_[1, rng.integers(0, 2, n)]
    m = M.AUC(num_thresholds=20, curve="PR")
    m.update_state(y, rng.uniform(0, 1, n + 1), sample_weight=rng.uniform(0.5, 2, n + 1))
    assert m.result() == pytest.approx(integrated_pr_auc(m), abs=1e-6)


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 50),
    threshold=st.sampled_from([0.0, 0.3, 0.5, 1.0]),
)
def test_precision_recall_equal_loop_counts(seed, n, threshold):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = rng.integers(0, 11, n) / 10  # on a grid, so that some scores equal the threshold
    w = rng.uniform(0, 2, n)
    tp, fp, fn = loop_counts(y, s, w, threshold)
    prec, rec = M.Precision(thresholds=threshold), M.Recall(thresholds=threshold)
    prec.update_state(y, s, sample_weight=w)
    rec.update_state(y, s, sample_weight=w)
    assert prec.result() == pytest.approx(tp / (tp + fp) if tp + fp > 0 else 0.0, abs=1e-12)
    assert rec.result() == pytest.approx(tp / (tp + fn) if tp + fn > 0 else 0.0, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Properties over every metric
# ---------------------------------------------------------------------------------------------


def _binary(rng, n, k):
    return rng.integers(0, 2, (n, 1)), rng.uniform(0, 1, (n, 1))


def _onehot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, n)], rng.uniform(0, 1, (n, k))


def _sparse(rng, n, k):
    return rng.integers(0, k, n), rng.uniform(0, 1, (n, k))


def _exact(rng, n, k):
    return rng.integers(0, k, n), rng.integers(0, k, n)


CASES = {
    "accuracy": (M.Accuracy, _exact),
    "binary_accuracy": (M.BinaryAccuracy, _binary),
    "categorical_accuracy": (M.CategoricalAccuracy, _onehot),
    "sparse_categorical_accuracy": (M.SparseCategoricalAccuracy, _sparse),
    "precision": (M.Precision, _binary),
    "recall": (M.Recall, _binary),
    "auc": (M.AUC, _binary),
    "pr_auc": (lambda: M.AUC(curve="PR"), _binary),
}


@pytest.mark.parametrize("case", CASES)
def test_result_is_zero_before_any_update_and_names_are_keras(case):
    make, _ = CASES[case]
    assert make().result() == 0.0
    assert make().name == ("auc" if case == "pr_auc" else case)
    assert M.Precision(name="p").name == "p"


@pytest.mark.parametrize("case", CASES)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), k=st.integers(2, 5))
def test_properties(case, seed, n, k):
    make, data = CASES[case]
    rng = np.random.default_rng(seed)
    y, p = data(rng, 2 * n, k)
    w = rng.uniform(0, 2, 2 * n)

    whole = make()
    whole.update_state(y, p, sample_weight=w)
    value = whole.result()
    assert 0.0 <= value <= 1.0

    order = rng.permutation(2 * n)  # the order of the examples does not matter
    shuffled = make()
    shuffled.update_state(y[order], p[order], sample_weight=w[order])
    assert shuffled.result() == pytest.approx(value, abs=1e-12)

    halves = make()  # two batches give what one batch of both gives
    halves.update_state(y[:n], p[:n], sample_weight=w[:n])
    halves.update_state(y[n:], p[n:], sample_weight=w[n:])
    assert halves.result() == pytest.approx(value, abs=1e-12)

    halves.reset_state()  # and reset_state is a new metric
    assert halves.result() == 0.0
    halves.update_state(y, p, sample_weight=w)
    assert halves.result() == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_inputs_are_not_mutated(case, rng):
    make, data = CASES[case]
    arrays = [*data(rng, 6, 3), rng.uniform(0, 1, 6)]
    copies = [a.copy() for a in arrays]
    for a in arrays:
        a.setflags(write=False)  # any write in place would raise
    make().update_state(*arrays[:2], sample_weight=arrays[2])
    for a, c in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(a, c)


# ---------------------------------------------------------------------------------------------
# get, serialize
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "y_true_shape, y_pred_shape, cls",
    [
        ((None, 1), (None, 1), M.BinaryAccuracy),  # one probability per example
        ((32,), (32, 1), M.BinaryAccuracy),
        ((32,), (32, 10), M.SparseCategoricalAccuracy),  # labels of lower rank
        ((32, 1), (32, 10), M.SparseCategoricalAccuracy),  # a column of labels
        ((32, 10), (32, 10), M.CategoricalAccuracy),  # one-hot
    ],
)
@pytest.mark.parametrize("name", ["accuracy", "acc"])
def test_get_accuracy_resolved_from_shapes(y_true_shape, y_pred_shape, cls, name):
    m = M.get(name, y_true_shape=y_true_shape, y_pred_shape=y_pred_shape)
    assert type(m) is cls and m.name == name


def test_get_names_instances_and_round_trips():
    for name, cls in [
        ("binary_accuracy", M.BinaryAccuracy),
        ("categorical_accuracy", M.CategoricalAccuracy),
        ("sparse_categorical_accuracy", M.SparseCategoricalAccuracy),
        ("precision", M.Precision),
        ("recall", M.Recall),
        ("auc", M.AUC),
    ]:
        m = M.get(name)
        assert type(m) is cls and m.name == name
    m = M.Recall(thresholds=0.3)
    assert M.get(m) is m
    for m in [
        M.Mean(name="loss"),
        M.Accuracy(),
        M.BinaryAccuracy(threshold=0.0, name="acc"),
        M.CategoricalAccuracy(),
        M.SparseCategoricalAccuracy(),
        M.Precision(thresholds=0.25),
        M.Recall(),
        M.AUC(num_thresholds=50, curve="pr", from_logits=True, name="pr_auc"),
    ]:
        spec = json.loads(json.dumps(M.serialize(m)))  # JSON-friendly
        rebuilt = M.get(spec)
        assert type(rebuilt) is type(m) and rebuilt.get_config() == m.get_config()
        assert repr(rebuilt) == repr(m)
    assert repr(M.AUC()) == "AUC(name='auc', num_thresholds=200, curve='ROC', from_logits=False)"


def test_get_errors():
    with pytest.raises(ValueError, match=r"metrics.get: 'accuracy' means .* pass y_true_shape"):
        M.get("accuracy")
    with pytest.raises(ValueError, match=r"unknown metric 'f1'; expected one of \['acc', "):
        M.get("f1")
    with pytest.raises(ValueError, match=r"unknown class_name 'F1'"):
        M.get({"class_name": "F1", "config": {}})
    with pytest.raises(ValueError, match=r"expected a dict \{'class_name'"):
        M.get({"name": "auc"})
    with pytest.raises(TypeError, match=r"cannot build AUC from config"):
        M.get({"class_name": "AUC", "config": {"thresholds": 3}})
    with pytest.raises(TypeError, match=r"metrics.get: expected a metric name"):
        M.get(3)
    with pytest.raises(TypeError, match=r"metrics.serialize: expected a Metric, received str"):
        M.serialize("auc")


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_length_mismatch(case, rng):
    make, data = CASES[case]
    y, p = data(rng, 5, 3)
    with pytest.raises(
        ValueError,
        match=r"'\w+': expected y_true and y_pred with the same number of examples, received y_true of shape \(5",
    ):
        make().update_state(y, p[:4])


@pytest.mark.parametrize("make", [M.BinaryAccuracy, M.Precision, M.Recall, M.AUC])
def test_non_binary_labels(make):
    name = make().name
    with pytest.raises(
        ValueError,
        match=rf"'{name}': expected y_true with values in \{{0, 1\}}, received values such as \[2.0\]",
    ):
        make().update_state([0, 1, 2], [0.1, 0.2, 0.3])


def test_sparse_labels_out_of_range_or_fractional():
    m = M.SparseCategoricalAccuracy()
    with pytest.raises(
        ValueError, match=r"expected y_true in \[0, 2\] for 3 classes, received values from 0 to 3"
    ):
        m.update_state([0, 3], SCORES[:2])
    with pytest.raises(
        ValueError, match=r"expected y_true in \[0, 2\] for 3 classes, received values from -1 to 1"
    ):
        m.update_state([-1, 1], SCORES[:2])
    with pytest.raises(
        ValueError,
        match=r"expected y_true as integer class indices, received values such as \[0.5\]",
    ):
        m.update_state([0.5, 1], SCORES[:2])
    with pytest.raises(
        ValueError,
        match=r"expected integer labels y_true of shape \(3,\) for y_pred of shape \(3, 3\), received shape \(3, 3\)",
    ):
        m.update_state(np.eye(3), SCORES)
    assert m.result() == 0.0  # nothing was added by the failed calls


def test_shape_errors():
    with pytest.raises(
        ValueError,
        match=r"CategoricalAccuracy 'categorical_accuracy': expected one-hot y_true .* \(for integer labels \(N,\) use SparseCategoricalAccuracy\)",
    ):
        M.CategoricalAccuracy().update_state([2, 1, 0], SCORES)
    with pytest.raises(
        ValueError,
        match=r"expected y_true and y_pred of the same shape \(or \(N,\) against \(N, 1\)\), received y_true of shape \(3,\) and y_pred of shape \(3, 2\)",
    ):
        M.BinaryAccuracy().update_state([0, 1, 1], np.zeros((3, 2)))
    with pytest.raises(
        ValueError,
        match=r"AUC 'auc': expected y_true as a batch with one row per example \(N, ...\), received a single number",
    ):
        M.AUC().update_state(1, 0.5)
    with pytest.raises(TypeError, match=r"Accuracy 'accuracy': expected y_pred as a NumPy array"):
        M.Accuracy().update_state([1], "1")


def test_sample_weight_errors():
    with pytest.raises(
        ValueError,
        match=r"Recall 'recall': expected sample_weight of shape \(3,\), one weight per example, received shape \(2,\)",
    ):
        M.Recall().update_state([0, 1, 1], [0.1, 0.6, 0.7], sample_weight=[1, 2])
    with pytest.raises(
        ValueError, match=r"expected non-negative sample_weight, received values such as \[-1.0\]"
    ):
        M.Mean().update_state([1.0, 2.0], sample_weight=[1, -1])
    with pytest.raises(ValueError, match=r"expected sample_weight to be 0-D or 1-D"):
        M.Accuracy().update_state([1, 2], [1, 2], sample_weight=[[1, 1]])


def test_constructor_errors():
    with pytest.raises(ValueError, match=r"AUC: expected num_thresholds > 1, received 1"):
        M.AUC(num_thresholds=1)
    with pytest.raises(TypeError, match=r"AUC: expected num_thresholds as an integer"):
        M.AUC(num_thresholds=2.5)
    with pytest.raises(ValueError, match=r"AUC: expected curve 'ROC' or 'PR', received 'PRGAIN'"):
        M.AUC(curve="PRGAIN")
    with pytest.raises(
        ValueError, match=r"Precision: expected thresholds in \[0, 1\], received 1.5"
    ):
        M.Precision(thresholds=1.5)
    with pytest.raises(
        TypeError,
        match=r"Recall: expected thresholds as one number .* make one metric per threshold",
    ):
        M.Recall(thresholds=[0.3, 0.7])
    with pytest.raises(TypeError, match=r"BinaryAccuracy: expected threshold as a number"):
        M.BinaryAccuracy(threshold="0.5")
    with pytest.raises(TypeError, match=r"Mean: expected name as a non-empty string, received ''"):
        M.Mean(name="")
    with pytest.raises(TypeError, match=r"Mean 'mean': expected values as numbers, received str"):
        M.Mean().update_state("1.0")


# ---------------------------------------------------------------------------------------------
# confusion_counts
# ---------------------------------------------------------------------------------------------


def test_confusion_counts_by_hand():
    # Pairs (true, predicted): (0,0) (1,2) (1,1) (2,2) (2,2) (2,0).
    y_true, y_pred = [0, 1, 1, 2, 2, 2], [0, 2, 1, 2, 2, 0]
    expected = [[1, 0, 0], [0, 1, 1], [1, 0, 2]]
    counts = M.confusion_counts(y_true, y_pred)
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == np.int64
    # The same from one-hot labels and probabilities (argmax), and with an empty fourth class.
    probs = np.array(
        [[0.8, 0.1, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3]]
        + [[0.1, 0.2, 0.7]] * 2
        + [[0.5, 0.2, 0.3]]
    )
    np.testing.assert_array_equal(M.confusion_counts(np.eye(3)[y_true], probs), expected)
    wide = M.confusion_counts(np.array(y_true)[:, None], y_pred, n_classes=4)
    np.testing.assert_array_equal(wide[:3, :3], expected)
    assert wide.shape == (4, 4) and wide[3].sum() == wide[:, 3].sum() == 0


def test_confusion_counts_errors():
    with pytest.raises(
        ValueError,
        match=r"metrics.confusion_counts: expected y_pred as integer class indices, received values such as \[0.2, 0.7\] \(threshold probabilities first",
    ):
        M.confusion_counts([0, 1], [0.2, 0.7])
    with pytest.raises(
        ValueError,
        match=r"expected y_true and y_pred with the same number of examples, received 2 and 3",
    ):
        M.confusion_counts([0, 1], [0, 1, 1])
    with pytest.raises(
        ValueError, match=r"expected y_true in \[0, 1\] for 2 classes, received values from 0 to 2"
    ):
        M.confusion_counts([0, 2], [0, 1], n_classes=2)
    with pytest.raises(
        ValueError, match=r"the number of classes disagrees: y_true gives 3, y_pred gives 4"
    ):
        M.confusion_counts(np.eye(3), np.eye(4)[:3])
    with pytest.raises(ValueError, match=r"expected n_classes as a positive integer, received 0"):
        M.confusion_counts([0], [0], n_classes=0)
