"""IoU on extreme and malformed boxes: finite answers in [0, 1], minidl's error otherwise."""

import numpy as np
import pytest

from minidl.detect.metrics import calculate_iou, iou_matrix


@pytest.mark.parametrize("scale", [1.0, 1e-300, 1e100, 1e200, 1e300])
def test_identical_boxes_have_iou_one_at_any_scale(scale):
    box = [scale, 2 * scale, 3 * scale, 5 * scale]
    assert calculate_iou(box, box) == 1.0
    np.testing.assert_array_equal(iou_matrix([box], [box]), [[1.0]])


def test_boxes_spanning_the_whole_float64_range():
    box = [-1.7e308, -1.7e308, 1.7e308, 1.7e308]
    assert calculate_iou(box, box) == 1.0
    assert calculate_iou(box, [0, 0, 1.7e308, 1.7e308]) == pytest.approx(0.25)


@pytest.mark.parametrize("scale", [1.0, 1e200])
def test_half_overlap_is_one_third_at_any_scale(scale):
    a = np.array([0, 0, 4, 4]) * scale
    assert calculate_iou(a, a + np.array([2, 0, 2, 0]) * scale) == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "box",
    [
        None,
        "box",
        ["a", "b", "c", "d"],
        [],
        [1, 2, 3],
        [0, 0, np.nan, 1],
        [0, 0, np.inf, 1],
        [2, 0, 1, 1],
        [0, 0, 0, 1],
        [1e308, 0, -1e308, 1],
        np.ones(4, dtype=complex),
    ],
)
def test_bad_boxes_name_calculate_iou(box):
    with pytest.raises((TypeError, ValueError), match="calculate_iou"):
        calculate_iou(box, [0, 0, 1, 1])
