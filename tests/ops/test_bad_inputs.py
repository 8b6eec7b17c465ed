"""Bad inputs to every public function of minidl.ops: each fails with minidl's error naming the
function, leaves its inputs as they were, and lets no NumPy warning escape."""

import numpy as np
import pytest

from minidl import ops
from minidl.ops import losses as loss_ops
from minidl.ops import norm
from minidl.ops.dropout import dropout_backward, dropout_forward, dropout_mask

BAD_ARRAYS = {
    "None": None,
    "string": "abc",
    "list of strings": ["a", "b"],
    "empty": np.zeros((0, 3)),
    "complex": np.ones((2, 3), dtype=complex),
    "NaN": np.array([[1.0, np.nan, 2.0], [0.0, 1.0, 2.0]]),
    "inf": np.array([[1.0, np.inf, 2.0], [0.0, 1.0, 2.0]]),
    "object": np.array([[object()]], dtype=object),
}


def _x2():
    return np.arange(6.0).reshape(2, 3) - 2.5


def _x4():
    return np.arange(2 * 4 * 4 * 3, dtype=float).reshape(2, 4, 4, 3) / 10


# (name shown in the message, function of the bad value)
FORWARDS = {
    "relu_forward": lambda v: ops.relu_forward(v),
    "leaky_relu_forward": lambda v: ops.leaky_relu_forward(v),
    "sigmoid": lambda v: ops.sigmoid(v),
    "sigmoid_forward": lambda v: ops.sigmoid_forward(v),
    "tanh_forward": lambda v: ops.tanh_forward(v),
    "softmax": lambda v: ops.softmax(v),
    "softmax_forward": lambda v: ops.softmax_forward(v),
    "log_softmax": lambda v: ops.log_softmax(v),
    "dense_forward": lambda v: ops.dense_forward(v, np.ones((3, 2))),
    "dense_forward ": lambda v: ops.dense_forward(_x2(), v),
    "batchnorm_forward": lambda v: norm.batchnorm_forward(v, None, None),
    "batchnorm_inference_forward": lambda v: norm.batchnorm_inference_forward(
        v, None, None, np.zeros(3), np.ones(3)
    ),
    "conv2d_forward": lambda v: ops.conv2d_forward(v, np.ones((2, 2, 3, 2))),
    "max_pool2d_forward": lambda v: ops.max_pool2d_forward(v),
    "avg_pool2d_forward": lambda v: ops.avg_pool2d_forward(v),
    "global_avg_pool2d_forward": lambda v: ops.global_avg_pool2d_forward(v),
    "global_max_pool2d_forward": lambda v: ops.global_max_pool2d_forward(v),
    "upsample_nearest_forward": lambda v: ops.upsample_nearest_forward(v),
    "conv2d_transpose_forward": lambda v: ops.conv2d_transpose_forward(v, np.ones((2, 2, 2, 3))),
    "dropout_forward": lambda v: dropout_forward(v, np.ones((1, 1))),
}


@pytest.mark.parametrize("bad", list(BAD_ARRAYS), ids=str)
@pytest.mark.parametrize("name", list(FORWARDS), ids=str.strip)
def test_forward_refuses_bad_arrays(name, bad):
    value = BAD_ARRAYS[bad]
    before = None if not isinstance(value, np.ndarray) else value.copy()
    with pytest.raises((TypeError, ValueError), match=name.strip()):
        FORWARDS[name](value)
    if before is not None:
        np.testing.assert_array_equal(value, before)


