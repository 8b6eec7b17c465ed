"""Layers: classes that hold parameters and caches around the pure functions of ``minidl.ops``.

base.py         the protocol (build, forward, backward, output_shape, get_config)
dense.py        Dense
activations.py  Activation, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax
"""

from .activations import Activation, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .base import Layer, reset_name_counters
from .dense import Dense

__all__ = [
    "Activation",
    "Dense",
    "Layer",
    "LeakyReLU",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "reset_name_counters",
]
