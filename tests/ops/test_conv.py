"""conv2d: hand-computed cases, the textbook loops against the fast path, gradient checks over
drawn configurations, PyTorch parity, memory chunking, and bad input."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.gradcheck import check_gradients
from minidl.ops.conv import conv2d_backward, conv2d_forward, conv_output_shape, normalize_padding
from minidl.ops.naive import conv2d_backward_naive, conv2d_forward_naive


def image(rows):
    """A (1, H, W, 1) batch from a list of rows."""
    return np.array(rows, dtype=float)[None, :, :, None]


def kernel(rows):
    """A (kh, kw, 1, 1) kernel from a list of rows."""
    return np.array(rows, dtype=float)[:, :, None, None]


# -- hand-computed cases ----------------------------------------------------------------------------
def test_vertical_edge_detector():
    # A dark-to-bright step between columns 1 and 2. Kernel [[1, 0, -1]] * 3 rows: each output is
    # (sum of the left column) - (sum of the right column) of its 3x3 window.
    x = image([[0, 0, 9, 9]] * 4)
    out, _ = conv2d_forward(x, kernel([[1, 0, -1]] * 3))
    # window at column 0: left col 0+0+0, right col 9+9+9 -> -27; column 1: 0 - 27 = -27
    np.testing.assert_array_equal(out[0, :, :, 0], [[-27, -27], [-27, -27]])
    flat, _ = conv2d_forward(image([[5] * 4] * 4), kernel([[1, 0, -1]] * 3))
    np.testing.assert_array_equal(flat, np.zeros((1, 2, 2, 1)))  # no edge, no response


def test_stride_2():
    x = image([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15]])
    out, _ = conv2d_forward(x, kernel([[1, 1], [1, 1]]), stride=2)
    # windows at columns 0 and 2 of rows 0-1: 1+2+6+7 = 16, 3+4+8+9 = 24; H_out = (3-2)//2+1 = 1
    np.testing.assert_array_equal(out[0, :, :, 0], [[16, 24]])


def test_same_padding_with_an_even_kernel_puts_the_extra_pixel_bottom_right():
    # 3x3 input, 2x2 kernel, 'same': total padding 1 per axis, 0 on top/left and 1 bottom/right.
    assert normalize_padding("same", (2, 2), in_size=(3, 3)) == ((0, 1), (0, 1))
    x = image([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    out, _ = conv2d_forward(x, kernel([[1, 1], [1, 1]]), padding="same")
    # each output sums its pixel, the right, below and below-right neighbours (zeros outside)
    np.testing.assert_array_equal(out[0, :, :, 0], [[12, 16, 9], [24, 28, 15], [15, 17, 9]])


def test_dilation_2():
    x = image([[1, 2, 3, 4, 5]] * 5)
    # a 2x2 kernel with dilation 2 reads pixels 2 apart: (0,0), (0,2), (2,0), (2,2)
    out, _ = conv2d_forward(x, kernel([[1, 10], [100, 1000]]), dilation=2)
    # at column j: 1*x[j] + 10*x[j+2] + 100*x[j] + 1000*x[j+2] = 101*(j+1) + 1010*(j+3)
    expected = [101 * (j + 1) + 1010 * (j + 3) for j in range(3)]
    np.testing.assert_array_equal(out[0, :, :, 0], [expected] * 3)


def test_backward_by_hand():
    x = image([[1, 2], [3, 4]])
    out, cache = conv2d_forward(x, kernel([[1, -1]]), b=np.array([0.5]))
    np.testing.assert_array_equal(out[0, :, :, 0], [[-0.5], [-0.5]])  # 1-2+.5, 3-4+.5
    dx, dw, db = conv2d_backward(np.array([[[[1.0]], [[2.0]]]]), cache)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[1, -1], [2, -2]])  # dout times the kernel
    np.testing.assert_array_equal(dw[:, :, 0, 0], [[1 * 1 + 3 * 2, 2 * 1 + 4 * 2]])
    np.testing.assert_array_equal(db, [3.0])


def test_output_shape_formula():
    # H_out = floor((H + pt + pb - d*(k-1) - 1) / s) + 1 = floor((10 + 2 - 2*2 - 1) / 3) + 1 = 3
    assert conv_output_shape((2, 10, 7, 3), (3, 2, 3, 5), stride=3, padding=1, dilation=2) == (
        2,
        3,
        3,
        5,
    )
    assert conv_output_shape((1, 7, 7, 1), (3, 3, 1, 1), stride=2, padding="same") == (1, 4, 4, 1)


# -- drawn configurations ---------------------------------------------------------------------------
@st.composite
def configurations(draw):
    padding = draw(
        st.one_of(
            st.just("valid"),
            st.just("same"),
            st.integers(0, 2),
            st.tuples(st.integers(0, 2), st.integers(0, 2)),
            st.tuples(
                st.tuples(st.integers(0, 2), st.integers(0, 2)),
                st.tuples(st.integers(0, 2), st.integers(0, 2)),
            ),
        )
    )
    return dict(
        n=draw(st.integers(1, 3)),
        h=draw(st.integers(1, 9)),
        w=draw(st.integers(1, 9)),
        c=draw(st.integers(1, 4)),
        f=draw(st.integers(1, 4)),
        kh=draw(st.integers(1, 5)),
        kw=draw(st.integers(1, 5)),
        stride=draw(st.tuples(st.integers(1, 3), st.integers(1, 3))),
        dilation=draw(st.tuples(st.integers(1, 3), st.integers(1, 3))),
        padding=padding,
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def draw_arrays(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["h"], cfg["w"], cfg["c"]))
    w = rng.standard_normal((cfg["kh"], cfg["kw"], cfg["c"], cfg["f"]))
    b = rng.standard_normal(cfg["f"]) if cfg["bias"] else None
    return rng, x, w, b


def fits(cfg):
    try:
        conv_output_shape(
            (cfg["n"], cfg["h"], cfg["w"], cfg["c"]),
            (cfg["kh"], cfg["kw"], cfg["c"], cfg["f"]),
            cfg["stride"],
            cfg["padding"],
            cfg["dilation"],
        )
    except ValueError as err:
        assert "output would be empty" in str(err)
        return False
    return True


@given(cfg=configurations())
def test_empty_outputs_are_refused_with_a_clear_error(cfg):
    assume(not fits(cfg))
    _, x, w, b = draw_arrays(cfg)
    with pytest.raises(
        ValueError, match=r"conv2d_forward: the kernel spans .* the output would be empty"
    ):
        conv2d_forward(
            x, w, b, stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"]
        )


@given(cfg=configurations())
def test_naive_and_fast_agree(cfg):
    assume(fits(cfg))
    rng, x, w, b = draw_arrays(cfg)
    kwargs = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    out, cache = conv2d_forward(x, w, b, **kwargs)
    out_naive, cache_naive = conv2d_forward_naive(x, w, b, **kwargs)
    np.testing.assert_allclose(out, out_naive, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    for fast, slow in zip(
        conv2d_backward(dout, cache), conv2d_backward_naive(dout, cache_naive), strict=True
    ):
        if slow is None:
            assert fast is None
        else:
            np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


@given(cfg=configurations())
def test_gradients_match_finite_differences(cfg):
    assume(fits(cfg))
    rng, x, w, b = draw_arrays(cfg)
    kwargs = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    out, cache = conv2d_forward(x, w, b, **kwargs)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    arrays = {"x": x, "w": w, **({"b": b} if b is not None else {})}
    analytic = {"x": dx, "w": dw, **({"b": db} if b is not None else {})}
    report = check_gradients(
        lambda: np.sum(conv2d_forward(x, w, b, **kwargs)[0] * dout), arrays, analytic, "conv2d"
    )
    assert report.passed, report


def test_chunking_over_the_batch_changes_nothing(rng):
    x, w, b = (
        rng.standard_normal((7, 6, 5, 3)),
        rng.standard_normal((3, 3, 3, 4)),
        rng.standard_normal(4),
    )
    whole, cache = conv2d_forward(x, w, b, padding=1)
    tiny, tiny_cache = conv2d_forward(
        x, w, b, padding=1, max_buffer_bytes=1
    )  # one example at a time
    assert tiny_cache[-1] == 1 and cache[-1] == 7
    np.testing.assert_allclose(tiny, whole, rtol=1e-14)
    dout = rng.standard_normal(whole.shape)
    for a, c in zip(conv2d_backward(dout, cache), conv2d_backward(dout, tiny_cache), strict=True):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-14)


def test_float32_stays_float32(rng):
    x, w = (
        rng.standard_normal((2, 5, 5, 2)).astype(np.float32),
        rng.standard_normal((3, 3, 2, 2)).astype(np.float32),
    )
    out, cache = conv2d_forward(x, w, np.zeros(2, np.float32))
    dx, dw, db = conv2d_backward(np.ones_like(out), cache)
    assert out.dtype == dx.dtype == dw.dtype == db.dtype == np.float32


def test_inputs_not_mutated(rng):
    x, w, b = (
        rng.standard_normal((2, 5, 5, 2)),
        rng.standard_normal((3, 3, 2, 2)),
        rng.standard_normal(2),
    )
    copies = [a.copy() for a in (x, w, b)]
    out, cache = conv2d_forward(x, w, b, padding="same", stride=2)
    dout = rng.standard_normal(out.shape)
    dout_copy = dout.copy()
    conv2d_backward(dout, cache)
    for a, c in zip((x, w, b, dout), (*copies, dout_copy), strict=True):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(w=np.zeros((3, 3, 2, 4))),
            r"expected w with 3 input channels \(kh, kw, 3, F\) to match x \(1, 5, 5, 3\), received w \(3, 3, 2, 4\)",
        ),
        (
            dict(w=np.zeros((7, 7, 3, 1))),
            r"the kernel spans 7x7 pixels .* padded input is only 5x5: the output would be empty",
        ),
        (dict(stride=0), r"expected stride >= 1, received 0"),
        (dict(dilation=(1, -2)), r"expected dilation >= 1, received \(1, -2\)"),
        (dict(padding=-1), r"expected padding >= 0, received -1"),
        (
            dict(padding="full"),
            r"expected padding 'valid', 'same', an int or pairs, received 'full'",
        ),
        (dict(x=np.zeros((5, 5, 3))), r"expected x to be 4-D, received shape \(5, 5, 3\)"),
        (dict(x=np.full((1, 5, 5, 3), np.nan)), r"x contains 75 NaN or infinite value"),
        (dict(b=np.zeros(2)), r"expected b of shape \(1,\), received \(2,\)"),
    ],
)
def test_bad_input_names_op_expected_and_received(kwargs, message):
    args = dict(x=np.zeros((1, 5, 5, 3)), w=np.zeros((3, 3, 3, 1)), b=None)
    args.update(kwargs)
    with pytest.raises(ValueError, match="conv2d_forward: " + message):
        conv2d_forward(**args)


# -- PyTorch parity -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, k, stride, padding, dilation",
    [
        ((2, 7, 6, 3), (3, 3, 3, 4), 1, "same", 1),
        ((1, 9, 8, 2), (2, 4, 2, 3), (2, 1), ((1, 0), (2, 1)), (1, 2)),
        ((3, 8, 8, 1), (5, 5, 1, 2), 3, 2, 1),
        ((2, 9, 9, 4), (3, 2, 4, 4), 2, "same", 3),
    ],
)
def test_matches_pytorch(torch, shape, k, stride, padding, dilation):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(shape), rng.standard_normal(k), rng.standard_normal(k[3])
    out, cache = conv2d_forward(x, w, b, stride=stride, padding=padding, dilation=dilation)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)

    pad = normalize_padding(
        padding,
        k[:2],
        (stride,) * 2 if isinstance(stride, int) else stride,
        (dilation,) * 2 if isinstance(dilation, int) else dilation,
        shape[1:3],
    )
    x_t = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)  # NHWC -> NCHW
    w_t = torch.tensor(w.transpose(3, 2, 0, 1), requires_grad=True)  # HWIO -> OIHW
    b_t = torch.tensor(b, requires_grad=True)
    padded = torch.nn.functional.pad(x_t, (pad[1][0], pad[1][1], pad[0][0], pad[0][1]))
    out_t = torch.nn.functional.conv2d(padded, w_t, b_t, stride=stride, dilation=dilation)
    (out_t * torch.tensor(dout.transpose(0, 3, 1, 2))).sum().backward()
    np.testing.assert_allclose(
        out, out_t.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(dx, x_t.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, w_t.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, b_t.grad.numpy(), rtol=1e-12, atol=1e-12)
