"""Conv2D: ``y = activation(conv2d(x, kernel) + bias)``, Keras's convolution layer; and the two
layers that make images larger, Conv2DTranspose and UpSampling2D.

The convolution itself is ``minidl.ops.conv`` (im2col + one matrix product; the loops that
define it are in ``minidl.ops.naive``). Like Keras's, the layer is built for a number of input
channels, not for an image size: the same layer runs on 32x32 patches and on a whole 400x400
image, which is what makes a network fully convolutional.
"""

from __future__ import annotations

import numpy as np

from ..ops.conv import (
    conv2d_backward,
    conv2d_forward,
    conv_output_shape,
    normalize_padding,
    to_pair,
)
from ..ops.upsample import (
    conv2d_transpose_backward,
    conv2d_transpose_forward,
    upsample_nearest_backward,
    upsample_nearest_forward,
)
from .base import KernelLayer, Layer
from .serialization import register

__all__ = ["Conv2D", "Conv2DTranspose", "UpSampling2D"]


@register
class Conv2D(KernelLayer):
    """2-D convolution over channels-last images.

    Args:
        filters: number of output channels F.
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw) (default 1).
        padding: 'valid' (default), 'same' (Keras: output ceil(H / sh), the odd pixel of padding
            at the bottom/right), an int, a pair, or ((top, bottom), (left, right)).
        dilation_rate: int or (dh, dw) (default 1).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
            bias_regularizer, seed, dtype, name: as Dense.

    Shape:
        input (N, H, W, C) -> output (N, H_out, W_out, filters), with
        H_out = floor((H + P_top + P_bottom - dh*(kh-1) - 1) / sh) + 1 (likewise W_out);
        kernel (kh, kw, C, filters), bias (filters,).

    Example:
        >>> Conv2D(8, 3, padding="same", seed=0).forward(np.ones((2, 32, 32, 3))).shape
        (2, 32, 32, 8)
    """

    _n_out_name = "filters"
    images_of_any_size = True

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, int],
        strides: int | tuple[int, int] = 1,
        padding: str | int | tuple = "valid",
        dilation_rate: int | tuple[int, int] = 1,
        activation: str | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        seed: np.random.Generator | int | None = None,
        dtype: str = "float64",
        name: str | None = None,
        trainable: bool = True,
    ) -> None:
        super().__init__(
            filters,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            seed=seed,
            dtype=dtype,
            name=name,
            trainable=trainable,
        )
        where = self._where()
        self.filters = int(filters)
        self.kernel_size = to_pair(kernel_size, "kernel_size", where, 1)
        self.strides = to_pair(strides, "strides", where, 1)
        self.dilation_rate = to_pair(dilation_rate, "dilation_rate", where, 1)
        normalize_padding(
            padding, self.kernel_size, self.strides, self.dilation_rate, (1, 1), where
        )
        self.padding = padding

    def _kernel_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) != 4:
            raise ValueError(
                f"{self._where()}: expected images of shape (N, H, W, C), received shape {input_shape}"
            )
        return (*self.kernel_size, int(input_shape[-1]), self.filters)

    _op_forward = staticmethod(conv2d_forward)
    _op_backward = staticmethod(conv2d_backward)

    def _affine_forward(self, x: np.ndarray) -> tuple[np.ndarray, tuple]:
        return self._op_forward(
            x,
            self.params["kernel"],
            self.params.get("bias"),
            stride=self.strides,
            padding=self.padding,
            dilation=self.dilation_rate,
        )

    def _affine_backward(self, dz: np.ndarray, cache: tuple) -> tuple:
        if self._op_backward is conv2d_backward:
            return conv2d_backward(dz, cache, input_gradient=self.input_gradient)
        return self._op_backward(dz, cache)

    def output_shape(self, input_shape: tuple) -> tuple:
        n, h, w, c = input_shape
        kernel = (*self.kernel_size, c, self.filters)
        if h is None or w is None:
            return (n, None, None, self.filters)
        _, h_out, w_out, f = conv_output_shape(
            (1, h, w, c), kernel, self.strides, self.padding, self.dilation_rate
        )
        return (n, h_out, w_out, f)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "dilation_rate": self.dilation_rate,
        }


@register
class Conv2DTranspose(Conv2D):
    """Transposed convolution (Keras's ``Conv2DTranspose``): the adjoint of Conv2D, for decoders
    that make feature maps larger. Same arguments as Conv2D; the kernel is
    (kh, kw, filters, C_in), as in Keras.

    Shape:
        (N, H, W, C_in) -> (N, H_out, W_out, filters), H_out = H * sh with 'same', and
        (H - 1)*sh + dh*(kh - 1) + 1 - P_top - P_bottom otherwise.
    """

    def _kernel_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) != 4:
            raise ValueError(
                f"{self._where()}: expected images of shape (N, H, W, C), received shape {input_shape}"
            )
        return (*self.kernel_size, self.filters, int(input_shape[-1]))

    _op_forward = staticmethod(conv2d_transpose_forward)
    _op_backward = staticmethod(conv2d_transpose_backward)

    def output_shape(self, input_shape: tuple) -> tuple:
        n, h, w, _ = input_shape
        if h is None or w is None:
            return (n, None, None, self.filters)
        probe, _ = conv2d_transpose_forward(
            np.zeros((1, h, w, 1)),
            np.zeros((*self.kernel_size, 1, 1)),
            stride=self.strides,
            padding=self.padding,
            dilation=self.dilation_rate,
        )
        return (n, probe.shape[1], probe.shape[2], self.filters)


@register
class UpSampling2D(Layer):
    """Repeat each pixel ``size`` times along H and W (Keras's ``UpSampling2D``, nearest)."""

    images_of_any_size = True

    def __init__(
        self, size: int | tuple[int, int] = 2, name: str | None = None, trainable: bool = True
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        self.size = to_pair(size, "size", self._where(), 1)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y, self._cache = upsample_nearest_forward(self._prepare_input(x), self.size)
        return self._read_only(y)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return upsample_nearest_backward(self._check_dy(dy), self._cache)

    def output_shape(self, input_shape: tuple) -> tuple:
        n, h, w, c = input_shape
        scale = lambda v, s: None if v is None else v * s  # noqa: E731
        return (n, scale(h, self.size[0]), scale(w, self.size[1]), c)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size}
