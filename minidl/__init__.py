"""minidl: deep learning from scratch in NumPy, for teaching.

Where each concept lives:
    minidl.ops           pure forward/backward functions (dense, conv, pooling, norm, losses, ...)
    minidl.layers        layer classes over the ops (Dense, Conv2D, BatchNormalization, Residual, ...)
    minidl.models        Sequential and Model: compile / fit / evaluate / predict (trainer.py),
                         summary(), weights; minidl.Sequential for short
    minidl.saving        save / load_model: checked HDF5 files, never a pickle
    minidl.losses        loss objects (BinaryCrossentropy, ...)
    minidl.optimizers    SGD, RMSprop, Adam, AdamW
    minidl.metrics       accuracy, precision, recall, AUC
    minidl.callbacks     EarlyStopping, ReduceLROnPlateau, ModelCheckpoint, CSVLogger, ...
    minidl.regularizers  L1, L2 weight penalties
    minidl.init          weight initializers
    minidl.gradcheck     numerical gradient checks
    minidl.testing       the layer contract check, for your own layers too
    minidl.plot          figures: training curves, confusion matrices, filters, feature maps
    minidl.data          datasets: the course's cat/non-cat images, synthetic wafers, patches,
                         augmentation, test images
    minidl.course        the course's function APIs (dnn: L-layer networks, cnn: convolutions)
    minidl.applications  ready-made models with their training recipe (the cat CNN)
    minidl.detect        wafer defect detection: classical and CNN detectors, a fab's metrics
    minidl.sparse        sparse representations: DCT denoising, OMP, K-SVD, anomaly detection
    minidl.cli           the ``minidl`` command, one module per subcommand

Imports run one way, each layer importing only from the layers before it: the foundation
(argument checks, errors, random generators, files), data, ops, layers, the training code
(models, losses, optimizers, metrics, callbacks, saving), then what is built on it (course,
applications, detect, sparse, plot), the public API in this file, and the command line last.
No module imports one of a later layer (tests/test_architecture.py holds the package to it).

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
