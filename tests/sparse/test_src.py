"""Classification by sparse representation on a union of subspaces, where it is at home."""

import numpy as np
import pytest

from minidl.sparse import SRCClassifier


def subspace_samples(n_classes=4, dim=60, rank=3, per_class=40, seed=0):
    """Each class: random combinations of its own `rank` directions (a low-dimensional
    subspace), the setting of Wright et al.'s faces under varying light."""
    rng = np.random.default_rng(seed)
    bases = rng.standard_normal((n_classes, dim, rank))
    x, y = [], []
    for c in range(n_classes):
        x.append((bases[c] @ rng.standard_normal((rank, per_class))).T)
        y += [c] * per_class
    return np.concatenate(x), np.array(y), bases


@pytest.mark.parametrize("method", ["omp", "bpdn"])
def test_union_of_subspaces_is_classified(method):
    x, y, bases = subspace_samples()
    rng = np.random.default_rng(1)
    test_y = rng.integers(0, 4, 100)
    test_x = np.stack([bases[c] @ rng.standard_normal(3) for c in test_y])
    test_x += 0.05 * rng.standard_normal(test_x.shape)
    clf = SRCClassifier(n_nonzero=3, method=method, center=False).fit(x, y)
    assert np.mean(clf.predict(test_x) == test_y) >= 0.97
    r = clf.residuals(test_x[:5])
    assert r.shape == (5, 4) and np.all(r >= 0)


def test_a_training_sample_is_its_own_class_with_zero_residual():
    x, y, _ = subspace_samples(seed=2)
    clf = SRCClassifier(n_nonzero=1).fit(x, y)
    r = clf.residuals(x[[7, 50]])
    np.testing.assert_allclose(r[0, y[7]], 0.0, atol=1e-9)
    assert list(clf.predict(x[[7, 50]])) == [y[7], y[50]]


def test_labels_of_any_kind_and_downsampled_images():
    rng = np.random.default_rng(3)
    stripes = np.tile(np.arange(8) % 2, (8, 1)).astype(float)  # vertical stripes
    images = np.stack([stripes, stripes.T] * 10) + 0.01 * rng.standard_normal((20, 8, 8))
    labels = np.array(["vertical", "horizontal"] * 10)
    clf = SRCClassifier(n_nonzero=2, downsample=1).fit(images, labels)
    assert list(clf.predict(np.stack([stripes.T, stripes]))) == ["horizontal", "vertical"]
    coarse = SRCClassifier(downsample=2).fit(images, labels)
    assert coarse.dictionary.shape == (16, 20)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "lasso"}, r"expected method 'omp' or 'bpdn'"),
        ({"n_nonzero": 0}, r"expected n_nonzero as an int >= 1"),
        ({"downsample": 0}, r"expected downsample as an int >= 1"),
        ({"lam": 0}, r"expected lam > 0"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SRCClassifier(**kwargs)


def test_bad_use():
    x, y, _ = subspace_samples()
    with pytest.raises(RuntimeError, match=r"call fit first"):
        SRCClassifier().predict(x)
    with pytest.raises(ValueError, match=r"one label per sample"):
        SRCClassifier().fit(x, y[:-1])
    with pytest.raises(ValueError, match=r"expected samples of the training samples' size"):
        SRCClassifier().fit(x, y).predict(x[:, :10])
    with pytest.raises(ValueError, match=r"finite numbers"):
        SRCClassifier().fit(np.full((3, 4), np.nan), [0, 1, 2])
