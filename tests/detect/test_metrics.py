"""Detection metrics: hand-computed IoU, matching, AP and fab numbers; a second implementation of
all-point AP and a pixel-mask IoU; properties over random data sets; bad inputs."""

import copy
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl.detect import metrics as M


def pred(box, cls="scratch", score=0.9, **extra):
    return {"bbox": list(box), "class": cls, "score": score, **extra}


def gt(box, cls="scratch", **extra):
    return {"bbox": list(box), "class": cls, **extra}


# ---------------------------------------------------------------------------------------------
# Second implementations and random data, written plainly
# ---------------------------------------------------------------------------------------------


def mask_iou(a, b, size=40):
    """IoU by counting pixels: a box paints image[y1:y2, x1:x2] (x2, y2 exclusive)."""
    ma, mb = np.zeros((size, size), bool), np.zeros((size, size), bool)
    ma[a[1] : a[3], a[0] : a[2]] = True
    mb[b[1] : b[3], b[0] : b[2]] = True
    return (ma & mb).sum() / (ma | mb).sum()


def reference_ap(scores, hits, n_gt):
    """All-point AP as the integral of the envelope over recall: recall only moves in steps of
    1 / n_gt, so AP = (1 / n_gt) * sum over k = 1..n_gt of the best precision at any point whose
    recall reaches k / n_gt (0 if none does)."""
    if n_gt == 0:
        return 0.0
    order = sorted(range(len(scores)), key=lambda i: -scores[i])  # stable, like the library
    points, tp = [], 0
    for rank, i in enumerate(order, start=1):
        tp += bool(hits[i])
        points.append((tp, tp / rank))  # (TP so far, precision)
    total = 0.0
    for k in range(1, n_gt + 1):
        total += max([p for t, p in points if t >= k], default=0.0)
    return total / n_gt


def random_box(rng, size=32):
    x1, y1 = rng.integers(0, size - 2, 2)
    w, h = rng.integers(1, 12, 2)
    return [int(x1), int(y1), int(x1 + w), int(y1 + h)]


def random_float_box(rng):
    x, y = np.sort(rng.uniform(-50, 50, 2)), np.sort(rng.uniform(-50, 50, 2))
    return [x[0], y[0], x[1], y[1]]


def random_dataset(rng, max_images=4, classes=("scratch", "particle")):
    """Ground truth with some predictions near it (jittered) and some anywhere, ties in score."""
    preds, gts = [], []
    for _ in range(rng.integers(0, max_images + 1)):
        image_gt = [gt(random_box(rng), str(rng.choice(classes))) for _ in range(rng.integers(4))]
        image_pred = []
        for g in image_gt:
            if rng.random() < 0.7:
                box = np.array(g["bbox"]) + rng.integers(-1, 2, 4) * np.array([1, 1, 0, 0])
                box[2:] = np.maximum(box[2:], box[:2] + 1)
                cls = g["class"] if rng.random() < 0.8 else str(rng.choice(classes))
                image_pred.append(pred(box.tolist(), cls, round(float(rng.random()), 1)))
        for _ in range(rng.integers(3)):
            image_pred.append(
                pred(random_box(rng), str(rng.choice(classes)), round(float(rng.random()), 1))
            )
        preds.append(image_pred)
        gts.append(image_gt)
    return preds, gts


seeds = st.integers(0, 2**32 - 1)


# ---------------------------------------------------------------------------------------------
# IoU
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0, 0, 2, 2], [5, 5, 7, 7], 0.0),  # disjoint
        ([0, 0, 2, 2], [2, 0, 4, 2], 0.0),  # share the edge x = 2: column 2 belongs to b only
        ([0, 0, 2, 2], [2, 2, 4, 4], 0.0),  # share a corner
        ([0, 0, 10, 10], [2, 2, 6, 6], 16 / 100),  # nested: inter = area(b) = 16, union = 100
        ([3, 4, 9, 7], [3, 4, 9, 7], 1.0),  # identical
        # partial: inter w = min(4, 6) - max(0, 2) = 2, h = min(4, 5) - max(0, 1) = 3 -> 6;
        # union = 16 + 16 - 6 = 26
        ([0, 0, 4, 4], [2, 1, 6, 5], 6 / 26),
        # x is the column: a 1 wide, 3 tall box against a 3 wide, 1 tall one share 1 pixel;
        # union = 3 + 3 - 1 = 5
        ([0, 0, 1, 3], [0, 0, 3, 1], 1 / 5),
        ([3, 3, 4, 4], [3, 3, 5, 5], 1 / 4),  # a single pixel (x2 = x1 + 1) inside a 2 x 2 box
        ([0.5, 0, 1.5, 1], [0, 0, 1, 1], 0.5 / 1.5),  # sub-pixel: inter 0.5, union 1.5
    ],
)
def test_iou_hand_computed(a, b, expected):
    assert M.calculate_iou(a, b) == pytest.approx(expected, abs=1e-15)
    assert M.calculate_iou(b, a) == pytest.approx(expected, abs=1e-15)
    assert M.iou_matrix([a], [b])[0, 0] == pytest.approx(expected, abs=1e-15)


