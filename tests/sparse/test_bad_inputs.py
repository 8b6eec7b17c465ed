"""Bad and extreme inputs to the denoiser: minidl's error naming the function, finite output for
finite images of any magnitude, no NumPy warning."""

import numpy as np
import pytest

from minidl.sparse import dct_denoise, estimate_noise_sigma


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
