"""Receptive fields, checked against hand computation and against an actual convolution."""

import numpy as np
import pytest

from minidl.ops import conv2d_backward, conv2d_forward, print_receptive_fields, receptive_field


def test_dilated_stack_by_hand():
    rows = receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4), (3, 1, 8)])
    # r grows by d*(k-1) = 2, 4, 8, 16 with jump 1: 3, 7, 15, 31
    assert [r["receptive_field"] for r in rows] == [3, 7, 15, 31]
    assert [r["jump"] for r in rows] == [1, 1, 1, 1]


def test_strides_multiply_the_jump():
    rows = receptive_field([(3, 1, 1), (2, 2, 1), (3, 1, 1), (2, 2, 1)], input_size=32)
    # r: 1+2=3, 3+1*1=4, 4+2*2=8, 8+1*2=10; jump: 1, 2, 2, 4; size: 30, 15, 13, 6
    assert [(r["receptive_field"], r["jump"], r["output_size"]) for r in rows] == [
        (3, 1, 30),
        (4, 2, 15),
        (8, 2, 13),
        (10, 4, 6),
    ]


def test_matches_the_support_of_a_real_convolution_stack():
    # Push an impulse's gradient back through the layers: the nonzero input region of one output
    # pixel is its receptive field.
    layers = [(3, 2, 1), (3, 1, 2), (2, 2, 1)]
    x = np.zeros((1, 40, 40, 1))
    out = x
    caches = []
    for k, s, d in layers:
        out, cache = conv2d_forward(out, np.ones((k, k, 1, 1)), stride=s, dilation=d)
        caches.append(cache)
    grad = np.zeros(out.shape)
    grad[0, 1, 1, 0] = 1.0
    for cache in reversed(caches):
        grad, _, _ = conv2d_backward(grad, cache)
    rows, cols = np.nonzero(grad[0, :, :, 0])
    assert rows.max() - rows.min() + 1 == receptive_field(layers)[-1]["receptive_field"]
    assert cols.max() - cols.min() + 1 == receptive_field(layers)[-1]["receptive_field"]


def test_table(capsys):
    print_receptive_fields([(3, 1, 1), (3, 2, 1)], input_size=9)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "layer",
        "kernel",
        "stride",
        "dilation",
        "receptive_field",
        "jump",
        "output_size",
    ]
    assert lines[2].split() == ["2", "3", "2", "1", "5", "2", "3"]


@pytest.mark.parametrize(
    "layers, message",
    [
        ([(3, 1)], r"expected layer 0 as \(kernel, stride, dilation\[, padding\]\)"),
        ([(3, 0, 1)], r"stride >= 1"),
    ],
)
def test_bad_layers(layers, message):
    with pytest.raises(ValueError, match=message):
        receptive_field(layers)