def test_iou_accepts_tuples_and_arrays():
    assert M.calculate_iou((0, 0, 4, 4), np.array([2, 1, 6, 5])) == pytest.approx(6 / 26)


def test_iou_matrix_shapes_and_empty_sets():
    a = [[0, 0, 2, 2], [1, 1, 3, 3], [5, 5, 6, 6]]
    b = [[0, 0, 2, 2], [1, 0, 3, 2]]
    out = M.iou_matrix(a, b)
    assert out.shape == (3, 2)
    # [1,1,3,3] vs [1,0,3,2]: inter 2 * 1 = 2, union 4 + 4 - 2 = 6
    assert out[1, 1] == pytest.approx(2 / 6)
    assert M.iou_matrix([], b).shape == (0, 2)
    assert M.iou_matrix(a, np.zeros((0, 4))).shape == (3, 0)


@pytest.mark.parametrize(
    "box",
    [
        [0, 0, 0, 1],  # zero width
        [0, 0, 1, 0],  # zero height
        [2, 0, 1, 1],  # x2 < x1
        [0, 0, 1],
        [0, 0, 1, 1, 1],
        [0, 0, float("nan"), 1],
        [0, 0, float("inf"), 1],
        "abcd",
        None,
        {"x1": 0, "y1": 0, "x2": 1, "y2": 1},
        [[0, 0], [1, 1]],
    ],
)
def test_calculate_iou_rejects_malformed_boxes(box):
    with pytest.raises(ValueError, match=r"calculate_iou: expected box_b as 4 finite numbers"):
        M.calculate_iou([0, 0, 1, 1], box)


