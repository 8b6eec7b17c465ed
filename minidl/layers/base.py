"""The layer protocol every minidl layer follows.

A layer is a pair of functions with memory:

    build(input_shape)            create the parameters once the input size is known
    forward(x, training=False)    compute the output and keep what backward will need (the cache)
    backward(dy)                  given dL/dy, fill ``grads`` (dL/dparam) and return dL/dx
    output_shape(input_shape)     the output shape, without computing anything
    get_config()                  the constructor arguments, to rebuild the layer

State lives in three dicts. ``params`` holds trainable arrays by name (``kernel``, ``bias``);
``grads`` holds their gradients under the same keys, overwritten (never accumulated) by each
backward; ``buffers`` holds non-trainable state such as BatchNorm's moving statistics.
Outputs are read-only views, since backward may read them again; copy one to modify it. Shapes
include the batch dimension first, which may be None (unknown) as in Keras.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .._checks import as_float_array, check_bool
from ..init import get_initializer
from ..ops.activations import get_activation, relu_forward
from ..random import as_generator
from ..regularizers import get as get_regularizer
from ..regularizers import serialize as serialize_regularizer

__all__ = ["Composite", "KernelLayer", "Layer", "build_sequence", "reset_name_counters"]

_name_counts: dict[str, int] = {}


def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _unique_name(base: str) -> str:
    """Keras's automatic names: dense, dense_1, dense_2, ..."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_name_counters() -> None:
    """Start automatic names afresh (the next Dense is 'dense' again)."""
    _name_counts.clear()


