"""Course-compatible function APIs, with the course's names, layouts and caches.

dnn.py      "Neural Networks and Deep Learning", week 4: two-layer and L-layer networks
cnn.py      "Convolutional Neural Networks", week 1: convolution and pooling, step by step
cat_cnn.py  a small CNN for the course's cat/non-cat images, trained with augmentation
"""

from . import cat_cnn, dnn

__all__ = ["cat_cnn", "dnn"]
