"""Non-maximum suppression: hand-computed IoUs, half-open boxes, greediness, ties, refusals."""

import json

import pytest

from minidl.detect.nms import non_max_suppression

# ---------------------------------------------------------------------------------------------
# non_max_suppression
# ---------------------------------------------------------------------------------------------


def det(box, score, cls="scratch"):
    return {"bbox": list(box), "class": cls, "score": score}


def test_nms_hand_computed_iou():
    # [0,0,10,10] vs [5,0,15,10]: intersection 5 x 10 = 50, union 100 + 100 - 50 = 150, IoU 1/3
    best, other = det([0, 0, 10, 10], 0.9), det([5, 0, 15, 10], 0.8)
    assert non_max_suppression([other, best], 0.4) == [best, other]
    assert non_max_suppression([other, best], 0.3) == [best]
    assert non_max_suppression([other, best], 1 / 3) == [best, other]  # dropped only when above


def test_nms_returns_the_same_dicts_best_first():
    a, b, c = det([0, 0, 4, 4], 0.2), det([10, 10, 14, 14], 0.7), det([20, 0, 24, 4], 0.5)
    kept = non_max_suppression([a, b, c], 0.5)
    assert [id(d) for d in kept] == [id(b), id(c), id(a)]


def test_nms_half_open_boxes_that_touch_do_not_overlap():
    # [0,10) and [10,20) share no pixel, so even a zero threshold keeps both
    left, right = det([0, 0, 10, 10], 0.9), det([10, 0, 20, 10], 0.8)
    below = det([0, 10, 10, 20], 0.7)
    assert non_max_suppression([left, right, below], 0.0) == [left, right, below]
    # one pixel of overlap: 1 / (100 + 100 - 1) > 0
    shifted = det([9, 9, 19, 19], 0.6)
    assert non_max_suppression([left, shifted], 0.0) == [left]
    assert non_max_suppression([left, shifted], 0.006) == [left, shifted]  # 1/199 = 0.00503


def test_nms_is_greedy():
    # IoU(A, B) = IoU(B, C) = 40 / 160 = 0.25 and IoU(A, C) = 0: B goes, so C stays
    a, b, c = det([0, 0, 10, 10], 0.9), det([6, 0, 16, 10], 0.8), det([12, 0, 22, 10], 0.7)
    assert non_max_suppression([c, b, a], 0.2) == [a, c]
    assert non_max_suppression([c, b, a], 0.25) == [a, b, c]


def test_nms_ties_keep_the_input_order():
    disjoint = [det([10 * k, 0, 10 * k + 5, 5], 0.5) for k in range(4)]
    assert [id(d) for d in non_max_suppression(disjoint, 0.3)] == [id(d) for d in disjoint]
    first, second = det([0, 0, 8, 8], 0.6), det([0, 0, 8, 8], 0.6)
    assert [id(d) for d in non_max_suppression([first, second], 0.3)] == [id(first)]
    assert [id(d) for d in non_max_suppression([second, first], 0.3)] == [id(second)]


def test_nms_works_across_classes():
    scratch, crack = det([0, 0, 10, 10], 0.9, "scratch"), det([1, 0, 11, 10], 0.95, "crack")
    particle = det([40, 40, 43, 43], 0.3, "particle")
    # IoU 90 / 110 = 0.818
    assert non_max_suppression([scratch, particle, crack], 0.8) == [crack, particle]
    assert non_max_suppression([scratch, particle, crack], 0.82) == [crack, scratch, particle]


def test_nms_empty_and_identical():
    assert non_max_suppression([], 0.3) == []
    box = det([3, 4, 9, 12], 0.5)
    assert non_max_suppression([box], 0.0) == [box]
    assert non_max_suppression([box, dict(box)], 1.0) == [box, box]  # IoU 1 is not above 1


def test_nms_does_not_modify_its_input():
    detections = [det([0, 0, 10, 10], 0.4), det([2, 2, 12, 12], 0.9), det([50, 50, 60, 60], 0.1)]
    before = json.loads(json.dumps(detections))
    non_max_suppression(detections, 0.3)
    assert detections == before


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan")])
def test_nms_bad_threshold(threshold):
    with pytest.raises(ValueError, match=r"non_max_suppression: expected iou_threshold in \[0, 1"):
        non_max_suppression([det([0, 0, 1, 1], 0.5)], threshold)
