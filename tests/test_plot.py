"""Filters and feature maps as PNG grids."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from minidl import plot


def test_filters_grid_written_as_png(tmp_path):
    w = np.zeros((3, 3, 3, 5))
    w[0, 0, 0, 2] = 1.0  # filter 2: a red top-left pixel
    fig = plot.filters(w, tmp_path / "filters.png")
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 5 and shown[2].get_title() == "filter 2"
    np.testing.assert_array_equal(
        shown[2].images[0].get_array()[0, 0], [1, 0, 0]
    )  # stretched to [0, 1]
    with Image.open(tmp_path / "filters.png") as img:
        assert img.format == "PNG" and img.size[0] > 100
    plt.close(fig)


def test_feature_maps_each_stretched(tmp_path):
    a = np.stack([np.arange(4.0).reshape(2, 2), np.full((2, 2), 7.0)], axis=-1)[None]
    fig = plot.feature_maps(a, tmp_path / "maps.png", columns=1)
    first, second = (ax.images[0].get_array() for ax in fig.axes if ax.images)
    np.testing.assert_allclose(first, [[0, 1 / 3], [2 / 3, 1]])
    np.testing.assert_array_equal(second, np.full((2, 2), 0.5))  # constant map: mid-grey
    assert (tmp_path / "maps.png").stat().st_size > 0
    plt.close(fig)


def test_bad_shapes():
    with pytest.raises(
        ValueError,
        match=r"plot.filters: expected a kernel of shape \(kh, kw, C, F\), received \(3, 3\)",
    ):
        plot.filters(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"plot.feature_maps: expected one image's maps"):
        plot.feature_maps(np.zeros((2, 4, 4, 3)))
