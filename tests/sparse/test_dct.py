"""The DCT matrix and the 2-D transform of patch stacks, against scipy.fft and the definition."""

import numpy as np
import pytest
import scipy.fft
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minidl.sparse import dct2, dct_matrix, idct2


@pytest.mark.parametrize("p", [1, 2, 3, 8, 16])
def test_dct_matrix_is_orthonormal_and_matches_scipy(p):
    D = dct_matrix(p)
    np.testing.assert_allclose(D @ D.T, np.eye(p), atol=1e-12)
    # column n of D is the transform of the unit vector e_n
    expected = scipy.fft.dct(np.eye(p), type=2, norm="ortho", axis=0)
    np.testing.assert_allclose(D, expected, rtol=1e-12, atol=1e-15)


def test_dct_matrix_by_hand_for_p_2():
    # D[k, n] = a_k cos(pi (2n + 1) k / 4): a_0 = 1/sqrt(2), a_1 = 1; cos(pi/4) = -cos(3pi/4)
    r = 1 / np.sqrt(2)
    np.testing.assert_allclose(dct_matrix(2), [[r, r], [r, -r]], atol=1e-15)


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 9)).map(
            lambda s: (s[0], s[1], s[2], s[2])
        ),
        elements=st.floats(-1e3, 1e3),
    )
)
def test_dct2_equals_scipy_dctn_and_idct2_inverts_it(x):
    c = dct2(x)
    expected = scipy.fft.dctn(x, type=2, norm="ortho", axes=(-2, -1))
    np.testing.assert_allclose(c, expected, atol=1e-9 * (1 + np.abs(x).max()))
    np.testing.assert_allclose(idct2(c), x, atol=1e-9 * (1 + np.abs(x).max()))


def test_dct2_of_a_flat_patch_is_its_dc_only():
    c = dct2(np.full((8, 8), 0.5))
    assert c[0, 0] == pytest.approx(0.5 * 8)  # the mean times p
    c[0, 0] = 0.0
    np.testing.assert_allclose(c, 0.0, atol=1e-14)


def test_dct2_keeps_float32_and_does_not_modify_its_input():
    x = np.random.default_rng(0).random((5, 4, 4)).astype(np.float32)
    before = x.copy()
    assert dct2(x).dtype == np.float32 and idct2(x).dtype == np.float32
    np.testing.assert_array_equal(x, before)
    assert dct2(np.arange(16).reshape(4, 4)).dtype == np.float64


@pytest.mark.parametrize("bad", [0, -3, 2.0, True, "8"])
def test_dct_matrix_bad_sizes(bad):
    with pytest.raises(ValueError, match=r"dct_matrix: expected p as an int >= 1"):
        dct_matrix(bad)


@pytest.mark.parametrize("bad", [np.zeros((4, 3)), np.zeros(4), np.array([["a"]])])
def test_dct2_refuses_what_is_not_square_patches(bad):
    with pytest.raises(ValueError, match=r"dct2: expected square patches of numbers"):
        dct2(bad)
    with pytest.raises(ValueError, match=r"idct2: expected square patches"):
        idct2(bad)
