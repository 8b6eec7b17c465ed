"""Layers: classes that hold parameters and caches around the pure functions of ``minidl.ops``.

base.py           the protocol (build, forward, backward, output_shape, get_config); Composite
dense.py          Dense
activations.py    Activation, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax
conv.py           Conv2D, Conv2DTranspose, UpSampling2D
pool.py           MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D
reshape.py        Flatten, Reshape
norm.py           BatchNormalization
dropout.py        Dropout
merge.py          Add
residual.py       Residual (skip connections), bottleneck_block
input.py          Input (a model's input shape)
serialization.py  layers as JSON-ready dicts, and back
"""

from .activations import Activation, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .base import Composite, KernelLayer, Layer, build_sequence, reset_name_counters
from .conv import Conv2D, Conv2DTranspose, UpSampling2D
from .dense import Dense
from .dropout import Dropout
from .input import Input
from .merge import Add
from .norm import BatchNormalization
from .pool import AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D
from .reshape import Flatten, Reshape
from .residual import Residual, bottleneck_block
from .serialization import deserialize, serialize

__all__ = [
    "Activation",
    "Add",
    "AveragePooling2D",
    "BatchNormalization",
    "Composite",
    "Conv2D",
    "Conv2DTranspose",
    "Dense",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Input",
    "KernelLayer",
    "Layer",
    "LeakyReLU",
    "MaxPooling2D",
    "ReLU",
    "Reshape",
    "Residual",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "UpSampling2D",
    "bottleneck_block",
    "build_sequence",
    "deserialize",
    "reset_name_counters",
    "serialize",
]
