"""minidl: deep learning from scratch in NumPy, for teaching.

Where each concept lives:
    minidl.ops           pure forward/backward functions (dense, conv, pooling, norm, losses, ...)
    minidl.layers        layer classes over the ops (Dense, Conv2D, BatchNormalization, Residual, ...)
    minidl.Sequential    a stack of layers with compile / fit / evaluate / predict (model.py,
                         training.py), summary() (summary.py), save / load_model (saving.py)
    minidl.losses        loss objects (BinaryCrossentropy, ...)
    minidl.optimizers    SGD, RMSprop, Adam, AdamW
    minidl.metrics       accuracy, precision, recall, AUC
    minidl.callbacks     EarlyStopping, ReduceLROnPlateau, ModelCheckpoint, CSVLogger, ...
    minidl.regularizers  L1, L2 weight penalties
    minidl.init          weight initializers
    minidl.gradcheck     numerical gradient checks
    minidl.testing       the layer contract check, for your own layers too
    minidl.plot          figures: training curves, confusion matrices, filters, feature maps
    minidl.data          datasets (the course's cat/non-cat images)
    minidl.course        the course's function APIs (dnn: L-layer networks, cnn: convolutions)
    minidl.applications  ready-made models with their training recipe (cat_cnn: the cat CNN)

A Keras notebook ports by changing its imports:
    from minidl import Sequential, load_model, layers, optimizers, losses, metrics, callbacks
"""

from . import (
    callbacks,
    gradcheck,
    init,
    layers,
    losses,
    metrics,
    ops,
    optimizers,
    regularizers,
)
from .models import Sequential
from .random import seed
from .saving import load_model
from .version import __version__

__all__ = [
    "Sequential",
    "__version__",
    "callbacks",
    "gradcheck",
    "init",
    "layers",
    "load_model",
    "losses",
    "metrics",
    "ops",
    "optimizers",
    "regularizers",
    "seed",
]
