"""Saving models: every file minidl writes is checked on the way back in; nothing is ever
unpickled.

model_file.py    models and weights in minidl's checked file (minidl.io.checked_file: HDF5
                 behind a header holding its SHA-256, atomic writes, numbers and text only):
                 save_model, load_model, save_weights, load_weights
"""

from ..io.checked_file import FORMAT_VERSION, SUFFIXES, open_checked_file, write_checked_file
from .model_file import (
    MODEL_CLASSES,
    load_model,
    load_weights,
    read_model_group,
    register_model,
    save_model,
    save_weights,
    write_model_group,
)

__all__ = [
    "FORMAT_VERSION",
    "MODEL_CLASSES",
    "SUFFIXES",
    "load_model",
    "load_weights",
    "open_checked_file",
    "read_model_group",
    "register_model",
    "save_model",
    "save_weights",
    "write_checked_file",
    "write_model_group",
]
