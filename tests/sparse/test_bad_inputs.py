"""Bad and extreme inputs to the denoiser: minidl's error naming the function, finite output for
finite images of any magnitude, no NumPy warning."""

import numpy as np
import pytest

from minidl.sparse import (
    dct_denoise,
    estimate_noise_sigma,
    patch_positions,
    roc_auc,
    soft_threshold,
)
from minidl.sparse.anomaly import roc_curve


@pytest.mark.parametrize("value", [1e308, -1e308, 1.5e308, 1e-310, 1e200, 0.0])
@pytest.mark.parametrize("sigma", [1.0, "auto", 1e300])
def test_constant_images_of_any_magnitude_are_kept(value, sigma):
    z = np.full((10, 12), value)
    out = dct_denoise(z, sigma, patch_size=4)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, z, rtol=1e-12)
    np.testing.assert_array_equal(z, np.full((10, 12), value))


def test_a_noise_level_beyond_float64_is_refused():
    z = np.full((8, 8), 1.7e308)
    z[:, ::2] *= -1
    with pytest.raises(ValueError, match="estimate_noise_sigma: the noise level"):
        estimate_noise_sigma(z, "std")


@pytest.mark.parametrize(
    "z", [None, "img", [[1.0, 2.0]], np.ones(5), np.ones((2, 2, 2)), np.full((4, 4), np.nan)]
)
def test_bad_images_are_refused(z):
    with pytest.raises((TypeError, ValueError), match="dct_denoise"):
        dct_denoise(z, 0.1, patch_size=2)


@pytest.mark.parametrize(
    ("scores", "labels", "error"),
    [
        ([0.1, np.nan, 0.3, 0.9], [0, 1, 0, 1], ValueError),
        ([0.1, np.inf, 0.3, 0.9], [0, 1, 0, 1], ValueError),
        ([0.1, 0.2, 0.3, 0.9], [0, 2, 0, 1], ValueError),
        ([0.1, 0.2, 0.3, 0.9], [0, 0.5, 0, 1], ValueError),
        ([0.1, 0.2, 0.3, 0.9], [-1, 1, -1, 1], ValueError),
        ([0.1, 0.2, 0.3], [0, 1, 0, 1], ValueError),
        ("scores", [0, 1], TypeError),
        ([0.1, 0.9], ["a", "b"], TypeError),
    ],
    ids=["nan", "inf", "label-2", "label-0.5", "labels-minus-1", "lengths", "str", "str-labels"],
)
@pytest.mark.parametrize("function", [roc_auc, roc_curve])
def test_roc_refuses_bad_scores_and_labels(function, scores, labels, error):
    with pytest.raises(error, match=function.__name__):
        function(scores, labels)


@pytest.mark.parametrize("labels", [[False, True, False, True], [0, 1, 0, 1], [0.0, 1.0, 0.0, 1.0]])
def test_roc_auc_takes_bool_and_0_1_labels(labels):
    assert roc_auc(np.array([0.1, 0.8, 0.3, 0.9]), np.array(labels)) == 1.0


@pytest.mark.parametrize(
    ("t", "error"), [(-1, ValueError), (np.nan, ValueError), ("0.1", TypeError), (None, TypeError)]
)
def test_soft_threshold_refuses_a_negative_or_non_number_t(t, error):
    with pytest.raises(error, match="soft_threshold"):
        soft_threshold(np.ones((3, 2)), t)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((10, 4, 0), ValueError),
        ((10, 4, -2), ValueError),
        ((10, 4, 1.5), TypeError),
        ((10, 11, 1), ValueError),
        ((10, 0, 1), ValueError),
    ],
    ids=["step-0", "step-negative", "step-float", "patch-too-large", "patch-0"],
)
def test_patch_positions_refuses_bad_sizes(args, error):
    with pytest.raises(error, match="patch_positions"):
        patch_positions(*args)
