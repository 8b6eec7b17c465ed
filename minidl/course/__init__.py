"""Course-compatible function APIs, with the course's names, layouts and caches.

dnn.py      "Neural Networks and Deep Learning", week 4: two-layer and L-layer networks
cnn.py      "Convolutional Neural Networks", week 1: convolution and pooling, step by step
"""

from . import dnn

__all__ = ["dnn"]