def _caches():
    """(name, forward output, cache, backward) for each op with a backward."""
    x2, x4 = _x2(), _x4()
    rows = []
    for name, fwd, bwd in [
        ("relu", ops.relu_forward, ops.relu_backward),
        ("leaky_relu", ops.leaky_relu_forward, ops.leaky_relu_backward),
        ("sigmoid", ops.sigmoid_forward, ops.sigmoid_backward),
        ("tanh", ops.tanh_forward, ops.tanh_backward),
        ("softmax", ops.softmax_forward, ops.softmax_backward),
    ]:
        rows.append((f"{name}_backward", *fwd(x2.copy()), bwd))
    out, cache = ops.dense_forward(x2, np.ones((3, 2)), np.zeros(2))
    rows.append(("dense_backward", out, cache, ops.dense_backward))
    out, cache = norm.batchnorm_forward(x2, np.ones(3), np.zeros(3))
    rows.append(("batchnorm_backward", out, cache, norm.batchnorm_backward))
    out, cache = ops.conv2d_forward(x4, np.ones((2, 2, 3, 2)))
    rows.append(("conv2d_backward", out, cache, ops.conv2d_backward))
    for name in ["max_pool2d", "avg_pool2d", "global_avg_pool2d", "global_max_pool2d"]:
        out, cache = getattr(ops, f"{name}_forward")(x4)
        rows.append((f"{name}_backward", out, cache, getattr(ops, f"{name}_backward")))
    out, cache = ops.upsample_nearest_forward(x4)
    rows.append(("upsample_nearest_backward", out, cache, ops.upsample_nearest_backward))
    out, cache = ops.conv2d_transpose_forward(x4, np.ones((2, 2, 2, 3)))
    rows.append(("conv2d_transpose_backward", out, cache, ops.conv2d_transpose_backward))
    return rows


CACHES = _caches()
BAD_DOUT = [
    "None",
    "string",
    "list of strings",
    "complex",
    "wrong shape",
    "transposed",
    "extra axis",
]


def _bad_dout(kind, out):
    if kind in BAD_ARRAYS:
        return BAD_ARRAYS[kind]
    if kind == "wrong shape":
        return np.ones(tuple(n + 1 for n in out.shape))
    if kind == "transposed":
        return np.ones(out.shape[::-1] if out.shape[::-1] != out.shape else (1, out.size + 1))
    return np.ones((1, *out.shape))


@pytest.mark.parametrize("kind", BAD_DOUT)
@pytest.mark.parametrize("row", CACHES, ids=[r[0] for r in CACHES])
def test_backward_refuses_bad_dout(row, kind):
    name, out, cache, backward = row
    dout = _bad_dout(kind, out)
    with pytest.raises((TypeError, ValueError), match=name):
        backward(dout, cache)


@pytest.mark.parametrize("row", CACHES, ids=[r[0] for r in CACHES])
@pytest.mark.parametrize("cache", [None, "cache", 3])
def test_backward_refuses_a_foreign_cache(row, cache):
    name, out, _, backward = row
    with pytest.raises((TypeError, ValueError), match=name):
        backward(np.ones(out.shape), cache)