def test_iou_matrix_names_the_bad_row():
    with pytest.raises(ValueError, match=r"boxes_a\[1\].*width x2 - x1 = 0"):
        M.iou_matrix([[0, 0, 1, 1], [3, 3, 3, 4]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match=r"iou_matrix: expected boxes_b as an \(n, 4\) array"):
        M.iou_matrix([[0, 0, 1, 1]], [[0, 0, 1]])


@given(seeds)
def test_iou_properties(seed):
    rng = np.random.default_rng(seed)
    a, b = random_float_box(rng), random_float_box(rng)
    ab, ba = M.calculate_iou(a, b), M.calculate_iou(b, a)
    assert ab == ba
    assert 0.0 <= ab <= 1.0
    assert M.calculate_iou(a, a) == 1.0


@given(seeds)
def test_iou_counts_pixels_with_exclusive_x2_y2(seed):
    rng = np.random.default_rng(seed)
    a, b = random_box(rng), random_box(rng)
    assert M.calculate_iou(a, b) == pytest.approx(mask_iou(a, b), abs=1e-12)


@given(seeds, st.integers(0, 5), st.integers(0, 5))
def test_iou_matrix_agrees_with_calculate_iou(seed, n, m):
    rng = np.random.default_rng(seed)
    a = [random_box(rng) for _ in range(n)]
    b = [random_box(rng) for _ in range(m)]
    expected = [[M.calculate_iou(x, y) for y in b] for x in a]
    np.testing.assert_array_equal(M.iou_matrix(a, b), np.array(expected).reshape(n, m))


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


def test_two_predictions_on_one_defect_give_one_tp_and_one_fp():
    out = M.match_detections(
        [pred([0, 0, 10, 9], score=0.6), pred([0, 0, 10, 10], score=0.9)], [gt([0, 0, 10, 10])]
    )
    assert out["is_true_positive"] == [False, True]
    assert out["matched_gt"] == [None, 0]
    assert out["matched_iou"] == [0.0, 1.0]
    assert out["true_positives"] == [1]
    assert out["false_positives"] == [0]
    assert out["false_negatives"] == []


def test_wrong_class_is_a_false_positive_and_a_miss():
    out = M.match_detections([pred([0, 0, 10, 10], "particle")], [gt([0, 0, 10, 10], "scratch")])
    assert out["false_positives"] == [0]
    assert out["false_negatives"] == [0]


def test_empty_predictions_miss_everything():
    out = M.match_detections([], [gt([0, 0, 2, 2]), gt([5, 5, 7, 7])])
    assert out["is_true_positive"] == []
    assert out["false_negatives"] == [0, 1]


def test_empty_ground_truth_makes_every_prediction_false():
    out = M.match_detections([pred([0, 0, 2, 2]), pred([5, 5, 7, 7])], [])
    assert out["false_positives"] == [0, 1]
    assert out["false_negatives"] == []
    assert M.match_detections([], [])["true_positives"] == []


def test_higher_score_matches_first_even_with_a_worse_box():
    # the listed-first prediction fits exactly but scores lower; the loose one (IoU 60/100) wins
    preds = [pred([0, 0, 10, 10], score=0.6), pred([0, 0, 10, 6], score=0.9)]
    out = M.match_detections(preds, [gt([0, 0, 10, 10])])
    assert out["matched_gt"] == [None, 0]
    assert out["matched_iou"][1] == pytest.approx(0.6)


def test_equal_scores_keep_input_order():
    preds = [pred([0, 0, 10, 8], score=0.5), pred([0, 0, 10, 10], score=0.5)]
    assert M.match_detections(preds, [gt([0, 0, 10, 10])])["matched_gt"] == [0, None]


def test_prediction_takes_the_best_free_ground_truth():
    g = [gt([0, 0, 10, 10]), gt([4, 0, 14, 10])]
    # p0 fits g0 exactly; p1 has IoU 90/110 with g0 (taken) and 70/130 = 0.54 with g1
    preds = [pred([0, 0, 10, 10], score=0.9), pred([1, 0, 11, 10], score=0.8)]
    assert M.match_detections(preds, g)["matched_gt"] == [0, 1]
    at_06 = M.match_detections(preds, g, iou_threshold=0.6)
    assert at_06["matched_gt"] == [0, None]
    assert at_06["false_negatives"] == [1]
    # alone, p1 prefers g0 (0.82 > 0.54)
    assert M.match_detections(preds[1:], g)["matched_gt"] == [0]


def test_iou_exactly_at_the_threshold_matches():
    p, g = [pred([0, 0, 10, 5])], [gt([0, 0, 10, 10])]  # IoU = 50 / 100
    assert M.match_detections(p, g, iou_threshold=0.5)["true_positives"] == [0]
    assert M.match_detections(p, g, iou_threshold=0.51)["true_positives"] == []


def test_extra_keys_are_ignored():
    out = M.match_detections([pred([0, 0, 2, 2], mask=[[1]])], [gt([0, 0, 2, 2], mask=[[1]], id=7)])
    assert out["true_positives"] == [0]


@given(seeds, st.sampled_from([0.3, 0.5, 0.75]))
def test_matching_is_one_to_one_within_class_and_threshold(seed, threshold):
    rng = np.random.default_rng(seed)
    preds, gts = random_dataset(rng, max_images=1)
    p, g = (preds[0], gts[0]) if preds else ([], [])
    out = M.match_detections(p, g, iou_threshold=threshold)
    matched = [m for m in out["matched_gt"] if m is not None]
    assert len(matched) == len(set(matched))
    assert len(out["true_positives"]) + len(out["false_positives"]) == len(p)
    assert len(out["true_positives"]) + len(out["false_negatives"]) == len(g)
    for i, m in enumerate(out["matched_gt"]):
        if m is not None:
            assert p[i]["class"] == g[m]["class"]
            assert M.calculate_iou(p[i]["bbox"], g[m]["bbox"]) >= threshold


@given(seeds)
def test_matching_depends_on_scores_not_on_list_order(seed):
    rng = np.random.default_rng(seed)
    preds, gts = random_dataset(rng, max_images=1)
    p, g = (preds[0], gts[0]) if preds else ([], [])
    for i, item in enumerate(p):
        item["score"] = 0.01 * i + 0.001 * rng.random()  # distinct scores
    perm = rng.permutation(len(p))
    out = M.match_detections(p, g)
    shuffled = M.match_detections([p[i] for i in perm], g)
    assert [shuffled["matched_gt"][k] for k in np.argsort(perm)] == out["matched_gt"]


@given(seeds, st.sampled_from([0.5, 0.7, 0.9]))
def test_a_perfect_duplicate_never_adds_a_true_positive(seed, threshold):
    rng = np.random.default_rng(seed)
    # ground truth in separate 20 x 20 cells, so no box reaches the threshold with two of them
    cells = rng.permutation(9)[: rng.integers(1, 5)]
    g = []
    for c in cells:
        x0, y0 = 20 * (c % 3), 20 * (c // 3)
        x1, y1 = x0 + rng.integers(0, 5), y0 + rng.integers(0, 5)
        g.append(gt([x1, y1, x1 + rng.integers(3, 15), y1 + rng.integers(3, 15)]))
    p = [pred(random_box(rng, 60), score=float(rng.random())) for _ in range(rng.integers(4))]
    p += [pred(x["bbox"], score=float(rng.random())) for x in g if rng.random() < 0.6]
    before = M.match_detections(p, g, iou_threshold=threshold)
    for k in range(len(p)):
        dup = dict(p[k], score=float(rng.random()))
        after = M.match_detections([*p, dup], g, iou_threshold=threshold)
        assert len(after["true_positives"]) <= len(before["true_positives"])
        assert len(after["false_positives"]) >= len(before["false_positives"]) + 1


# ---------------------------------------------------------------------------------------------
# Precision, recall, F1, AP
# ---------------------------------------------------------------------------------------------


def test_precision_recall_f1_by_hand():
    # 3 TP, 1 FP, 2 FN: P = 3/4, R = 3/5, F1 = 2*3 / (2*3 + 1 + 2) = 6/9
    p, r, f1 = M.precision_recall_f1(3, 1, 2)
    assert (p, r) == (0.75, 0.6)
    assert f1 == pytest.approx(2 * 0.75 * 0.6 / (0.75 + 0.6)) == pytest.approx(6 / 9)


@pytest.mark.parametrize("counts", [(0, 0, 0), (0, 4, 0), (0, 0, 3), (0, 2, 5)])
def test_undefined_ratios_are_zero_not_nan(counts):
    assert M.precision_recall_f1(*counts) == (0.0, 0.0, 0.0)


def test_precision_recall_f1_bad_counts():
    with pytest.raises(ValueError, match="precision_recall_f1: expected fp as a whole number >= 0"):
        M.precision_recall_f1(1, -1, 0)


def test_average_precision_docstring_example():
    # score     0.9   0.8   0.7   0.6   0.5      (3 ground truths)
    # TP?       yes   no    yes   no    yes
    # precision 1     1/2   2/3   2/4   3/5
    # recall    1/3   1/3   2/3   2/3   1
    # envelope  1     2/3   2/3   3/5   3/5
    # AP = 1/3 * 1 + 1/3 * 2/3 + 1/3 * 3/5 = 15/45 + 10/45 + 9/45 = 34/45
    ap = M.average_precision([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 1], 3)
    assert ap == pytest.approx(34 / 45)


def test_average_precision_second_worked_example_unsorted_with_a_missed_defect():
    # sorted by score:  0.95  0.85  0.75  0.65  0.55  0.45     (4 ground truths, one never found)
    # TP?               yes   yes   no    yes   no    no
    # precision         1     1     2/3   3/4   3/5   1/2
    # recall            1/4   2/4   2/4   3/4   3/4   3/4
    # envelope          1     1     3/4   3/4   3/5   1/2
    # AP = 1/4 * 1 + 1/4 * 1 + 1/4 * 3/4 (recall steps at ranks 1, 2, 4) = 0.6875
    scores = [0.55, 0.95, 0.75, 0.45, 0.85, 0.65]
    hits = [False, True, False, False, True, True]
    assert M.average_precision(scores, hits, 4) == pytest.approx(0.6875)


def test_average_precision_edge_cases():
    assert M.average_precision([], [], 0) == 0.0  # no ground truth: 0 (left out of mAP)
    assert M.average_precision([0.3], [False], 0) == 0.0
    assert M.average_precision([], [], 5) == 0.0  # nothing detected
    assert M.average_precision([0.9, 0.2], [True, True], 2) == 1.0
    # a false alarm ranked above both hits: precision 0, 1/2, 2/3 at recall 0, 1/2, 1; the
    # envelope lifts the first hit's 1/2 to 2/3, so AP = 1/2 * 2/3 + 1/2 * 2/3
    assert M.average_precision([0.9, 0.8, 0.7], [0, 1, 1], 2) == pytest.approx(2 / 3)
    # ties keep input order: the hit listed first counts first
    assert M.average_precision([0.5, 0.5], [1, 0], 1) == 1.0
    assert M.average_precision([0.5, 0.5], [0, 1], 1) == 0.5


@given(seeds, st.integers(0, 12))
def test_average_precision_agrees_with_the_envelope_integral(seed, n):
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random(n), 1)  # ties on purpose
    hits = rng.random(n) < 0.5
    n_gt = int(hits.sum() + rng.integers(0, 3))
    ap = M.average_precision(scores, hits, n_gt)
    assert ap == pytest.approx(reference_ap(scores.tolist(), hits.tolist(), n_gt), abs=1e-12)
    assert 0.0 <= ap <= 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([0.5, 0.4], [True], 1), "is_true_positive as 2 booleans"),
        (([0.5], [True], 0), "at most n_ground_truth = 0 true positives"),
        (([0.5], [True], -1), "n_ground_truth as a whole number >= 0"),
        (([0.5], [True], 1.5), "n_ground_truth as a whole number >= 0"),
        (([float("nan")], [True], 1), "scores as a 1-D array of finite numbers"),
        (([0.5], [2], 3), "is_true_positive as 1 booleans"),
    ],
)
def test_average_precision_bad_input(args, message):
    with pytest.raises(ValueError, match=f"average_precision: expected {message}"):
        M.average_precision(*args)


