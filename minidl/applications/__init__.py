"""Ready-made models with their training recipe, as ``keras.applications``.

Each module builds one network from minidl's layers and trains it the way that suits its data
(augmentation, learning-rate schedule, settings chosen on held-out training images), so that a
single call gives a trained model to study, evaluate or save:

cat_cnn.py  a small CNN for the course's cat/non-cat images, trained with augmentation
"""

from . import cat_cnn

__all__ = ["cat_cnn"]
