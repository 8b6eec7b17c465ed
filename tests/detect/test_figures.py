"""The detection figure: which panel says what, and what each box carries."""

import matplotlib.pyplot as plt
import numpy as np

from minidl.detect import figures


def test_detections_panels_and_boxes():
    image = np.full((40, 50), 120, np.uint8)
    truth = [{"bbox": [5, 6, 15, 16], "class": "particle"}]
    found = [{"bbox": [4, 6, 15, 17], "class": "particle", "score": 0.9}]
    fig = figures.detections(image, truth, found, title="wafer")
    left, right = fig.axes
    assert (left.get_title(), right.get_title()) == ("ground truth", "detections")
    assert [t.get_text() for t in left.texts] == ["particle"]
    assert [t.get_text() for t in right.texts] == ["particle 0.90"]
    plt.close(fig)
    # An image nobody marked: the left panel is the plain image, not an empty 'ground truth'.
    fig = figures.detections(image, None, found)
    assert fig.axes[0].get_title() == "image" and not fig.axes[0].patches
    plt.close(fig)
