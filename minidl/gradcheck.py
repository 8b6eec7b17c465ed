"""Gradient checking: compare a hand-written backward pass with centred finite differences.

For a scalar function f, the centred difference

    df/dx_i  ~  (f(x + h e_i) - f(x - h e_i)) / (2 h)

has error O(h^2) from truncation plus about eps * |f| / h from rounding; with float64
(eps = 2.2e-16) and h = 1e-6 both are near 1e-10, far below the size of a wrong gradient. With
float32 (eps = 1.2e-7) the rounding term alone is about 0.1, so float32 inputs are refused.

A layer's output is an array, not a scalar; projecting it on an upstream gradient dy,
f(x) = sum(layer(x) * dy), gives a scalar whose gradient is exactly what backward(dy) returns.

The gate (both must hold, for each gradient):
    scaled error   max|a - n| / max(max|a|, max|n|, noise / 1e-6)  <= 1e-6
    element-wise   |a - n| <= 1e-5 + 1e-3 |n|          (as numpy.allclose(a, n, rtol=1e-3, atol=1e-5))
where ``noise = 10 * eps * max|f| / h`` bounds the rounding error of the centred difference
itself. Without that floor a correct layer whose gradients are all tiny (a saturated sigmoid,
gradient ~1e-13) would fail: its finite difference is pure rounding noise, and a difference
smaller than the noise is no evidence of a bug. Gradients well above the noise are judged by
their own size, so a 1% error is caught wherever it can be measured at all.
CS231n's element-wise ``rel_error`` is reported too, but not gated on: it blows up wherever a
gradient entry is near zero, which is common (dead ReLUs) and harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import losses
from ._checks import (
    ArgumentTypeError,
    as_float_array,
    check_number,
    is_real,
    received,
    values_unchecked,
)
from .layers.base import Layer

__all__ = [
    "SCALED_TOL",
    "GradCheckReport",
    "GradientCheck",
    "check_gradients",
    "check_layer",
    "check_loss",
    "numerical_gradient",
    "numerical_gradient_array",
    "rel_error",
]

SCALED_TOL = 1e-6
ATOL, RTOL = 1e-5, 1e-3


def _require_float64(x: np.ndarray, name: str, where: str) -> None:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{where}: expected {name} as a NumPy array, received {type(x).__name__}")
    if x.dtype != np.float64:
        reason = (
            "A centred difference loses about eps*|f|/h to rounding: ~1e-10 in float64 but ~0.1 "
            "in float32, too few digits to check anything"
            if x.dtype.kind == "f"
            else "An integer array cannot hold x + h for a small step h"
        )
        raise TypeError(
            f"{where}: expected {name} in float64, received {x.dtype}. {reason}; "
            f"use x.astype(np.float64)"
        )


def _check_h(h: object, where: str) -> float:
    return check_number(h, "h", where, 0, open_low=True, expected="a step h > 0 (such as 1e-6)")


def _check_callable(f: object, what: str, where: str) -> None:
    if not callable(f):
        raise ArgumentTypeError(f"{where}: expected f as a callable {what}, received {received(f)}")


def _scalar(value: object, where: str) -> float:
    """What f returned, as a float: a real number, or an array holding exactly one."""
    if is_real(value):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu":
        return float(value.item())
    shown = (
        f"an array of shape {value.shape} and dtype {value.dtype}"
        if isinstance(value, np.ndarray)
        else received(value)
    )
    raise ArgumentTypeError(f"{where}: expected f to return a scalar (a float), received {shown}")


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Centred-difference gradient of a scalar function ``f`` at ``x``.

    ``x`` itself is not modified: the perturbations are made on a copy.

    Raises:
        ArgumentTypeError: f is not callable, or returns something other than one number.
        TypeError: x is not a float64 array.
        ValueError: h is not a number > 0.
    """
    where = "numerical_gradient"
    _check_callable(f, "taking x and returning a float", where)
    _require_float64(x, "x", where)
    h = _check_h(h, where)
    x = x.copy()
    return _centred_differences(lambda: f(x), x, h, where)[0]


def _centred_differences(
    f: Callable[[], float], arr: np.ndarray, h: float, where: str
) -> tuple[np.ndarray, float]:
    """Perturb ``arr`` in place one entry at a time, restoring each entry bit for bit.

    Returns the numerical gradient and its rounding noise, ``10 * eps * max|f| / h``.
    """
    grad = np.zeros_like(arr)
    f_max = 0.0
    for i in np.ndindex(arr.shape):
        orig = arr[i]
        arr[i] = orig + h
        f_plus = _scalar(f(), where)
        arr[i] = orig - h
        f_minus = _scalar(f(), where)
        arr[i] = orig
        grad[i] = (f_plus - f_minus) / (2 * h)
        f_max = max(f_max, abs(f_plus), abs(f_minus))
    return grad, 10 * np.finfo(np.float64).eps * f_max / h


def numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Centred-difference gradient of ``sum(f(x) * dout)``: the vector-Jacobian product that an
    array function's backward pass returns for upstream gradient ``dout``.

    Raises:
        ValueError: f(x) and dout differ in shape (they would broadcast to a wrong sum).
    """
    where = "numerical_gradient_array"
    _check_callable(f, "taking x and returning an array", where)
    _require_float64(x, "x", where)
    h = _check_h(h, where)
    dout = as_float_array(dout, "dout", where, allow_empty=True)

    def projected(z: np.ndarray) -> float:
        y = f(z)
        if np.shape(y) != dout.shape:
            raise ValueError(
                f"{where}: expected f(x) and dout of the same shape, received f(x) of shape "
                f"{np.shape(y)} and dout of shape {dout.shape}"
            )
        return np.sum(y * dout)

    return numerical_gradient(projected, x, h)


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """CS231n's relative error, ``max |a - b| / max(1e-8, |a| + |b|)`` (reported, not gated)."""
    with values_unchecked():  # NaN gives a NaN error, as it should
        a = as_float_array(a, "a", "rel_error", allow_empty=True)
        b = as_float_array(b, "b", "rel_error", allow_empty=True)
    if a.shape != b.shape:
        raise ValueError(
            f"rel_error: expected a and b of the same shape, received {a.shape} and {b.shape}"
        )
    a, b = a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


@dataclass(frozen=True)
class GradientCheck:
    """The comparison of one analytic gradient with its numerical estimate."""

    name: str
    shape: tuple
    scaled_error: float
    max_abs_error: float
    rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    passed: bool

    @classmethod
    def compare(
        cls, name: str, analytic: np.ndarray, numeric: np.ndarray, noise: float = 0.0
    ) -> GradientCheck:
        """Compare two gradients; ``noise`` is the numerical gradient's rounding noise."""
        if analytic is None or np.shape(analytic) != np.shape(numeric):
            got = None if analytic is None else np.shape(analytic)
            raise ValueError(
                f"gradient check '{name}': expected an analytic gradient of shape "
                f"{np.shape(numeric)}, received {got}"
            )
        a = np.asarray(analytic, dtype=np.float64)
        n = np.asarray(numeric, dtype=np.float64)
        diff = np.abs(a - n)
        if a.size == 0:
            return cls(name, a.shape, 0.0, 0.0, 0.0, (), 0.0, 0.0, True)
        finite = bool(np.isfinite(a).all() and np.isfinite(n).all())
        if not finite:  # NaN compares as nothing; make the worst entry the first non-finite one
            diff = np.where(np.isfinite(diff), diff, np.inf)
        worst = np.unravel_index(int(np.argmax(diff)), a.shape)
        scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(n))), noise / SCALED_TOL)
        if not finite:
            scaled = float("inf")
        else:
            scaled = float(diff[worst] / scale) if scale > 0 else 0.0
        elementwise = bool(np.all(diff <= ATOL + RTOL * np.abs(n)))
        return cls(
            name=name,
            shape=a.shape,
            scaled_error=scaled,
            max_abs_error=float(diff[worst]),
            rel_error=rel_error(a, n),
            worst_index=tuple(int(i) for i in worst),
            analytic=float(a[worst]),
            numeric=float(n[worst]),
            passed=finite and scaled <= SCALED_TOL and elementwise,
        )


class GradCheckReport:
    """All the gradient checks of one call; ``report.passed`` is True when every one passed.

    ``print(report)`` (or the report as the last line of a notebook cell) shows a table: for each
    gradient, the scaled error, the worst entry and the analytic and numerical values there.
    """

    def __init__(self, title: str, checks: list[GradientCheck]) -> None:
        self.title = title
        self.checks = list(checks)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, name: str) -> GradientCheck:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no gradient named {name!r}; have {[c.name for c in self.checks]}")

    def raise_if_failed(self) -> GradCheckReport:
        """Raise AssertionError with the table when any gradient failed; return self otherwise."""
        if not self.passed:
            raise AssertionError(str(self))
        return self

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"Gradient check: {self.title} -- {verdict} "
            f"(gate: scaled error <= {SCALED_TOL:g} and |a-n| <= {ATOL:g} + {RTOL:g}|n|)",
            f"  {'gradient':<12} {'shape':<16} {'scaled err':>10} {'rel err':>10} "
            f"{'worst at':<14} {'analytic':>13} {'numeric':>13}  result",
        ]
        for c in self.checks:
            lines.append(
                f"  {c.name:<12} {c.shape!s:<16} {c.scaled_error:>10.2e} {c.rel_error:>10.2e} "
                f"{c.worst_index!s:<14} {c.analytic:>13.6e} {c.numeric:>13.6e}  "
                f"{'ok' if c.passed else 'FAIL'}"
            )
        return "\n".join(lines)

    __repr__ = __str__