# ---------------------------------------------------------------------------------------------
# evaluate_detections on a hand-computed data set
# ---------------------------------------------------------------------------------------------


def hand_dataset():
    """Four wafers. Image 0: a scratch found exactly plus a looser duplicate (FP), a particle
    found with IoU 78/100; image 1: a false alarm on a clean wafer; image 2: a missed scratch;
    image 3: clean and nothing reported."""
    preds = [
        [
            pred([0, 0, 10, 10], "scratch", 0.9),
            pred([20, 20, 30, 27.8], "particle", 0.8),
            pred([0, 0, 10, 9], "scratch", 0.7),
        ],
        [pred([5, 5, 8, 8], "particle", 0.6)],
        [],
        [],
    ]
    gts = [
        [gt([0, 0, 10, 10], "scratch"), gt([20, 20, 30, 30], "particle")],
        [],
        [gt([30, 30, 40, 40], "scratch")],
        [],
    ]
    return preds, gts


def test_evaluate_hand_case():
    out = M.evaluate_detections(*hand_dataset())
    # TP: the exact scratch and the particle (IoU 0.78); FP: the duplicate and the false alarm;
    # FN: the scratch of image 2
    assert (out["true_positives"], out["false_positives"], out["false_negatives"]) == (2, 2, 1)
    assert out["precision"] == 0.5
    assert out["recall"] == pytest.approx(2 / 3)
    assert out["f1_score"] == pytest.approx(4 / 7)  # 2*2 / (2*2 + 2 + 1)
    # scratch: 0.9 hit (P 1, R 1/2), 0.7 duplicate (P 1/2, R 1/2) -> AP = 1/2 * 1, at every IoU
    # particle: 0.8 hit (P 1, R 1), 0.6 miss -> AP 1 while 0.78 >= t, i.e. t = 0.50 .. 0.75
    # (6 of the 10 thresholds), 0 above
    scratch, particle = out["per_class"]["scratch"], out["per_class"]["particle"]
    assert (scratch["ap_50"], scratch["ap_50_95"]) == (0.5, pytest.approx(0.5))
    assert (particle["ap_50"], particle["ap_50_95"]) == (1.0, pytest.approx(0.6))
    assert out["map_50"] == pytest.approx((0.5 + 1.0) / 2)
    assert out["map_50_95"] == pytest.approx((0.5 + 0.6) / 2)
    assert scratch == {
        "precision": 0.5,
        "recall": 0.5,
        "f1_score": 0.5,
        "ap_50": 0.5,
        "ap_50_95": pytest.approx(0.5),
        "tp": 1,
        "fp": 1,
        "fn": 1,
        "n_ground_truth": 2,
    }
    assert (particle["tp"], particle["fp"], particle["fn"]) == (1, 1, 0)
    assert particle["f1_score"] == pytest.approx(2 / 3)
    # verdicts (fail = any defect): image 0 fail/fail, 1 fail/pass, 2 pass/fail, 3 pass/pass
    assert out["pws_percent"] == 50.0
    assert out["estimated_loss_usd"] == 1 * 10_000.0 + 2 * 500.0
    assert out["n_images"] == 4
    assert list(out["per_class"]) == ["particle", "scratch"]


