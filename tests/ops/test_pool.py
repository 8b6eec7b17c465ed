"""Pooling: hand-computed cases, the tie rule, loops against the fast path, gradient checks over
drawn configurations, PyTorch parity, and bad input."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minidl.gradcheck import check_gradients
from minidl.ops import naive
from minidl.ops import pool as P


def image(rows):
    return np.array(rows, dtype=float)[None, :, :, None]


def test_max_and_average_by_hand():
    x = image([[1, 2, 5, 6], [3, 4, 7, 8], [9, 10, 13, 14], [11, 12, 15, 16]])
    out, cache = P.max_pool2d_forward(x)
    np.testing.assert_array_equal(out[0, :, :, 0], [[4, 8], [12, 16]])  # each 2x2 block's max
    dx = P.max_pool2d_backward(np.array([[[[1.0], [2.0]], [[3.0], [4.0]]]]), cache)
    # the gradient lands on the bottom-right cell of each block, where the maximum was
    np.testing.assert_array_equal(
        dx[0, :, :, 0], [[0, 0, 0, 0], [0, 1, 0, 2], [0, 0, 0, 0], [0, 3, 0, 4]]
    )
    avg, cache = P.avg_pool2d_forward(x)
    np.testing.assert_array_equal(avg[0, :, :, 0], [[2.5, 6.5], [10.5, 14.5]])  # (1+2+3+4)/4 ...
    dx = P.avg_pool2d_backward(np.full((1, 2, 2, 1), 4.0), cache)
    np.testing.assert_array_equal(dx, np.ones_like(x))  # 4 shared among 4 cells


def test_same_average_leaves_padding_out_of_the_count():
    # 3x3 input, 2x2 pool, stride 2, 'same': output 2x2, one row and column of padding at the
    # bottom/right. The corner window holds only x[2, 2]: its mean is 9, not 9/4.
    x = image([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    out, _ = P.avg_pool2d_forward(x, 2, padding="same")
    np.testing.assert_array_equal(
        out[0, :, :, 0], [[3, 4.5], [7.5, 9]]
    )  # (1+2+4+5)/4, (3+6)/2, (7+8)/2, 9
    out, _ = P.max_pool2d_forward(-x, 2, padding="same")
    np.testing.assert_array_equal(
        out[0, :, :, 0], [[-1, -3], [-7, -9]]
    )  # padding never wins, even over negatives


def test_ties_go_to_the_first_maximum_in_row_major_order():
    x = image([[5, 5], [5, 5]])
    _, cache = P.max_pool2d_forward(x)
    dx = P.max_pool2d_backward(np.ones((1, 1, 1, 1)), cache)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[1, 0], [0, 0]])  # one cell, not four: sums to 1
    _, cache = P.global_max_pool2d_forward(x)
    np.testing.assert_array_equal(
        P.global_max_pool2d_backward(np.ones((1, 1)), cache)[0, :, :, 0], [[1, 0], [0, 0]]
    )
    np.testing.assert_array_equal(
        naive.max_pool2d_backward_naive(
            np.ones((1, 1, 1, 1)), naive.max_pool2d_forward_naive(x)[1]
        ),
        dx,
    )


def test_global_pools_by_hand():
    x = np.array([[[[1.0, -1.0], [2.0, -2.0]], [[3.0, -3.0], [6.0, -6.0]]]])  # (1, 2, 2, 2)
    avg, cache = P.global_avg_pool2d_forward(x)
    np.testing.assert_array_equal(avg, [[3.0, -3.0]])
    np.testing.assert_array_equal(
        P.global_avg_pool2d_backward(np.array([[4.0, 8.0]]), cache)[0, :, :, 1], [[2, 2], [2, 2]]
    )
    mx, cache = P.global_max_pool2d_forward(x)
    np.testing.assert_array_equal(mx, [[6.0, -1.0]])
    dx = P.global_max_pool2d_backward(np.array([[1.0, 1.0]]), cache)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 0], [0, 1]])
    np.testing.assert_array_equal(dx[0, :, :, 1], [[1, 0], [0, 0]])


@st.composite
def configurations(draw):
    return dict(
        n=draw(st.integers(1, 3)),
        h=draw(st.integers(1, 9)),
        w=draw(st.integers(1, 9)),
        c=draw(st.integers(1, 4)),
        pool=draw(st.tuples(st.integers(1, 4), st.integers(1, 4))),
        strides=draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3)))),
        padding=draw(st.sampled_from(["valid", "same"])),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


def distinct_values(cfg):
    """Values at least 0.01 apart, so no max changes hands within a finite-difference step."""
    rng = np.random.default_rng(cfg["seed"])
    size = cfg["n"] * cfg["h"] * cfg["w"] * cfg["c"]
    x = (rng.permutation(size) * 0.01 - size * 0.005).reshape(
        cfg["n"], cfg["h"], cfg["w"], cfg["c"]
    )
    return rng, x


def fits(cfg):
    try:
        P.pool_geometry(
            (cfg["n"], cfg["h"], cfg["w"], cfg["c"]),
            cfg["pool"],
            cfg["strides"],
            cfg["padding"],
            "t",
        )
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("kind", ["max", "avg"])
@given(cfg=configurations())
def test_naive_and_fast_agree(kind, cfg):
    assume(fits(cfg))
    rng, x = distinct_values(cfg)
    fast_f, fast_b = getattr(P, f"{kind}_pool2d_forward"), getattr(P, f"{kind}_pool2d_backward")
    slow_f, slow_b = (
        getattr(naive, f"{kind}_pool2d_forward_naive"),
        getattr(naive, f"{kind}_pool2d_backward_naive"),
    )
    args = (cfg["pool"], cfg["strides"], cfg["padding"])
    out, cache = fast_f(x, *args)
    out_slow, cache_slow = slow_f(x, *args)
    np.testing.assert_allclose(out, out_slow, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(
        fast_b(dout, cache), slow_b(dout, cache_slow), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("kind", ["max", "avg", "global_max", "global_avg"])
@given(cfg=configurations())
def test_gradients_match_finite_differences(kind, cfg):
    assume(fits(cfg))
    rng, x = distinct_values(cfg)
    forward, backward = getattr(P, f"{kind}_pool2d_forward"), getattr(P, f"{kind}_pool2d_backward")
    args = () if kind.startswith("global") else (cfg["pool"], cfg["strides"], cfg["padding"])
    out, cache = forward(x, *args)
    dout = rng.standard_normal(out.shape)
    dx = backward(dout, cache)
    report = check_gradients(lambda: np.sum(forward(x, *args)[0] * dout), {"x": x}, {"x": dx}, kind)
    assert report.passed, report


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: P.max_pool2d_forward(np.zeros((4, 4, 3))),
            r"max_pool2d_forward: expected x to be 4-D",
        ),
        (
            lambda: P.max_pool2d_forward(np.zeros((1, 2, 2, 1)), 3),
            r"the 3x3 pool does not fit in the padded input 2x2",
        ),
        (
            lambda: P.avg_pool2d_forward(np.zeros((1, 4, 4, 1)), 2, strides=0),
            r"expected strides >= 1, received 0",
        ),
        (
            lambda: P.avg_pool2d_forward(np.zeros((1, 4, 4, 1)), 2, padding="full"),
            r"expected padding 'valid' or 'same'",
        ),
        (lambda: P.max_pool2d_forward(np.full((1, 2, 2, 1), np.nan)), r"x contains 4 NaN"),
        (
            lambda: P.max_pool2d_backward(
                np.zeros((1, 3, 3, 1)), P.max_pool2d_forward(np.zeros((1, 4, 4, 1)))[1]
            ),
            r"max_pool2d_backward: expected dout of shape \(1, 2, 2, 1\)",
        ),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "pool_size, strides, pad", [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 1)), (3, 1, 1)]
)
def test_matches_pytorch(torch, pool_size, strides, pad):
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 8, 7, 3))
    padding = (
        (pad if isinstance(pad, int) else pad[0],) * 2,
        (pad if isinstance(pad, int) else pad[1],) * 2,
    )
    ps = pool_size if isinstance(pool_size, tuple) else (pool_size, pool_size)
    st_ = ps if strides is None else (strides if isinstance(strides, tuple) else (strides, strides))
    for kind in ("max", "avg"):
        out, cache = getattr(P, f"{kind}_pool2d_forward")(x, pool_size, strides, padding)
        dout = rng.standard_normal(out.shape)
        dx = getattr(P, f"{kind}_pool2d_backward")(dout, cache)
        x_t = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
        tpad = (padding[0][0], padding[1][0])
        if kind == "max":
            out_t = F.max_pool2d(x_t, ps, st_, tpad)
        else:
            out_t = F.avg_pool2d(x_t, ps, st_, tpad, count_include_pad=False)
        (out_t * torch.tensor(dout.transpose(0, 3, 1, 2))).sum().backward()
        np.testing.assert_allclose(
            out, out_t.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12
        )
        np.testing.assert_allclose(
            dx, x_t.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12
        )


def test_global_pools_match_pytorch_adaptive_pools(torch):
    F = torch.nn.functional
    x = np.random.default_rng(2).standard_normal((3, 5, 4, 2))
    dout = np.random.default_rng(3).standard_normal((3, 2))
    for ours, theirs in (
        ("global_avg", F.adaptive_avg_pool2d),
        ("global_max", F.adaptive_max_pool2d),
    ):
        out, cache = getattr(P, f"{ours}_pool2d_forward")(x)
        dx = getattr(P, f"{ours}_pool2d_backward")(dout, cache)
        x_t = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
        out_t = theirs(x_t, 1)[:, :, 0, 0]
        (out_t * torch.tensor(dout)).sum().backward()
        np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(
            dx, x_t.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-15
        )
