"""Callbacks: code that ``fit``, ``evaluate`` and ``predict`` run at fixed moments of training.

base.py                  Callback: the protocol, one method per moment ("hook"), each doing nothing
callback_list.py         CallbackList: calls one hook on each callback in turn (what the model
                         talks to)
history.py               History: records each epoch's logs; ``fit`` returns it
progbar_logger.py        ProgbarLogger: the progress bar and the per-epoch line of numbers
monitor.py               MonitorCallback: the watched quantity, its direction, what counts as an
                         improvement (shared by the next three)
early_stopping.py        EarlyStopping: stops training when a monitored number stops improving
reduce_lr_on_plateau.py  ReduceLROnPlateau: divides the learning rate when it stops improving
model_checkpoint.py      ModelCheckpoint: saves the model (or its weights) every epoch, or only
                         when it improves
csv_logger.py            CSVLogger: writes one CSV row per epoch
terminate_on_nan.py      TerminateOnNaN: stops training as soon as the loss becomes NaN or inf
lambda_callback.py       LambdaCallback: a callback made of plain functions
_output.py               printing to stdout around an open progress bar line
_bounds.py               the lower-bound check of counts and thresholds (patience >= 0, ...)

The hook order, and how callbacks act on the model, are described in base.py.
"""

from .base import Callback
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .model_checkpoint import ModelCheckpoint
from .progbar_logger import ProgbarLogger
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .terminate_on_nan import TerminateOnNaN

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]