def test_evaluate_settings_change_the_operating_point_but_not_the_map():
    preds, gts = hand_dataset()
    base = M.evaluate_detections(preds, gts)
    strict = M.evaluate_detections(preds, gts, iou_threshold=0.8)  # the particle (0.78) misses
    assert (strict["true_positives"], strict["false_positives"], strict["false_negatives"]) == (
        1,
        3,
        2,
    )
    assert strict["estimated_loss_usd"] == 2 * 10_000.0 + 3 * 500.0
    kept = M.evaluate_detections(preds, gts, score_threshold=0.75)  # drops 0.7 and 0.6
    assert (kept["true_positives"], kept["false_positives"], kept["false_negatives"]) == (2, 0, 1)
    assert kept["pws_percent"] == 75.0  # image 1 now passes, as it should
    assert M.evaluate_detections(preds, gts, score_threshold=math.inf)["true_positives"] == 0
    lenient = M.evaluate_detections(preds, gts, max_defects_in_spec=1)
    assert lenient["pws_percent"] == 100.0  # 3 > 1 and 2 > 1 fail; every other wafer passes
    priced = M.evaluate_detections(preds, gts, miss_cost=100, false_alarm_cost=1)
    assert priced["estimated_loss_usd"] == 1 * 100 + 2 * 1
    for out in (strict, kept, lenient, priced):
        assert (out["map_50"], out["map_50_95"]) == (base["map_50"], base["map_50_95"])


