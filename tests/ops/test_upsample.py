"""Transposed convolution and nearest upsampling: the adjoint identity, gradient checks over
drawn configurations, PyTorch parity, hand cases, bad input."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.gradcheck import check_gradients
from minidl.ops.conv import conv2d_forward
from minidl.ops.upsample import (
    conv2d_transpose_backward,
    conv2d_transpose_forward,
    upsample_nearest_backward,
    upsample_nearest_forward,
)


def test_spreads_each_pixel_by_hand():
    x = np.array([[1.0, 2.0]])[None, :, :, None]  # (1, 1, 2, 1)
    w = np.array([[1.0, 10.0]])[:, :, None, None]  # (1, 2, 1, 1)
    out, _ = conv2d_transpose_forward(x, w, stride=2)
    # pixel 1 -> [1, 10] at columns 0-1, pixel 2 -> [2, 20] at columns 2-3
    np.testing.assert_array_equal(out[0, 0, :, 0], [1, 10, 2, 20])
    out, _ = conv2d_transpose_forward(x, w, stride=1)
    np.testing.assert_array_equal(out[0, 0, :, 0], [1, 12, 20])  # overlaps add: 10 + 2


@st.composite
def configurations(draw):
    return dict(
        n=draw(st.integers(1, 3)),
        h=draw(st.integers(1, 6)),
        w=draw(st.integers(1, 6)),
        c=draw(st.integers(1, 4)),
        f=draw(st.integers(1, 4)),
        kh=draw(st.integers(1, 5)),
        kw=draw(st.integers(1, 5)),
        stride=draw(st.tuples(st.integers(1, 3), st.integers(1, 3))),
        dilation=draw(st.tuples(st.integers(1, 3), st.integers(1, 3))),
        padding=draw(
            st.one_of(
                st.just("valid"),
                st.just("same"),
                st.integers(0, 2),
                st.tuples(
                    st.tuples(st.integers(0, 2), st.integers(0, 2)),
                    st.tuples(st.integers(0, 2), st.integers(0, 2)),
                ),
            )
        ),
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def transpose_or_none(cfg, x, w, b):
    try:
        return conv2d_transpose_forward(
            x, w, b, stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"]
        )
    except ValueError as err:
        assert "crops the whole" in str(err)
        return None


@given(cfg=configurations())
def test_adjoint_of_conv2d(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["h"], cfg["w"], cfg["f"]))
    w = rng.standard_normal((cfg["kh"], cfg["kw"], cfg["c"], cfg["f"]))
    result = transpose_or_none(cfg, x, w, None)
    assume(result is not None)
    t, cache = result
    z = rng.standard_normal(t.shape)
    pad = cache[4]
    conv, _ = conv2d_forward(z, w, stride=cfg["stride"], padding=pad, dilation=cfg["dilation"])
    assert conv.shape == x.shape
    # <conv2d(z), x> == <z, conv2d_transpose(x)>
    assert np.sum(conv * x) == pytest.approx(np.sum(z * t), rel=1e-10, abs=1e-10)


@given(cfg=configurations())
def test_gradients_match_finite_differences(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["h"], cfg["w"], cfg["f"]))
    w = rng.standard_normal((cfg["kh"], cfg["kw"], cfg["c"], cfg["f"]))
    b = rng.standard_normal(cfg["c"]) if cfg["bias"] else None
    result = transpose_or_none(cfg, x, w, b)
    assume(result is not None)
    out, cache = result
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_transpose_backward(dout, cache)
    kwargs = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    arrays = {"x": x, "w": w, **({"b": b} if b is not None else {})}
    analytic = {"x": dx, "w": dw, **({"b": db} if b is not None else {})}
    report = check_gradients(
        lambda: np.sum(conv2d_transpose_forward(x, w, b, **kwargs)[0] * dout),
        arrays,
        analytic,
        "conv2d_transpose",
    )
    assert report.passed, report


def test_same_doubles_the_size_like_keras():
    x = np.ones((1, 5, 4, 2))
    for k in (1, 2, 3, 4):
        out, _ = conv2d_transpose_forward(x, np.ones((k, k, 3, 2)), stride=2, padding="same")
        assert out.shape == (1, 10, 8, 3), k


@pytest.mark.parametrize(
    "k, stride, pad, dilation, output_padding",
    [(3, 2, 1, 1, 1), (4, 2, 1, 1, 0), (2, 1, 0, 2, 0), (3, 3, 0, 1, 2)],
)
def test_matches_pytorch(torch, k, stride, pad, dilation, output_padding):
    rng = np.random.default_rng(0)
    x, w, b = (
        rng.standard_normal((2, 4, 5, 3)),
        rng.standard_normal((k, k, 2, 3)),
        rng.standard_normal(2),
    )
    out, cache = conv2d_transpose_forward(
        x, w, b, stride=stride, padding=pad, dilation=dilation, output_padding=output_padding
    )
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_transpose_backward(dout, cache)
    x_t = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    w_t = torch.tensor(w.transpose(3, 2, 0, 1), requires_grad=True)  # (in=F, out=C, kh, kw)
    b_t = torch.tensor(b, requires_grad=True)
    out_t = torch.nn.functional.conv_transpose2d(
        x_t, w_t, b_t, stride=stride, padding=pad, output_padding=output_padding, dilation=dilation
    )
    (out_t * torch.tensor(dout.transpose(0, 3, 1, 2))).sum().backward()
    np.testing.assert_allclose(
        out, out_t.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(dx, x_t.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, w_t.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db, b_t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_upsample_by_hand_and_against_pytorch(torch):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])[None, :, :, None]
    out, cache = upsample_nearest_forward(x, (2, 3))
    np.testing.assert_array_equal(
        out[0, :, :, 0], [[1, 1, 1, 2, 2, 2]] * 2 + [[3, 3, 3, 4, 4, 4]] * 2
    )
    np.testing.assert_array_equal(
        upsample_nearest_backward(np.ones_like(out), cache)[0, :, :, 0], [[6, 6], [6, 6]]
    )
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 2))
    out, cache = upsample_nearest_forward(x, 2)
    dout = rng.standard_normal(out.shape)
    x_t = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    out_t = torch.nn.functional.interpolate(x_t, scale_factor=2, mode="nearest")
    (out_t * torch.tensor(dout.transpose(0, 3, 1, 2))).sum().backward()
    np.testing.assert_array_equal(out, out_t.detach().numpy().transpose(0, 2, 3, 1))
    np.testing.assert_allclose(
        upsample_nearest_backward(dout, cache), x_t.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-14
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: conv2d_transpose_forward(np.zeros((1, 3, 3, 2)), np.zeros((3, 3, 4, 5))),
            r"expected w of shape \(kh, kw, C_out, 2\)",
        ),
        (
            lambda: conv2d_transpose_forward(
                np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 1, 1)), padding=1
            ),
            r"crops the whole 1x1 output",
        ),
        (
            lambda: conv2d_transpose_forward(
                np.zeros((1, 3, 3, 1)), np.zeros((3, 3, 1, 1)), stride=0
            ),
            r"expected stride >= 1",
        ),
        (lambda: upsample_nearest_forward(np.zeros((1, 3, 3, 1)), 0), r"expected size >= 1"),
        (lambda: upsample_nearest_forward(np.zeros((3, 3, 1)), 2), r"expected x to be 4-D"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
