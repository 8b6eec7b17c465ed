"""The contract every layer must meet, as one call you can run on your own layers too.

    report = check_layer_contract(lambda: Dense(3, activation="relu"), (4, 5))

builds a fresh layer, runs forward and backward on random float64 data and checks, in order:
    1. forward builds the layer and returns an array of ``output_shape(input_shape)``, also when
       the batch size is given as None;
    2. backward returns dx with the shape of x, and ``grads`` has exactly the keys of ``params``,
       each with its parameter's shape;
    3. neither forward nor backward modified its input (x and dy are compared with copies);
    4. ``get_config()`` rebuilds an equivalent layer: ``type(layer).from_config(config)`` gives
       the same output shape;
    5. the gradient check passes for dx and every parameter (see ``minidl.gradcheck``).
The first broken rule raises AssertionError with a message saying what was expected and what was
received; when all hold, the gradient report is returned.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .gradcheck import GradCheckReport, check_layer

__all__ = ["check_layer_contract"]


def _fail(layer, message: str) -> None:
    raise AssertionError(f"{type(layer).__name__} '{getattr(layer, 'name', '?')}': {message}")


def check_layer_contract(
    make_layer: Callable[[], object],
    input_shape: tuple[int, ...],
    rng: np.random.Generator | None = None,
    x: np.ndarray | None = None,
    h: float = 1e-6,
    training: bool = False,
) -> GradCheckReport:
    """Check the layer protocol and the gradients of a fresh layer from ``make_layer()``.

    Args:
        make_layer: a function returning a new, unbuilt layer.
        input_shape: the input shape, batch first, e.g. (4, 5).
        rng: generator for x and dy (default ``np.random.default_rng(0)``).
        x: the input to use instead of a standard normal draw (e.g. kept away from a kink).
        h: finite-difference step.
        training: run forward in training mode (BatchNormalization's batch statistics).

    Returns:
        The ``GradCheckReport`` of the gradient check (all passed).

    Raises:
        AssertionError: naming the first rule the layer breaks.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    layer = make_layer()
    x = rng.standard_normal(input_shape) if x is None else np.array(x, dtype=np.float64)
    x_before = x.copy()
    y = layer.forward(x, training=training)
    if not getattr(layer, "built", False):
        _fail(layer, "forward did not build the layer (layer.built is still False)")
    expected = tuple(layer.output_shape(tuple(input_shape)))
    if y.shape != expected:
        _fail(
            layer, f"output_shape{tuple(input_shape)} says {expected}, forward returned {y.shape}"
        )
    unknown_batch = tuple(layer.output_shape((None, *input_shape[1:])))
    if unknown_batch != (None, *y.shape[1:]):
        _fail(
            layer,
            f"output_shape with batch None gave {unknown_batch}, expected {(None, *y.shape[1:])}",
        )

    dy = rng.standard_normal(y.shape)
    dy_before = dy.copy()
    dx = layer.backward(dy)
    if np.shape(dx) != x.shape:
        _fail(
            layer, f"backward returned dx of shape {np.shape(dx)}, expected the input's {x.shape}"
        )
    if set(layer.grads) != set(layer.params):
        _fail(layer, f"grads has keys {sorted(layer.grads)}, params has {sorted(layer.params)}")
    for key, p in layer.params.items():
        if layer.grads[key].shape != p.shape:
            _fail(
                layer,
                f"grads['{key}'] has shape {layer.grads[key].shape}, params['{key}'] {p.shape}",
            )
    if not np.array_equal(x, x_before):
        _fail(layer, "forward or backward modified its input x")
    if not np.array_equal(dy, dy_before):
        _fail(layer, "backward modified its input dy")

    clone = type(layer).from_config(layer.get_config())
    clone_shape = tuple(clone.output_shape(tuple(input_shape)))
    if clone_shape != expected:
        _fail(
            layer,
            f"from_config(get_config()) gives output shape {clone_shape}, expected {expected}",
        )

    report = check_layer(layer, x, dy, h=h, training=training)
    if not report.passed:
        _fail(layer, f"gradient check failed\n{report}")
    return report
