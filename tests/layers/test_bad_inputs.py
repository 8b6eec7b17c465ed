"""Mistyped flags given to layers: each refusal is one of minidl's errors naming the layer and
the flag, and NumPy's bools are taken as Python's."""

from __future__ import annotations

import numpy as np
import pytest

from minidl import layers
from minidl.errors import ArgumentTypeError

NOT_BOOLS = ["no", "False", 0, 1, None, [True]]
NOT_BOOL_IDS = ["str-no", "str-False", "int-0", "int-1", "None", "list"]


def refused(call, error, caller: str):
    """Run ``call``; it must raise ``error`` (a minidl error type) naming ``caller``."""
    with pytest.raises(error) as info:
        call()
    assert caller in str(info.value), f"{caller!r} not named in: {info.value}"
    return info.value


@pytest.mark.parametrize("bad", NOT_BOOLS, ids=NOT_BOOL_IDS)
@pytest.mark.parametrize(
    ("cls", "args", "flag"),
    [
        (layers.Dense, (3,), "use_bias"),
        (layers.Conv2D, (2, 3), "use_bias"),
        (layers.BatchNormalization, (), "center"),
        (layers.BatchNormalization, (), "scale"),
    ],
    ids=["Dense-use_bias", "Conv2D-use_bias", "BatchNormalization-center", "BN-scale"],
)
def test_layer_flags_must_be_true_or_false(cls, args, flag, bad):
    error = refused(lambda: cls(*args, **{flag: bad}), ArgumentTypeError, cls.__name__)
    assert flag in str(error)


@pytest.mark.parametrize("bad", NOT_BOOLS, ids=NOT_BOOL_IDS)
@pytest.mark.parametrize(
    "make",
    [lambda: layers.Dropout(0.5, seed=0), layers.BatchNormalization, lambda: layers.Dense(2)],
)
def test_training_must_be_true_or_false(make, bad):
    layer = make()
    x = np.ones((4, 3))
    refused(lambda: layer(x, training=bad), ArgumentTypeError, type(layer).__name__)
    if not isinstance(layer, layers.Dense):  # the layers whose forward reads the flag
        refused(lambda: layer.forward(x, training=bad), ArgumentTypeError, type(layer).__name__)


@pytest.mark.parametrize("flag", [np.True_, np.False_])
def test_layer_flags_take_numpy_bools(flag):
    assert layers.Dense(3, use_bias=flag).use_bias is bool(flag)
    assert layers.BatchNormalization(center=flag, scale=flag).scale is bool(flag)
    np.testing.assert_array_equal(layers.Dropout(0.0)(np.ones((2, 3)), training=flag), 1.0)