def check_gradients(
    f: Callable[[], float],
    arrays: dict[str, np.ndarray],
    analytic: dict[str, np.ndarray],
    title: str = "function",
    h: float = 1e-6,
) -> GradCheckReport:
    """Check ``analytic[k]`` against the numerical gradient of ``f()`` with respect to ``arrays[k]``.

    ``f`` takes no arguments and reads the arrays, which are perturbed in place one entry at a
    time and restored exactly, bit for bit, afterwards. This is the engine behind ``check_layer``
    and ``check_loss``; use it directly for anything else with named inputs.

    Raises:
        ArgumentTypeError: f is not callable, or arrays or analytic is not a dict.
        ValueError: arrays is empty (there would be nothing to check), or h is not a number > 0.
    """
    where = f"check_gradients ({title})"
    if not callable(f):
        raise ArgumentTypeError(
            f"{where}: expected f as a callable taking no arguments, received {received(f)}"
        )
    for name, value in (("arrays", arrays), ("analytic", analytic)):
        if not isinstance(value, dict):
            raise ArgumentTypeError(
                f"{where}: expected {name} as a dict of named arrays, received {received(value)}"
            )
    if not arrays:
        raise ValueError(
            f"{where}: expected arrays with at least one named array to check, received an "
            "empty dict"
        )
    h = _check_h(h, where)
    checks = []
    for name, arr in arrays.items():
        _require_float64(arr, name, where)
        numeric, noise = _centred_differences(f, arr, h, where)
        checks.append(GradientCheck.compare(name, analytic.get(name), numeric, noise))
    return GradCheckReport(title, checks)


def check_layer(
    layer,
    x: np.ndarray,
    dy: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
    h: float = 1e-6,
    training: bool = False,
) -> GradCheckReport:
    """Check a layer's ``backward`` against finite differences, for dx and every parameter.

    Args:
        layer: any object following the layer protocol (built on first use).
        x: a float64 input batch; it is copied, never modified.
        dy: the upstream gradient; default a standard normal draw from ``rng``.
        rng: generator for dy (default ``np.random.default_rng(0)``).
        h: finite-difference step (default 1e-6).
        training: passed to forward (default False).

    Returns:
        A ``GradCheckReport`` with one row for 'x' and one per parameter.

    Raises:
        ArgumentTypeError: layer is not a Layer.
        TypeError: x or a parameter is not float64.
        ValueError: h is not a number > 0.
    """
    if not isinstance(layer, Layer) and not all(
        hasattr(layer, a) for a in ("forward", "backward", "params", "grads")
    ):
        raise ArgumentTypeError(
            f"check_layer: expected layer as a Layer (such as Dense(3)), received {received(layer)}"
        )
    where = f"check_layer ({getattr(layer, 'name', type(layer).__name__)})"
    _require_float64(x, "x", where)
    h = _check_h(h, where)
    x = x.copy()
    y = layer.forward(x, training=training)
    for key, p in layer.params.items():
        _require_float64(p, f"parameter '{key}'", where)
    if dy is None:
        dy = (rng if rng is not None else np.random.default_rng(0)).standard_normal(y.shape)
    dx = layer.backward(dy)
    analytic = {"x": dx, **{k: g.copy() for k, g in layer.grads.items()}}

    def f() -> float:
        return float(np.sum(layer.forward(x, training=training) * dy))

    report = check_gradients(f, {"x": x, **layer.params}, analytic, title=where, h=h)
    layer.forward(x, training=training)  # leave the cache and grads as the caller's call made them
    layer.backward(dy)
    return report


def check_loss(loss, y_true: np.ndarray, y_pred: np.ndarray, h: float = 1e-6) -> GradCheckReport:
    """Check a loss object's ``backward`` (dL/dy_pred) against finite differences.

    ``loss`` is a ``minidl.losses.Loss`` (or a name such as 'binary_crossentropy').
    """
    if not isinstance(loss, (losses.Loss, str)):
        raise ArgumentTypeError(
            "check_loss: expected loss as a minidl.losses.Loss or a loss name such as "
            f"'binary_crossentropy', received {received(loss)}"
        )
    loss = losses.get(loss)
    where = f"check_loss ({type(loss).__name__})"
    _require_float64(y_pred, "y_pred", where)
    h = _check_h(h, where)
    y_pred = y_pred.copy()
    loss(y_true, y_pred)
    analytic = {"y_pred": loss.backward()}
    report = check_gradients(lambda: loss(y_true, y_pred), {"y_pred": y_pred}, analytic, where, h)
    loss(y_true, y_pred)
    return report
