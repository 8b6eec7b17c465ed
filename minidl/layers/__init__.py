"""Layers: classes that hold parameters and caches around the pure functions of ``minidl.ops``.

base.py         the protocol (build, forward, backward, output_shape, get_config)
dense.py        Dense
activations.py  Activation, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax
"""

from .activations import Activation, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .base import KernelLayer, Layer, reset_name_counters
from .conv import Conv2D, Conv2DTranspose, UpSampling2D
from .dense import Dense
from .pool import AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D
from .reshape import Flatten

__all__ = [
    "Activation",
    "AveragePooling2D",
    "Conv2D",
    "Conv2DTranspose",
    "Dense",
    "Flatten",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "KernelLayer",
    "Layer",
    "LeakyReLU",
    "MaxPooling2D",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "UpSampling2D",
    "reset_name_counters",
]