def test_class_names_fix_the_order_and_absent_classes_stay_out_of_the_map():
    out = M.evaluate_detections(*hand_dataset(), class_names=["scratch", "particle", "void"])
    assert list(out["per_class"]) == ["scratch", "particle", "void"]
    assert out["per_class"]["void"]["ap_50"] is None
    assert out["per_class"]["void"]["recall"] == 0.0
    assert out["map_50"] == pytest.approx(0.75)


def test_false_alarms_of_a_class_without_ground_truth_count_but_not_in_the_map():
    preds = [[pred([0, 0, 4, 4], "scratch", 0.9), pred([10, 10, 14, 14], "void", 0.95)]]
    out = M.evaluate_detections(preds, [[gt([0, 0, 4, 4], "scratch")]])
    assert out["false_positives"] == 1
    assert out["map_50"] == 1.0
    assert out["per_class"]["void"]["ap_50"] is None


def test_unknown_class_is_refused_when_class_names_are_given():
    with pytest.raises(
        ValueError, match=r"predictions_per_image\[0\]\[1\]\['class'\] \(image 0\) is 'particle'"
    ):
        M.evaluate_detections(*hand_dataset(), class_names=["scratch"])


def test_empty_data_sets_give_zeros_not_nan():
    for preds, gts in [([], []), ([[], []], [[], []]), ([[pred([0, 0, 1, 1])]], [[]])]:
        out = M.evaluate_detections(preds, gts)
        for key in ("precision", "recall", "f1_score", "map_50", "map_50_95"):
            assert out[key] == 0.0
    assert M.evaluate_detections([[], []], [[], []])["pws_percent"] == 100.0


@given(seeds)
def test_evaluate_never_nan_and_stays_in_range(seed):
    rng = np.random.default_rng(seed)
    preds, gts = random_dataset(rng)
    out = M.evaluate_detections(preds, gts, iou_threshold=float(rng.choice([0.3, 0.5, 0.9])))
    for key in ("precision", "recall", "f1_score", "map_50", "map_50_95"):
        assert 0.0 <= out[key] <= 1.0
    assert 0.0 <= out["pws_percent"] <= 100.0
    n_pred, n_gt = sum(map(len, preds)), sum(map(len, gts))
    assert out["true_positives"] + out["false_positives"] == n_pred
    assert out["true_positives"] + out["false_negatives"] == n_gt
    for row in out["per_class"].values():
        values = [v for v in row.values() if v is not None]
        assert all(math.isfinite(v) for v in values)


@given(seeds)
def test_inputs_are_not_modified(seed):
    rng = np.random.default_rng(seed)
    preds, gts = random_dataset(rng)
    before = copy.deepcopy((preds, gts))
    M.evaluate_detections(preds, gts, score_threshold=0.5)
    M.best_score_threshold(preds, gts, 10.0, 1.0)
    M.iou_sensitivity(preds, gts)
    M.cost_sensitivity_grid(preds, gts, [1.0], [1.0])
    M.pws_percent(preds, gts)
    for p, g in zip(preds, gts, strict=True):
        M.match_detections(p, g)
    assert (preds, gts) == before


@pytest.mark.parametrize(
    ("preds", "gts", "message"),
    [
        ([[]], [[], []], r"one entry per image each, in the same order, received 1 and 2 images"),
        (
            [[], [{"bbox": [0, 0, 1, 1], "class": "a"}]],
            [[], []],
            r"predictions_per_image\[1\]\[0\] \(image 1\) is missing the key 'score'",
        ),
        (
            [[]],
            [[{"class": "a"}]],
            r"ground_truth_per_image\[0\]\[0\] \(image 0\) is missing the key 'bbox'",
        ),
        (
            [[]],
            [[{"bbox": [0, 0, 1, 1]}]],
            r"ground_truth_per_image\[0\]\[0\] \(image 0\) is missing the key 'class'",
        ),
        (
            [[], [pred([4, 0, 2, 2])]],
            [[], []],
            r"predictions_per_image\[1\]\[0\]\['bbox'\] \(image 1\) as 4 finite numbers .* width x2 - x1 = -2",
        ),
        (
            [[pred([0, 0, 1, 1], score="high")]],
            [[]],
            r"predictions_per_image\[0\]\[0\]\['score'\] \(image 0\) as a finite number",
        ),
        (
            [[pred([0, 0, 1, 1], score=float("nan"))]],
            [[]],
            r"\['score'\] \(image 0\) as a finite number",
        ),
        ([[pred([0, 0, 1, 1], cls=3)]], [[]], r"\['class'\] \(image 0\) as a str"),
        ([["box"]], [[]], r"prediction predictions_per_image\[0\]\[0\] \(image 0\) as a dict"),
        ([pred([0, 0, 1, 1])], [[]], r"predictions_per_image\[0\] \(image 0\) as a list of dicts"),
        ("images", [], r"predictions_per_image as a list with one list of dicts per image"),
    ],
)
def test_evaluate_bad_data_names_the_image_and_the_key(preds, gts, message):
    with pytest.raises(ValueError, match=r"evaluate_detections: .*" + message):
        M.evaluate_detections(preds, gts)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"iou_threshold": 0.0}, r"iou_threshold in \(0, 1\]"),
        ({"iou_threshold": 1.5}, r"iou_threshold in \(0, 1\]"),
        ({"miss_cost": -1.0}, "miss_cost as a non-negative cost"),
        ({"false_alarm_cost": float("inf")}, "false_alarm_cost as a finite number"),
        ({"max_defects_in_spec": -1}, "max_defects_in_spec as a whole number >= 0"),
        ({"score_threshold": float("nan")}, "score_threshold as a number or None"),
        ({"class_names": "scratch"}, "class_names as a list of str"),
        ({"class_names": ["a", "a"]}, "distinct class_names"),
    ],
)
def test_evaluate_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=f"evaluate_detections: expected {message}"):
        M.evaluate_detections([[]], [[]], **kwargs)