class Layer:
    """Base class: shared bookkeeping, input checks and the protocol's defaults.

    Subclasses implement ``forward`` and ``backward`` (and ``build`` when they have parameters);
    the first line of ``forward`` is ``x = self._prepare_input(x)``, which checks the input,
    builds the layer on first use, and refuses inputs whose per-example shape differs from the
    one the layer was built for.
    """

    # False when nothing needs dL/dx (a model's first layer, during training): a layer may then
    # skip that part of its backward pass and return None. Only the models set it.
    input_gradient = True

    def __init__(self, name: str | None = None, trainable: bool = True) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(
                f"{type(self).__name__}: expected name as a non-empty string, received {name!r}"
            )
        self.name = name if name is not None else _unique_name(_snake_case(type(self).__name__))
        self.trainable = trainable
        self.built = False
        self.input_shape: tuple | None = None
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self._cache: Any = None
        self._dy_shape: tuple | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"

    def _where(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    # -- protocol ---------------------------------------------------------------------------------
    def build(self, input_shape: tuple) -> None:
        """Record the input shape; layers with parameters extend this to create them."""
        self.input_shape = (None, *tuple(input_shape)[1:])
        self.built = True

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def output_shape(self, input_shape: tuple) -> tuple:
        """Shape of the output for an input of ``input_shape`` (batch first, may be None)."""
        return tuple(input_shape)

    def get_config(self) -> dict:
        """Constructor arguments; ``type(layer).from_config(layer.get_config())`` rebuilds it."""
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)

    def __call__(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        training = check_bool(training, "training", f"{self._where()}.__call__")
        return self.forward(x, training=training)

    def count_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    # -- helpers for subclasses -------------------------------------------------------------------
    # Convolution and pooling layers are built for a number of channels, not an image size:
    # they take (N, H, W, C) batches of any H and W (which makes networks fully convolutional).
    images_of_any_size = False

    def _check_images(self, x: np.ndarray) -> None:
        shape = np.shape(x)
        if len(shape) != 4:
            raise ValueError(
                f"{self._where()}: expected images of shape (N, H, W, C), received shape "
                f"{shape} (a single image needs a batch axis: x[None])"
            )
        if self.built:
            c = self.input_shape[3]
            if shape[3] != c:
                raise ValueError(
                    f"{self._where()}: expected input with {c} channels (N, H, W, {c}), "
                    f"received shape {shape}"
                )
            self.input_shape = (None, *shape[1:3], c)

    def _prepare_input(self, x: np.ndarray, min_ndim: int = 2) -> np.ndarray:
        where = self._where()
        if self.images_of_any_size:
            self._check_images(x)
        x = as_float_array(x, "input", where)
        if x.ndim < min_ndim:
            raise ValueError(
                f"{where}: expected a batch with the examples along axis 0 (at least {min_ndim}-D), "
                f"received shape {x.shape}"
            )
        if not self.built:
            self.build(x.shape)
        elif self.input_shape is not None and x.shape[1:] != self.input_shape[1:]:
            expected = ("N", *self.input_shape[1:])
            raise ValueError(
                f"{where}: expected input of shape {expected} (the layer was built for it), "
                f"received shape {x.shape}"
            )
        self._dy_shape = tuple(self.output_shape(x.shape))
        return x

    @staticmethod
    def _read_only(y: np.ndarray) -> np.ndarray:
        """Return the output as a read-only view. Backward may reuse it (sigmoid, tanh and
        softmax keep their output in the cache), so editing it in place would silently corrupt
        the gradient; this way it fails loudly instead."""
        y = y.view()
        y.flags.writeable = False
        return y

    def _check_dy(self, dy: np.ndarray) -> np.ndarray:
        where = self._where()
        if self._cache is None:
            raise RuntimeError(f"{where}: backward called before forward; call forward(x) first")
        dy = as_float_array(dy, "dy (gradient of the loss with respect to the output)", where)
        if dy.shape != self._dy_shape:
            raise ValueError(
                f"{where}: expected dy with the shape of the last output {self._dy_shape}, "
                f"received {dy.shape}"
            )
        return dy


class KernelLayer(Layer):
    """A layer that computes ``activation(affine(x; kernel) + bias)``: the shared part of Dense
    and Conv2D. Subclasses say what the affine map is (``_affine_forward``/``_affine_backward``)
    and what shape its kernel has (``_kernel_shape``); parameters, initialization, the activation
    and the order of the backward steps (activation first, then the affine map) live here.
    """

    def __init__(
        self,
        n_out: int,
        activation: str | None,
        use_bias: bool,
        kernel_initializer: str,
        bias_initializer: str,
        seed: np.random.Generator | int | None,
        dtype: str,
        name: str | None,
        trainable: bool,
        kernel_regularizer=None,
        bias_regularizer=None,
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        where = self._where()
        if isinstance(n_out, bool) or not isinstance(n_out, (int, np.integer)) or n_out < 1:
            raise ValueError(
                f"{where}: expected {self._n_out_name} as a positive integer, received {n_out!r}"
            )
        self._n_out = int(n_out)
        self.activation = activation
        self._act_forward, self._act_backward = get_activation(activation, where)
        self.use_bias = check_bool(use_bias, "use_bias", where)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self._init_kernel = get_initializer(kernel_initializer, where)
        self._init_bias = get_initializer(bias_initializer, where)
        self._rng = as_generator(seed, where)
        self.seed = seed if isinstance(seed, (int, np.integer)) else None
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            self.dtype = None
        if self.dtype is None or self.dtype.kind != "f":
            raise TypeError(f"{where}: expected dtype 'float32' or 'float64', received {dtype!r}")
        # Penalties on the weights (e.g. ``regularizers.L2(1e-4)``), added to the loss by the
        # model's training step, which also adds their gradients; the layer's own backward
        # computes the data term only, so that its gradient check stays exact.
        self.kernel_regularizer = get_regularizer(kernel_regularizer)
        self.bias_regularizer = get_regularizer(bias_regularizer)

    _n_out_name = "units"

    def _kernel_shape(self, input_shape: tuple) -> tuple:
        raise NotImplementedError

    def _affine_forward(self, x: np.ndarray) -> tuple[np.ndarray, object]:
        raise NotImplementedError

    def _affine_backward(self, dz: np.ndarray, cache: object) -> tuple:
        raise NotImplementedError

    def build(self, input_shape: tuple) -> None:
        shape = self._kernel_shape(tuple(input_shape))
        self.params["kernel"] = self._init_kernel(shape, self._rng).astype(self.dtype)
        if self.use_bias:
            self.params["bias"] = self._init_bias((self._n_out,), self._rng).astype(self.dtype)
        super().build(input_shape)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        x = self._prepare_input(x)
        z, affine_cache = self._affine_forward(x)
        if self.activation == "relu":  # z is this layer's own new array: overwrite it
            y, act_cache = relu_forward(z, out=z)
        else:
            y, act_cache = self._act_forward(z)
        self._cache = (affine_cache, act_cache)
        return self._read_only(y)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_dy(dy)
        affine_cache, act_cache = self._cache
        dz = self._act_backward(dy, act_cache)
        dx, dkernel, dbias = self._affine_backward(dz, affine_cache)
        self.grads["kernel"] = dkernel
        if self.use_bias:
            self.grads["bias"] = dbias
        return dx

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "seed": self.seed,
            "dtype": self.dtype.name,
            **{
                f"{key}_regularizer": None if reg is None else serialize_regularizer(reg)
                for key, reg in (
                    ("kernel", getattr(self, "kernel_regularizer", None)),
                    ("bias", getattr(self, "bias_regularizer", None)),
                )
            },
        }


def build_sequence(layers: list[Layer], input_shape: tuple) -> tuple:
    """Build each layer in turn for the shape the previous one outputs; return the last shape.

    Raises the first layer's own error when a shape does not fit (e.g. Dense fed images).
    """
    shape = (None, *tuple(input_shape)[1:])
    for layer in layers:
        if not layer.built:
            layer.build(shape)
        shape = tuple(layer.output_shape(shape))
    return shape


def _only_empty(self, value: dict) -> None:
    # Layer.__init__ assigns {}; anything else would be silently lost.
    if value != {}:
        raise AttributeError(
            f"{self._where()}: its weights belong to its sublayers; set those (or use set_weights)"
        )


class Composite(Layer):
    """A layer made of other layers (Residual, Sequential).

    ``params``, ``grads`` and ``buffers`` are its sublayers', under keys 'sublayer_name/key'.
    They are the same arrays, not copies, so an optimizer updating ``params`` in place updates
    the sublayers. Setting ``trainable`` sets it on every sublayer, as in Keras.
    """

    _children: tuple | list = ()  # set by the subclass once its sublayers exist

    def sublayers(self) -> list[Layer]:
        """The layers inside, in the order their weights are listed."""
        return list(self._children)

    def _merged(self, attr: str) -> dict[str, np.ndarray]:
        merged = {}
        for layer in self.sublayers():
            for key, value in getattr(layer, attr).items():
                merged[f"{layer.name}/{key}"] = value
        return merged

    params = property(lambda self: self._merged("params"), _only_empty)
    grads = property(lambda self: self._merged("grads"), _only_empty)
    buffers = property(lambda self: self._merged("buffers"), _only_empty)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self.sublayers():
            layer.trainable = self._trainable

    def count_params(self) -> int:
        return int(sum(layer.count_params() for layer in self.sublayers()))