def test_sigmoid_backward_does_not_broadcast():
    _, cache = ops.sigmoid_forward(np.zeros((6, 1)))
    with pytest.raises(ValueError, match=r"sigmoid_backward: expected dout of shape \(6, 1\)"):
        ops.sigmoid_backward(np.ones((1, 6)), cache)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.dense_forward(np.ones((2, 3)), np.ones((4, 2))), "dense_forward"),
        (lambda: ops.dense_forward(np.ones((2, 3)), np.ones((3, 2)), np.ones(3)), "dense_forward"),
        (lambda: ops.dense_forward(np.ones((2, 3)), np.ones((3, 2)), "b"), "dense_forward"),
        (lambda: ops.softmax(np.ones((2, 3)), axis=2), "softmax: expected axis"),
        (lambda: ops.softmax(np.ones((2, 3)), axis="0"), "softmax: expected axis"),
        (lambda: ops.leaky_relu_forward(np.ones(2), "0.3"), "leaky_relu_forward"),
        (lambda: norm.batchnorm_forward(np.ones((2, 3)), None, None, axis=0), "batchnorm_forward"),
        (lambda: norm.batchnorm_forward(np.ones((2, 3)), None, None, axis=5), "batchnorm_forward"),
        (lambda: norm.batchnorm_forward(np.ones(3), None, None), "batchnorm_forward"),
        (lambda: norm.batchnorm_forward(np.ones((2, 3)), np.ones(2), None), "gamma of shape"),
        (lambda: norm.batchnorm_forward(np.ones((2, 3)), None, "b"), "batchnorm_forward"),
        (lambda: norm.batchnorm_forward(np.ones((2, 3)), None, None, 0.0), "epsilon"),
        (lambda: norm.batchnorm_forward(np.ones((2, 3)), None, None, -1.0), "epsilon"),
        (
            lambda: norm.batchnorm_inference_forward(
                np.ones((2, 3)), None, None, np.zeros(2), np.ones(3)
            ),
            "moving_mean of shape",
        ),
        (
            lambda: norm.batchnorm_inference_forward(
                np.ones((2, 3)), None, None, np.zeros(3), -np.ones(3)
            ),
            "moving_variance >= 0",
        ),
        (lambda: dropout_mask((2, 3), 1.0, np.random.default_rng(0)), "dropout_mask"),
        (lambda: dropout_mask((2, 3), -0.1, np.random.default_rng(0)), "dropout_mask"),
        (lambda: dropout_mask((2, 3), 0.5, 0), "dropout_mask: expected rng"),
        (lambda: dropout_mask((2, 0), 0.5, np.random.default_rng(0)), "dropout_mask"),
        (lambda: dropout_mask("23", 0.5, np.random.default_rng(0)), "dropout_mask"),
        (lambda: dropout_forward(np.ones((2, 3)), np.ones((3, 2))), "dropout_forward"),
        (lambda: dropout_forward(np.ones((2, 3)), np.ones(3)), "dropout_forward"),
        (lambda: dropout_backward(np.ones((2, 3)), np.ones((2, 2))), "dropout_backward"),
        (lambda: dropout_backward("d", np.ones((2, 3))), "dropout_backward"),
        (lambda: ops.conv2d_forward(np.ones((1, 3, 3)), np.ones((2, 2, 1, 1))), "conv2d_forward"),
        (lambda: ops.max_pool2d_forward(np.ones((1, 3, 3))), "max_pool2d_forward"),
    ],
)
def test_argument_errors_name_the_function(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


@pytest.mark.parametrize(
    "dtype, scale", [(np.float64, 1e150), (np.float64, 1e100), (np.float32, 1e30), (np.float16, 1)]
)
def test_batchnorm_large_finite_inputs_are_normalised(dtype, scale):
    rng = np.random.default_rng(0)
    if dtype == np.float16:
        x = (rng.normal(300, 30, (64, 3))).astype(np.float16)
    elif scale == 1e100:
        x = rng.normal(size=(64, 3)) * scale + 1.7e308  # the sums overflow
        x64 = x / 1e308
        out, cache = norm.batchnorm_forward(x, None, None)
        np.testing.assert_allclose(cache.mean / 1e308, x64.mean(axis=0))
        np.testing.assert_allclose(out, (x - cache.mean) / np.sqrt(cache.var + 1e-3), atol=1e-6)
        return
    else:
        x = (rng.normal(size=(64, 3)) * scale + 2 * scale).astype(dtype)
    out, cache = norm.batchnorm_forward(x, None, None)
    x64 = x.astype(np.float64) / scale
    expected = (x64 - x64.mean(axis=0)) / np.sqrt(x64.var(axis=0) + 1e-3 / scale**2)
    np.testing.assert_allclose(out, expected, atol=2e-3 if dtype == np.float16 else 1e-6)
    np.testing.assert_allclose(cache.mean / scale, x64.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(cache.var / scale**2, x64.var(axis=0), rtol=1e-5, atol=1e-12)
    assert np.isfinite(cache.var).all()


def test_batchnorm_refuses_a_variance_beyond_float64():
    x = np.random.default_rng(0).normal(size=(8, 2)) * 1e200
    with pytest.raises(ValueError, match="batchnorm_forward: the batch variance"):
        norm.batchnorm_forward(x, None, None)


_P, _Y = np.array([[0.2], [0.9]]), np.array([[0.0], [1.0]])


@pytest.mark.parametrize(
    ("eps", "error"),
    [
        (0.0, ValueError),
        (-1e-7, ValueError),
        (0.5, ValueError),
        (2.0, ValueError),
        (np.nan, ValueError),
        ("1e-7", TypeError),
        (None, TypeError),
    ],
    ids=["zero", "negative", "half", "two", "nan", "string", "None"],
)
@pytest.mark.parametrize(
    ("name", "y"),
    [("binary_crossentropy_forward", _Y), ("categorical_crossentropy_forward", np.eye(2))],
)
def test_probability_losses_refuse_a_bad_eps(name, y, eps, error):
    probs = _P if y is _Y else np.array([[0.3, 0.7], [0.6, 0.4]])
    with pytest.raises(error, match=name.removesuffix("_forward")):
        getattr(loss_ops, name)(probs, y, eps=eps)


def test_log_softmax_refuses_axis_out_of_range():
    with pytest.raises(ValueError, match="log_softmax: expected axis"):
        ops.log_softmax(np.ones((2, 3)), axis=2)


def _loss_caches():
    z, y = np.array([[0.5, -1.0], [2.0, 0.1]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    return {
        "binary_crossentropy_backward": loss_ops.binary_crossentropy_forward(_P, _Y)[1],
        "binary_crossentropy_with_logits_backward": (
            loss_ops.binary_crossentropy_with_logits_forward(_P, _Y)[1]
        ),
        "categorical_crossentropy_backward": loss_ops.categorical_crossentropy_forward(
            loss_ops.softmax(z), y
        )[1],
        "softmax_crossentropy_backward": loss_ops.softmax_crossentropy_forward(z, y)[1],
        "sparse_softmax_crossentropy_backward": (
            loss_ops.sparse_softmax_crossentropy_forward(z, np.array([1, 0]))[1]
        ),
        "mse_backward": loss_ops.mse_forward(_P, _Y)[1],
    }


@pytest.mark.parametrize(
    ("dout", "error"),
    [
        (np.nan, ValueError),
        (np.inf, ValueError),
        ("1.0", TypeError),
        (None, TypeError),
        (True, TypeError),
    ],
    ids=["nan", "inf", "string", "None", "bool"],
)
@pytest.mark.parametrize("name", list(_loss_caches()))
def test_loss_backward_refuses_a_bad_dout(name, dout, error):
    cache = _loss_caches()[name]
    with pytest.raises(error, match=name):
        getattr(loss_ops, name)(cache, dout)
    assert np.isfinite(getattr(loss_ops, name)(cache, np.float32(2.0))).all()


@pytest.mark.parametrize(
    "input_shape, kernel_shape",
    [
        (None, (3, 3, 3, 2)),
        ((2, 8, 8, 3), None),
        ((8, 8, 3), (3, 3, 3, 2)),
        ((2, 8, 8, 3), (3, 3, 3)),
        ((2, 8, 8, 3), (3, 3, 4, 2)),
        ((2, 0, 8, 3), (3, 3, 3, 2)),
        ((2, 8, 8, 3), (3, -1, 3, 2)),
        ((2, 8.0, 8, 3), (3, 3, 3, 2)),
        ((2, 8, 8, 3), (3, 3, 3, "2")),
        ("2883", (3, 3, 3, 2)),
    ],
)
def test_conv_output_shape_refuses_bad_shapes(input_shape, kernel_shape):
    with pytest.raises((TypeError, ValueError), match="conv_output_shape: expected"):
        ops.conv_output_shape(input_shape, kernel_shape)


@pytest.mark.parametrize("budget", [0, -1, 1.5, "1", True])
@pytest.mark.parametrize(
    "name, call",
    [
        (
            "conv2d_forward",
            lambda m: ops.conv2d_forward(_x4(), np.ones((2, 2, 3, 2)), max_buffer_bytes=m),
        ),
        (
            "conv2d_transpose_forward",
            lambda m: ops.conv2d_transpose_forward(
                _x4(), np.ones((2, 2, 2, 3)), max_buffer_bytes=m
            ),
        ),
    ],
)
def test_max_buffer_bytes_must_be_a_positive_int(name, call, budget):
    with pytest.raises((TypeError, ValueError), match=f"{name}: expected max_buffer_bytes"):
        call(budget)


@pytest.mark.parametrize(
    "layers, input_size",
    [
        (None, None),
        (3, None),
        ("331", None),
        ([(0, 1, 1)], None),
        ([(3, 0, 1)], None),
        ([(3, 1, 0)], None),
        ([(3, 1, -2)], None),
        ([((3, 5), 1, 1)], None),
        ([(3.0, 1, 1)], None),
        ([(3, 1, 1, "full")], None),
        ([(3, 1, 1, -1)], None),
        ([(3, 1, 1, None)], None),
        ([(3, 1, 1, "full")], 8),
        ([(3, 1, 1)], 0),
        ([(3, 1, 1)], -4),
        ([(3, 1, 1)], 8.0),
        ([(3, 1, 1)], "8"),
    ],
)
def test_receptive_field_refuses_bad_layers_and_input_size(layers, input_size):
    with pytest.raises((TypeError, ValueError), match="receptive_field: expected"):
        ops.receptive_field(layers, input_size)


def test_receptive_field_still_takes_known_paddings():
    rows = ops.receptive_field([(3, 1, 1, "same"), (3, 2, 1, 1), (3, 1, 1, "VALID")], 8)
    assert [r["output_size"] for r in rows] == [8, 4, 2]