def test_match_detections_names_the_item_and_key():
    with pytest.raises(
        ValueError,
        match=r"match_detections: prediction predictions\[1\] is missing the key 'score'",
    ):
        M.match_detections([pred([0, 0, 1, 1]), {"bbox": [0, 0, 1, 1], "class": "a"}], [])


# ---------------------------------------------------------------------------------------------
# PWS, costs, thresholds
# ---------------------------------------------------------------------------------------------


def test_pws_percent_by_hand():
    preds, gts = hand_dataset()
    assert M.pws_percent(preds, gts) == 50.0
    assert M.pws_percent(preds, gts, max_defects_in_spec=1) == 100.0
    assert M.pws_percent(preds, gts, score_threshold=0.75) == 75.0
    assert M.pws_percent([], []) == 0.0
    # the verdict needs no overlap: a wafer failed for the wrong reason is still failed correctly
    assert M.pws_percent([[pred([50, 50, 52, 52])]], [[gt([0, 0, 2, 2])]]) == 100.0


def test_cost_sensitivity_grid_by_hand():
    # hand data set: FN = 1, FP = 2, so loss[i, j] = 1 * miss[i] + 2 * fa[j]
    grid = M.cost_sensitivity_grid(*hand_dataset(), [0.0, 1000.0, 10_000.0], [0.0, 500.0])
    np.testing.assert_array_equal(grid, [[0, 1000], [1000, 2000], [10_000, 11_000]])
    with pytest.raises(
        ValueError, match="cost_sensitivity_grid: expected miss_costs as finite non-negative"
    ):
        M.cost_sensitivity_grid(*hand_dataset(), [-1.0], [1.0])
    with pytest.raises(ValueError, match="expected false_alarm_costs as a non-empty 1-D list"):
        M.cost_sensitivity_grid(*hand_dataset(), [1.0], [])


def threshold_case(scores=(0.9, 0.8, 0.7, 0.6)):
    """Two scratches; predictions A (hit), B (false alarm), C (hit), D (false alarm)."""
    boxes = [[0, 0, 10, 10], [50, 50, 60, 60], [20, 0, 30, 10], [70, 70, 80, 80]]
    preds = [[pred(b, score=s) for b, s in zip(boxes, scores, strict=True)]]
    return preds, [[gt([0, 0, 10, 10]), gt([20, 0, 30, 10])]]


def test_best_score_threshold_by_hand():
    # loss = FN * 10 + FP * 3 keeping score >= s:
    #   inf: 2*10 = 20;  0.9: 1*10 = 10;  0.8: 10 + 3 = 13;  0.7: 0 + 3 = 3;  0.6: 6
    assert M.best_score_threshold(*threshold_case(), 10.0, 3.0) == (0.7, 3.0)
    # false alarms at 15: inf 20, 0.9 10, 0.8 25, 0.7 15, 0.6 30
    assert M.best_score_threshold(*threshold_case(), 10.0, 15.0) == (0.9, 10.0)
    # equal losses at 0.9 and 0.7 (10 each): the higher cut-off, fewer detections to review
    assert M.best_score_threshold(*threshold_case(), 10.0, 10.0) == (0.9, 10.0)
    # keeping nothing is best when every prediction is a false alarm
    preds = [[pred([50, 50, 60, 60], score=0.9)]]
    assert M.best_score_threshold(preds, [[gt([0, 0, 10, 10])]], 10.0, 3.0) == (math.inf, 10.0)
    assert M.best_score_threshold([], [], 10.0, 3.0) == (math.inf, 0.0)


