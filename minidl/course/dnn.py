"""The course's deep neural network assignment, function by function, on minidl's core.

Names, signatures, caches and printed output follow the course ("Neural Networks and Deep
Learning", week 4: "Building your Deep Neural Network: Step by Step" and "Deep Neural Network -
Application"), so an instructor can compare a run with the course's published outputs digit for
digit, and a student can swap any function for their own.

Layout. The course stores one example per *column*: X (n_x, m), A[l] (n_l, m), W[l]
(n_l, n_{l-1}), b[l] (n_l, 1), Y (1, m). The rest of minidl is batch-first (one example per row),
so each function below transposes on the way into ``minidl.ops`` and back. Transposing a NumPy
array is free (a view): BLAS receives the same memory with a transpose flag, and on the course's
data the loops run as fast as the same loop in PyTorch (benchmarks/bench_course.py).

Conventions kept exactly, because they decide the digits:
    - two_layer_model and L_layer_model call ``np.random.seed(1)`` first and draw from NumPy's
      global generator: W1 = randn(n_h, n_x) * 0.01, b1 = 0, W2 = randn(n_y, n_h) * 0.01, b2 = 0
      (two-layer), W[l] = randn(n_l, n_{l-1}) / sqrt(n_{l-1}), b[l] = 0 (L-layer);
    - the cost is the mean binary cross-entropy; backpropagation starts from
      dAL = -(Y/AL - (1-Y)/(1-AL)) and the 1/m appears in dW and db, not in dA;
    - ``costs`` holds the cost of iterations 0, 100, 200, ..., computed before that iteration's
      update.

One deliberate difference: the course's ``if print_cost and i % 100 == 0 or i == num_iterations - 1``
also prints the last iteration's cost when print_cost is False (``and`` binds tighter than
``or``); here ``print_cost=False`` prints nothing.

Cache layouts (as the course's tests build them):
    linear_forward            cache = (A_prev, W, b)
    linear_activation_forward cache = (linear_cache, Z)
    L_model_forward           caches = [cache of layer 1, ..., cache of layer L]
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import init, plot
from .._checks import as_float_array, check_binary_labels, check_int, is_real, values_unchecked
from ..data.catvnoncat import load_catvnoncat
from ..data.images import load_rgb
from ..ops import activations as act
from ..ops import losses
from ..ops.dense import dense_backward, dense_forward

__all__ = [
    "L_layer_model",
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "load_data",
    "plot_costs",
    "predict",
    "predict_image",
    "print_mislabeled_images",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "two_layer_model",
    "update_parameters",
]


def load_data(data_dir: str | os.PathLike | None = None):
    """The course's ``load_data()``: see ``minidl.data.load_catvnoncat``."""
    return load_catvnoncat(data_dir)


def _global_rng() -> np.random.RandomState:
    # np.random.seed and np.random.randn act on this legacy generator; drawing from it directly
    # gives the course's numbers while the initializers keep their explicit-generator signature.
    return np.random.mtrand._rand


def _check_dims(dims, where: str) -> list[int]:
    try:
        out = [int(d) for d in dims]
    except (TypeError, ValueError):
        raise TypeError(f"{where}: expected a list of layer sizes, received {dims!r}") from None
    if any(d < 1 or d != dd for d, dd in zip(out, dims, strict=True)):
        raise ValueError(f"{where}: expected positive integer layer sizes, received {list(dims)}")
    return out


# -- activations with the course's (A, cache=Z) convention ------------------------------------------
def _dA_and_Z(dA: object, cache: object, where: str) -> tuple[np.ndarray, np.ndarray]:
    """dA and the cached Z as arrays of one shape: dA (1, 6) against Z (6, 1) would otherwise
    broadcast to a (6, 6) dZ, the wrong size for every later step."""
    Z = as_float_array(cache, "cache (Z)", where)
    dA = as_float_array(dA, "dA", where)
    if dA.shape != Z.shape:
        raise ValueError(
            f"{where}: expected dA with the shape of Z (the cache) {Z.shape}, received dA {dA.shape}"
        )
    return dA, Z


