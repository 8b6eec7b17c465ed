"""Optimizers: how a gradient becomes a change of the weights (Keras 3's rules, names, defaults).

base.py           Optimizer: learning rate, clipping, weight decay, slots, apply, state, config
sgd.py            SGD, with optional (Nesterov) momentum
rmsprop.py        RMSprop, optionally centered and with momentum
adam.py           Adam, optionally AMSGrad
adamw.py          AdamW: Adam with decoupled weight decay on by default
serialization.py  get (by name or dict) and serialize

Each optimizer's file starts with its update rule written out; base.py gives the notation and
what every optimizer does before its update (clipping, then weight decay).
"""

from .adam import Adam
from .adamw import AdamW
from .base import Optimizer
from .rmsprop import RMSprop
from .serialization import get, serialize
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "get", "serialize"]

# doctest.testmod(minidl.optimizers) looks only at what this file defines itself; __test__
# points it at the classes whose docstrings hold the worked examples.
__test__ = {"SGD": SGD, "RMSprop": RMSprop, "Adam": Adam}
