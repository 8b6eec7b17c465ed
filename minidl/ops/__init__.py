"""The functional core: pure functions, ``forward(...) -> (out, cache)`` and
``backward(dout, cache) -> gradients``. Nothing here holds state.

    dense.py        the affine map x @ W + b
    activations.py  relu, leaky_relu, sigmoid, tanh, softmax
    losses.py       binary / categorical / sparse cross-entropy, mean squared error
    conv.py         2-D convolution (im2col + matrix product), output shapes, padding rules
    conv_grid.py    the same products on flat channel-first phase grids: conv2d's fast path
    pool.py         max and average pooling, and their global versions
    upsample.py     transposed convolution and nearest-neighbour upsampling
    norm.py         batch normalization, forward and backward
    dropout.py      inverted dropout, with its mask drawn apart so that it can be fixed
    reduce.py       sums over every axis but the channels, as one matrix product
    receptive_field.py  how much of the input each output pixel sees
    naive.py        the same operations as textbook loops: the lesson and the oracle
"""

from .activations import (
    get_activation,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid,
    sigmoid_backward,
    sigmoid_forward,
    softmax,
    softmax_backward,
    softmax_forward,
    tanh_backward,
    tanh_forward,
)
from .conv import conv2d_backward, conv2d_forward, conv_output_shape
from .dense import dense_backward, dense_forward
from .losses import (
    binary_crossentropy_backward,
    binary_crossentropy_forward,
    binary_crossentropy_with_logits_backward,
    binary_crossentropy_with_logits_forward,
    log_softmax,
    mse_backward,
    mse_forward,
    softmax_crossentropy_backward,
    softmax_crossentropy_forward,
    sparse_softmax_crossentropy_backward,
    sparse_softmax_crossentropy_forward,
)
from .pool import (
    avg_pool2d_backward,
    avg_pool2d_forward,
    global_avg_pool2d_backward,
    global_avg_pool2d_forward,
    global_max_pool2d_backward,
    global_max_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)
from .receptive_field import print_receptive_fields, receptive_field
from .upsample import (
    conv2d_transpose_backward,
    conv2d_transpose_forward,
    upsample_nearest_backward,
    upsample_nearest_forward,
)

__all__ = [
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "binary_crossentropy_backward",
    "binary_crossentropy_forward",
    "binary_crossentropy_with_logits_backward",
    "binary_crossentropy_with_logits_forward",
    "conv2d_backward",
    "conv2d_forward",
    "conv2d_transpose_backward",
    "conv2d_transpose_forward",
    "conv_output_shape",
    "dense_backward",
    "dense_forward",
    "get_activation",
    "global_avg_pool2d_backward",
    "global_avg_pool2d_forward",
    "global_max_pool2d_backward",
    "global_max_pool2d_forward",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "log_softmax",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "mse_backward",
    "mse_forward",
    "print_receptive_fields",
    "receptive_field",
    "relu_backward",
    "relu_forward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax",
    "softmax_backward",
    "softmax_crossentropy_backward",
    "softmax_crossentropy_forward",
    "softmax_forward",
    "sparse_softmax_crossentropy_backward",
    "sparse_softmax_crossentropy_forward",
    "tanh_backward",
    "tanh_forward",
    "upsample_nearest_backward",
    "upsample_nearest_forward",
]
