"""Models: layers trained as one.

sequential.py    Sequential, a stack of layers each feeding the next
model.py         Model, what every model shares: weights, save / load_weights, summary()
trainer.py       compile, fit, evaluate, predict, one training step written out
data_adapter.py  the data they accept, checked once and cut into batches; validation_split
summary.py       the summary() table, in Keras 3's layout
"""

from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential"]