def sigmoid(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(A, Z)``: the sigmoid of Z and Z itself as the cache."""
    Z = as_float_array(Z, "Z", "sigmoid")
    return act.sigmoid(Z), Z


def relu(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(A, Z)``: max(Z, 0) and Z itself as the cache."""
    Z = as_float_array(Z, "Z", "relu")
    A, _ = act.relu_forward(Z)
    return A, Z


def relu_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """``dZ = dA * (Z > 0)``."""
    dA, Z = _dA_and_Z(dA, cache, "relu_backward")
    return act.relu_backward(dA, Z)


def sigmoid_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    """``dZ = dA * s * (1 - s)`` with s = sigmoid(Z); the course caches Z, so s is recomputed."""
    dA, Z = _dA_and_Z(dA, cache, "sigmoid_backward")
    return act.sigmoid_backward(dA, act.sigmoid(Z))


_ACTIVATIONS = {"relu": (relu, relu_backward), "sigmoid": (sigmoid, sigmoid_backward)}


def _activation(name: str, where: str):
    if name not in _ACTIVATIONS:
        raise ValueError(f"{where}: expected activation 'relu' or 'sigmoid', received {name!r}")
    return _ACTIVATIONS[name]


# -- initialization --------------------------------------------------------------------------------
def initialize_parameters(n_x: int, n_h: int, n_y: int) -> dict[str, np.ndarray]:
    """Two-layer parameters: W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).

    Weights are ``randn * 0.01`` from NumPy's global generator, drawn W1 then W2; seed it first
    (``np.random.seed(1)``) to reproduce the course.
    """
    n_x, n_h, n_y = _check_dims((n_x, n_h, n_y), "initialize_parameters")
    rng = _global_rng()
    W1 = init.scaled_normal((n_h, n_x), rng, scale=0.01)
    W2 = init.scaled_normal((n_y, n_h), rng, scale=0.01)
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


def initialize_parameters_deep(layer_dims) -> dict[str, np.ndarray]:
    """L-layer parameters for sizes [n_0, n_1, ..., n_L]: W[l] = randn(n_l, n_{l-1}) / sqrt(n_{l-1}),
    b[l] = zeros((n_l, 1)), drawn from NumPy's global generator in order l = 1..L."""
    dims = _check_dims(layer_dims, "initialize_parameters_deep")
    if len(dims) < 2:
        raise ValueError(
            f"initialize_parameters_deep: expected at least [n_x, n_y], received {list(layer_dims)}"
        )
    rng = _global_rng()
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = init.normal_fan_in((dims[l], dims[l - 1]), rng, fan_in=dims[l - 1])
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


# -- forward ---------------------------------------------------------------------------------------
def _explain_nonfinite(where: str, **arrays: np.ndarray) -> ValueError:
    for name, arr in arrays.items():
        if not np.isfinite(arr).all():
            return ValueError(
                f"{where}: {name} contains NaN or infinite values; expected finite numbers"
            )
    return ValueError(f"{where}: the result overflowed (values too large); check the inputs' scale")


def _matrix(x: object, name: str, where: str) -> np.ndarray:
    """A 2-D float array, cheaply: float matrices pass untouched (finiteness is checked on the
    small output instead of on every entry of a large input)."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f" and x.ndim == 2:
        return x
    return as_float_array(x, name, where, ndim=2, allow_empty=True)


def _finite_matrix(x: object, name: str, where: str) -> np.ndarray:
    """A 2-D float array with finite entries (for gradients, which are small: checked in full)."""
    x = _matrix(x, name, where)
    if not np.isfinite(x).all():
        raise ValueError(
            f"{where}: {name} contains NaN or infinite values; expected finite numbers"
        )
    return x


def _unpack(cache: object, n: int, where: str, layout: str) -> tuple:
    if not isinstance(cache, (tuple, list)) or len(cache) != n:
        raise ValueError(
            f"{where}: expected the cache {layout} that the forward function returned, "
            f"received {type(cache).__name__} {cache!r:.80}"
        )
    return cache


def linear_forward(A: np.ndarray, W: np.ndarray, b: np.ndarray):
    """``Z = W A + b``; returns ``(Z, cache)`` with cache ``(A, W, b)``.

    Shape: A (n_prev, m), W (n, n_prev), b (n, 1) -> Z (n, m).
    """
    where = "linear_forward"
    A, W, b = _matrix(A, "A", where), _matrix(W, "W", where), _matrix(b, "b", where)
    if W.shape[1] != A.shape[0]:
        raise ValueError(
            f"{where}: expected W (n, n_prev) and A (n_prev, m) with W's columns equal to A's rows, "
            f"received W {W.shape} and A {A.shape}"
        )
    if b.shape != (W.shape[0], 1):
        raise ValueError(f"{where}: expected b of shape ({W.shape[0]}, 1), received {b.shape}")
    if A.shape[1] == 0:
        raise ValueError(f"{where}: A holds no examples (shape {A.shape}); expected m >= 1 columns")
    # Batch-first core on transposed views: (A^T W^T + b^T)^T = W A + b. Non-finite values are
    # reported below, by name, rather than as NumPy warnings on stderr.
    with np.errstate(all="ignore"), values_unchecked():
        Z_rows, _ = dense_forward(A.T, W.T, b[:, 0])
    Z = Z_rows.T
    if not np.isfinite(Z).all():  # checking the small output finds NaN in the large input too
        raise _explain_nonfinite(where, A=A, W=W, b=b)
    return Z, (A, W, b)


def linear_activation_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str):
    """``A = g(W A_prev + b)`` for g = 'relu' or 'sigmoid'; cache = (linear_cache, Z)."""
    forward, _ = _activation(activation, "linear_activation_forward")
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = forward(Z)
    return A, (linear_cache, activation_cache)


def _num_layers(parameters: dict, where: str) -> int:
    if not isinstance(parameters, dict) or not parameters:
        raise TypeError(
            f"{where}: expected parameters as a dict {{'W1': ..., 'b1': ...}}, received {type(parameters).__name__}"
        )
    L = len(parameters) // 2
    missing = [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}") if k not in parameters]
    if missing or len(parameters) != 2 * L:
        raise ValueError(
            f"{where}: expected keys W1, b1, ..., WL, bL, received {sorted(parameters)}"
        )
    return L


def L_model_forward(X: np.ndarray, parameters: dict):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID; returns ``(AL, caches)``."""
    L = _num_layers(parameters, "L_model_forward")
    caches = []
    A = X
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
    caches.append(cache)
    return AL, caches


# -- cost ------------------------------------------------------------------------------------------
def _check_AL_Y(AL: np.ndarray, Y: np.ndarray, where: str) -> None:
    if AL.ndim != 2 or AL.shape[0] != 1 or Y.shape != AL.shape:
        raise ValueError(
            f"{where}: expected AL and Y both of shape (1, m), received AL {AL.shape} and Y {Y.shape}"
        )
    check_binary_labels(Y, "Y (labels)", where)


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """Cross-entropy cost ``-1/m * sum(Y log AL + (1 - Y) log(1 - AL))``.

    Probabilities are clipped to [1e-7, 1 - 1e-7] (see ``minidl.ops.losses``), so a saturated
    sigmoid gives a large finite cost rather than inf and a warning.
    """
    where = "compute_cost"
    AL = as_float_array(AL, "AL", where)
    Y = as_float_array(Y, "Y", where)
    _check_AL_Y(AL, Y, where)
    cost, _ = losses.binary_crossentropy_forward(AL, Y)
    return cost


# -- backward --------------------------------------------------------------------------------------
def linear_backward(dZ: np.ndarray, cache: tuple):
    """Gradients of ``Z = W A_prev + b``: returns ``(dA_prev, dW, db)``.

    ``dW = 1/m dZ A_prev^T``, ``db = 1/m sum(dZ, axis=1)``, ``dA_prev = W^T dZ``.
    """
    A_prev, W, _ = _unpack(cache, 3, "linear_backward", "(A_prev, W, b)")
    dZ = _finite_matrix(dZ, "dZ", "linear_backward")
    if dZ.shape != (W.shape[0], A_prev.shape[1]):
        raise ValueError(
            f"linear_backward: expected dZ of shape {(W.shape[0], A_prev.shape[1])} (that of Z), "
            f"received {dZ.shape}"
        )
    m = A_prev.shape[1]
    with values_unchecked():  # dZ was checked above; A_prev and W by the forward pass
        dx, dW_rows, db_rows = dense_backward(dZ.T, (A_prev.T, W.T, True))
    return dx.T, 1.0 / m * dW_rows.T, 1.0 / m * db_rows[:, None]


def linear_activation_backward(dA: np.ndarray, cache: tuple, activation: str):
    """Backward through g then the linear step; returns ``(dA_prev, dW, db)``."""
    where = "linear_activation_backward"
    _, backward = _activation(activation, where)
    linear_cache, activation_cache = _unpack(cache, 2, where, "(linear_cache, Z)")
    dA = _finite_matrix(dA, "dA", where)
    if dA.shape != activation_cache.shape:
        raise ValueError(
            f"linear_activation_backward: expected dA of shape {activation_cache.shape} (that of A), "
            f"received {dA.shape}"
        )
    dZ = backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL: np.ndarray, Y: np.ndarray, caches: list) -> dict[str, np.ndarray]:
    """Backpropagation through the whole network; returns grads with keys dA{l-1}, dW{l}, db{l}."""
    where = "L_model_backward"
    AL = as_float_array(AL, "AL", where)
    Y = as_float_array(Y, "Y", where)
    Y = Y.reshape(AL.shape) if Y.size == AL.size else Y
    _check_AL_Y(AL, Y, where)
    if not isinstance(caches, (list, tuple)) or not caches:
        raise ValueError(
            f"{where}: expected caches as the non-empty list L_model_forward returns, received {caches!r:.80}"
        )
    grads = {}
    L = len(caches)
    dAL = _initial_gradient(AL, Y, where)
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = linear_activation_backward(
        dAL, caches[L - 1], "sigmoid"
    )
    for l in reversed(range(L - 1)):
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = linear_activation_backward(
            grads[f"dA{l + 1}"], caches[l], "relu"
        )
    return grads