def test_best_score_threshold_keeps_tied_scores_together():
    # C and D both score 0.7: cutting at 0.7 keeps both (FN 0, FP 2 -> 6), never C alone (3)
    preds, gts = threshold_case((0.9, 0.8, 0.7, 0.7))
    assert M.best_score_threshold(preds, gts, 10.0, 3.0) == (0.7, 6.0)


@given(seeds)
def test_best_score_threshold_agrees_with_evaluating_every_cutoff(seed):
    rng = np.random.default_rng(seed)
    preds, gts = random_dataset(rng)
    miss, fa = float(rng.choice([1.0, 10.0, 100.0])), float(rng.choice([1.0, 5.0, 50.0]))
    cutoff, loss = M.best_score_threshold(preds, gts, miss, fa)
    candidates = [math.inf, *sorted({p["score"] for image in preds for p in image}, reverse=True)]
    losses = [
        M.evaluate_detections(preds, gts, miss_cost=miss, false_alarm_cost=fa, score_threshold=s)[
            "estimated_loss_usd"
        ]
        for s in candidates
    ]
    assert loss == pytest.approx(min(losses))
    assert cutoff == candidates[int(np.argmin(losses))]


def test_iou_sensitivity_by_hand():
    rows = M.iou_sensitivity(*hand_dataset(), thresholds=[0.5, 0.8, 0.95])
    assert [r["threshold"] for r in rows] == [0.5, 0.8, 0.95]
    # 0.5: the particle (IoU 0.78) matches; 0.8 and 0.95: only the exact scratch does
    counts = [(r["true_positives"], r["false_positives"], r["false_negatives"]) for r in rows]
    assert counts == [(2, 2, 1), (1, 3, 2), (1, 3, 2)]
    assert rows[1]["precision"] == 0.25
    assert rows[1]["recall"] == pytest.approx(1 / 3)
    assert rows[1]["f1_score"] == pytest.approx(2 / 7)  # 2*1 / (2*1 + 3 + 2)
    default = M.iou_sensitivity(*hand_dataset())
    assert [r["threshold"] for r in default] == [round(0.1 + 0.05 * k, 2) for k in range(17)]
    with pytest.raises(ValueError, match=r"iou_sensitivity: expected thresholds\[1\] in \(0, 1\]"):
        M.iou_sensitivity(*hand_dataset(), thresholds=[0.5, 0.0])


def test_coco_thresholds_are_exact():
    assert M.COCO_IOU_THRESHOLDS == (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


# ---------------------------------------------------------------------------------------------
# Throughput and tables
# ---------------------------------------------------------------------------------------------


def test_throughput_by_hand():
    # 50 ms an image: 3,600,000 ms / 50 = 72,000 images an hour; 4 images a wafer -> 18,000 wafers
    rows = M.throughput_table(50.0, images_per_wafer=4)
    assert rows == [
        {"hours": 1, "images": 72_000.0, "wafers": 18_000.0},
        {"hours": 24, "images": 1_728_000.0, "wafers": 432_000.0},
    ]
    assert M.throughput_table(250, hours=(8,)) == [
        {"hours": 8, "images": 115_200.0, "wafers": 115_200.0}
    ]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0.0,), {}, "ms_per_image > 0"),
        ((float("nan"),), {}, "ms_per_image as a finite number"),
        ((10.0,), {"images_per_wafer": 0}, "images_per_wafer as a whole number >= 1"),
        ((10.0,), {"images_per_wafer": 2.5}, "images_per_wafer as a whole number >= 1"),
        ((10.0,), {"hours": (1, -2)}, r"hours\[1\] > 0"),
        ((10.0,), {"hours": 24}, "hours as a list of numbers"),
    ],
)
def test_throughput_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=f"throughput_table: expected {message}"):
        M.throughput_table(*args, **kwargs)


def test_format_table_aligns_columns():
    rows = [
        {"name": "classical", "ms": 12.5, "wafers": 288_000.0, "ap": None},
        {"name": "cnn", "ms": 40, "wafers": 90_000.0, "ap": 0.81234},
    ]
    expected = (
        "name         ms  wafers      ap\n"
        "---------  ----  ------  ------\n"
        "classical  12.5  288000       -\n"
        "cnn          40   90000  0.8123"
    )
    assert M.format_table(rows, ["name", "ms", "wafers", "ap"]) == expected
    assert M.format_table(rows, ["ap"], formats={"ap": ".1f"}).splitlines()[2:] == ["  -", "0.8"]
    assert M.format_table([], ["a", "bb"]) == "a  bb\n-  --"
    with pytest.raises(ValueError, match=r"format_table: rows\[1\] is missing the key 'ms'"):
        M.format_table([{"ms": 1}, {}], ["ms"])
