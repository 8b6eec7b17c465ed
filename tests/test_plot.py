"""Filters and feature maps as PNG grids."""

from types import SimpleNamespace

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


HISTORY = {
    "loss": [0.9, 0.5, 0.3, 0.2],
    "accuracy": [0.5, 0.7, 0.8, 0.9],
    "learning_rate": [0.1, 0.01, 0.001, 0.0001],
    "val_loss": [1.0, 0.7, 0.6, 0.65],
    "val_accuracy": [0.4, 0.6, 0.7, 0.7],
}


def test_history_one_subplot_per_quantity(tmp_path):
    fig = plot.history(SimpleNamespace(history=HISTORY), tmp_path / "history.png")
    loss, acc, lr = fig.axes  # the loss first, the learning rate last, nothing else
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy", "learning_rate"]
    for ax, name in ((loss, "loss"), (acc, "accuracy")):
        train, val = ax.lines
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == name
        np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4])  # epochs from 1
        np.testing.assert_array_equal(train.get_ydata(), HISTORY[name])
        np.testing.assert_array_equal(val.get_ydata(), HISTORY[f"val_{name}"])
        assert train.get_linestyle() == "-" and val.get_linestyle() == "--"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation"]
    assert len(lr.lines) == 1 and lr.get_yscale() == "log"
    assert loss.get_yscale() == "linear"
    with Image.open(tmp_path / "history.png") as img:
        assert img.format == "PNG" and img.size[0] > img.size[1] > 100
    plt.close(fig)


def test_history_from_a_dict_training_only_single_epoch():
    fig = plot.history({"accuracy": [0.5], "loss": [0.7]})
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    (line,) = fig.axes[0].lines
    assert line.get_marker() == "o"  # one epoch: a visible point
    plt.close(fig)


def test_history_bad_inputs():
    with pytest.raises(TypeError, match=r"plot.history: expected a History .* received list"):
        plot.history([0.5, 0.4])
    with pytest.raises(ValueError, match=r"plot.history: the history is empty"):
        plot.history({})
    with pytest.raises(ValueError, match=r"plot.history: expected 'loss' as a non-empty list"):
        plot.history({"loss": []})


def test_confusion_matrix_counts_labels_and_png(tmp_path):
    # Pairs (true, predicted): (0,0) (1,2) (1,1) (2,2) (2,2) (2,0), so by hand:
    expected = [[1, 0, 0], [0, 1, 1], [1, 0, 2]]
    fig = plot.confusion_matrix(
        [0, 1, 1, 2, 2, 2], [0, 2, 1, 2, 2, 0], [b"cat", "dog", "bird"], tmp_path / "cm.png"
    )
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    # One text per cell, row by row.
    assert [t.get_text() for t in ax.texts] == [str(v) for row in expected for v in row]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "bird"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cat", "dog", "bird"]
    with Image.open(tmp_path / "cm.png") as img:
        assert img.format == "PNG"
    plt.close(fig)


def test_confusion_matrix_normalized_from_probabilities():
    # Argmax of the probabilities: 0, 0, 1, 1; labels 0, 1, 1, 1: rows [1, 0] and [1/3, 2/3].
    probs = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.3, 0.7]])
    fig = plot.confusion_matrix([0, 1, 1, 1], probs, normalize=True)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), [[1, 0], [1 / 3, 2 / 3]])
    assert [t.get_text() for t in ax.texts] == ["1.00", "0.00", "0.33", "0.67"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]
    plt.close(fig)


def test_confusion_matrix_bad_inputs():
    with pytest.raises(ValueError, match=r"expected y_true in \[0, 1\] for 2 classes"):
        plot.confusion_matrix([0, 2], [0, 1], class_names=["a", "b"])