def _check_not_saturated(AL: np.ndarray, where: str) -> None:
    """Refuse sigmoid outputs of exactly 0 or 1 (in float64, once |Z| > ~37), where the course's
    dAL = -(Y/AL - (1-Y)/(1-AL)) divides by zero and every gradient would become NaN."""
    if not ((AL > 0) & (AL < 1)).all():
        raise ValueError(
            f"{where}: the network saturated: some sigmoid outputs AL are exactly 0 or 1, so "
            f"dAL = -(Y/AL - (1-Y)/(1-AL)) divides by zero. Scale the inputs to [0, 1] "
            f"(e.g. X / 255.) or lower the learning rate."
        )


def _initial_gradient(AL: np.ndarray, Y: np.ndarray, where: str) -> np.ndarray:
    """The course's dAL = -(Y/AL - (1-Y)/(1-AL)), where the backward pass starts."""
    _check_not_saturated(AL, where)
    return losses.binary_crossentropy_grad(AL, Y)


def _check_learning_rate(learning_rate: object, where: str) -> None:
    if not (is_real(learning_rate) and np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"{where}: expected a positive learning_rate, received {learning_rate!r}")


def update_parameters(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """One gradient-descent step, ``W = W - learning_rate * dW``; returns a new dict (the input
    dict and its arrays are left as they were)."""
    _check_learning_rate(learning_rate, "update_parameters")
    L = _num_layers(parameters, "update_parameters")
    missing = [f"d{k}" for k in parameters if f"d{k}" not in grads]
    if missing:
        raise ValueError(f"update_parameters: grads lacks {missing}; received keys {sorted(grads)}")
    new = {}
    for l in range(1, L + 1):
        for k in (f"W{l}", f"b{l}"):
            with values_unchecked():  # NaN is refused below, with the likely cause
                grads_k = as_float_array(grads[f"d{k}"], f"d{k}", "update_parameters")
            if grads_k.shape != parameters[k].shape:
                raise ValueError(
                    f"update_parameters: expected d{k} of shape {parameters[k].shape}, "
                    f"received {grads_k.shape}"
                )
            if not np.isfinite(grads_k).all():
                raise ValueError(
                    f"update_parameters: d{k} contains NaN or infinite values; the step would "
                    f"destroy {k}. Expected finite gradients: a diverging cost usually means the "
                    f"learning_rate ({learning_rate!r}) is too large"
                )
            new[k] = parameters[k] - learning_rate * grads_k
    return new


# -- prediction ------------------------------------------------------------------------------------
def predict(X: np.ndarray, y: np.ndarray | None, parameters: dict) -> np.ndarray:
    """Predict 1 where the network's probability exceeds 0.5; print the accuracy when y is given.

    Returns:
        predictions of shape (1, m), as floats 0. and 1. (as the course returns them).
    """
    where = "predict"
    X = as_float_array(X, "X", where, ndim=2)
    m = X.shape[1]
    probas, _ = L_model_forward(X, parameters)
    p = (probas > 0.5).astype(np.float64)
    if y is not None:
        y = np.asarray(y)
        if y.shape != (1, m):
            raise ValueError(f"{where}: expected y of shape (1, {m}), received {y.shape}")
        print("Accuracy: " + str(np.sum((p == y) / m)))
    return p


def _check_model_args(X, Y, layers_dims, learning_rate, num_iterations, where: str):
    """Validate a model function's arguments once, before the loop; returns (X, Y, dims)."""
    X = as_float_array(X, "X", where, ndim=2)
    Y = as_float_array(Y, "Y", where, ndim=2)
    if Y.shape != (1, X.shape[1]):
        raise ValueError(
            f"{where}: expected Y of shape (1, m) with m = {X.shape[1]} (X's columns), received {Y.shape}"
        )
    check_binary_labels(Y, "Y (labels)", where)
    dims = _check_dims(layers_dims, where)
    if dims[0] != X.shape[0]:
        raise ValueError(
            f"{where}: layers_dims[0] = {dims[0]} but X has {X.shape[0]} rows (features)"
        )
    check_int(num_iterations, "num_iterations", where, 1, expected="a positive integer")
    _check_learning_rate(learning_rate, where)
    if dims[-1] != 1:
        raise ValueError(
            f"{where}: expected one output unit (layers_dims[-1] == 1, the probability of 'cat'), "
            f"received layers_dims {list(layers_dims)}"
        )
    return X, Y, dims


def _report(i: int, cost: float, num_iterations: int, print_cost: bool, costs: list) -> None:
    if print_cost and (i % 100 == 0 or i == num_iterations - 1):
        print(f"Cost after iteration {i}: {cost}")
    if i % 100 == 0:
        costs.append(cost)


def two_layer_model(
    X: np.ndarray,
    Y: np.ndarray,
    layers_dims,
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
):
    """LINEAR -> RELU -> LINEAR -> SIGMOID, trained by batch gradient descent.

    Args:
        X: inputs (n_x, m); Y: labels (1, m); layers_dims: (n_x, n_h, n_y).

    Returns:
        ``(parameters, costs)``; costs of iterations 0, 100, 200, ...
    """
    X, Y, dims = _check_model_args(
        X, Y, layers_dims, learning_rate, num_iterations, "two_layer_model"
    )
    if len(dims) != 3:
        raise ValueError(
            f"two_layer_model: expected layers_dims (n_x, n_h, n_y), received {layers_dims!r}"
        )
    n_x, n_h, n_y = dims
    np.random.seed(1)
    costs: list[float] = []
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
        A1, cache1 = linear_activation_forward(X, W1, b1, "relu")
        A2, cache2 = linear_activation_forward(A1, W2, b2, "sigmoid")
        cost = compute_cost(A2, Y)
        dA2 = _initial_gradient(A2, Y, "two_layer_model")
        dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
        _, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        parameters = update_parameters(parameters, grads, learning_rate)
        _report(i, cost, num_iterations, print_cost, costs)
    return parameters, costs


def L_layer_model(
    X: np.ndarray,
    Y: np.ndarray,
    layers_dims,
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID, trained by batch gradient descent.

    Args:
        X: inputs (n_x, m); Y: labels (1, m); layers_dims: [n_x, n_1, ..., n_L].

    Returns:
        ``(parameters, costs)``; costs of iterations 0, 100, 200, ...
    """
    X, Y, dims = _check_model_args(
        X, Y, layers_dims, learning_rate, num_iterations, "L_layer_model"
    )
    np.random.seed(1)
    costs: list[float] = []
    parameters = initialize_parameters_deep(dims)
    for i in range(num_iterations):
        AL, caches = L_model_forward(X, parameters)
        cost = compute_cost(AL, Y)
        _check_not_saturated(AL, "L_layer_model")  # so the error names the function you called
        grads = L_model_backward(AL, Y, caches)
        parameters = update_parameters(parameters, grads, learning_rate)
        _report(i, cost, num_iterations, print_cost, costs)
    return parameters, costs


# -- figures and your own images -------------------------------------------------------------------
def plot_costs(costs, learning_rate: float = 0.0075) -> None:
    """Plot the cost every hundred iterations (shown in a notebook; off when MINIDL_GRADER=1)."""
    if plot.plots_disabled():
        return
    plot.show(plot.cost_curve(costs, learning_rate))


def print_mislabeled_images(classes, X: np.ndarray, y: np.ndarray, p: np.ndarray) -> None:
    """Show every image whose prediction p differs from the label y, titled with both."""
    where = "print_mislabeled_images"
    X = as_float_array(X, "X", where, ndim=2)
    y, p = np.asarray(y), np.asarray(p)
    if y.shape != (1, X.shape[1]) or p.shape != y.shape:
        raise ValueError(
            f"{where}: expected y and p of shape (1, {X.shape[1]}) for X {X.shape}, "
            f"received y {y.shape} and p {p.shape}"
        )
    num_px = round(float(np.sqrt(X.shape[0] / 3)))
    if 3 * num_px * num_px != X.shape[0]:
        raise ValueError(f"{where}: expected X of shape (num_px*num_px*3, m), received {X.shape}")
    if plot.plots_disabled():
        return
    images = X.T.reshape(-1, num_px, num_px, 3)
    plot.show(plot.mislabeled_images(classes, images, np.ravel(y), np.ravel(p)))


def predict_image(path: str | os.PathLike, parameters: dict, num_px: int = 64) -> np.ndarray:
    """Classify your own picture: load any image file, resize to num_px x num_px RGB, predict.

    Returns:
        the prediction, shape (1, 1): 1. for cat, 0. for non-cat.

    Raises:
        FileNotFoundError: no such file. ValueError: the file is not an image.
    """
    where = "predict_image"
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{where}: expected path as a str or Path, received {type(path).__name__}")
    num_px = check_int(num_px, "num_px", where, 1, expected="a positive integer")
    _num_layers(parameters, where)
    n_x = parameters["W1"].shape[1]
    if n_x != num_px * num_px * 3:
        raise ValueError(
            f"{where}: the network takes {n_x} inputs, but num_px={num_px} gives "
            f"{num_px}*{num_px}*3 = {num_px * num_px * 3}; pass the num_px it was trained with"
        )
    image = load_rgb(Path(path), (num_px, num_px), where=where) / 255.0
    x = image.reshape((1, num_px * num_px * 3)).T
    return predict(x, None, parameters)
