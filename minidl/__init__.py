"""minidl: deep learning from scratch in NumPy, for teaching.

Where each concept lives:
    minidl.ops           pure forward/backward functions (dense, activations, losses)
    minidl.layers        layer classes over the ops (Dense, ReLU, Sigmoid, ...)
    minidl.losses        loss objects (BinaryCrossentropy, ...)
    minidl.init          weight initializers
    minidl.gradcheck     numerical gradient checks
    minidl.testing       the layer contract check, for your own layers too
    minidl.data          datasets (the course's cat/non-cat images)
    minidl.course.dnn    the course's function API (two-layer and L-layer networks)
"""

from . import gradcheck, init, layers, losses, ops
from .random import seed

__version__ = "0.1.0"

__all__ = ["__version__", "gradcheck", "init", "layers", "losses", "ops", "seed"]
