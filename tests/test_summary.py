"""summary(): Keras 3's table, parameter counts computed by hand, sizes in bytes."""

import pytest

from minidl import Sequential, layers
from minidl.models.summary import format_size


def lines_of(model, **kwargs):
    out = []
    model.summary(print_fn=out.append, **kwargs)
    return out


def test_exact_layout_of_a_small_model():
    model = Sequential(
        [
            layers.Input((1,)),
            layers.Dense(5, activation="relu", name="dense"),
            layers.Dense(1, name="dense_1"),
        ],
        name="sequential",
    )
    # dense: 1*5 + 5 = 10; dense_1: 5*1 + 1 = 6; float64: 16 * 8 = 128 bytes
    assert lines_of(model) == [
        'Model: "sequential"',
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓",
        "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩",
        "│ dense (Dense)                   │ (None, 5)              │            10 │",
        "├─────────────────────────────────┼────────────────────────┼───────────────┤",
        "│ dense_1 (Dense)                 │ (None, 1)              │             6 │",
        "└─────────────────────────────────┴────────────────────────┴───────────────┘",
        " Total params: 16 (128.00 B)",
        " Trainable params: 16 (128.00 B)",
        " Non-trainable params: 0 (0.00 B)",
    ]


def test_keras_mnist_convnet_counts():
    """The MNIST convnet of keras.io's 'Simple MNIST convnet' example; Keras prints
    Total params: 34,826. By hand: conv 3*3*1*32 + 32 = 320; conv 3*3*32*64 + 64 = 18,496;
    after two 2x2 pools 5*5*64 = 1,600 features; dense 1,600*10 + 10 = 16,010."""
    layers.reset_name_counters()  # Keras's names, as in a fresh session (short enough not to wrap)
    model = Sequential(
        [
            layers.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    text = lines_of(model)
    rows = [line for line in text if line.startswith("│")]
    assert [row.split("│")[3].strip() for row in rows] == [
        "320",
        "0",
        "18,496",
        "0",
        "0",
        "0",
        "16,010",
    ]
    assert [row.split("│")[2].strip() for row in rows][-3:] == [
        "(None, 1600)",
        "(None, 1600)",
        "(None, 10)",
    ]
    assert text[-3] == " Total params: 34,826 (272.08 KB)"  # 34,826 * 8 bytes / 1024


def test_batch_norm_and_frozen_layers():
    model = Sequential(
        [
            layers.Input((8, 8, 3)),
            layers.Conv2D(4, 3, padding="same"),  # 3*3*3*4 + 4 = 112
            layers.BatchNormalization(),  # 4 * 4 = 16, of which 8 non-trainable
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),  # 4*2 + 2 = 10
        ]
    )
    model.layers[0].trainable = False
    text = lines_of(model)
    assert " Total params: 138 (1.08 KB)" in text
    assert " Trainable params: 18 (144.00 B)" in text  # gamma, beta and the dense layer
    assert " Non-trainable params: 120 (960.00 B)" in text  # frozen conv and moving statistics
    # the long name wraps inside its column, as Keras does
    assert any(line.startswith("│ (BatchNormalization)") for line in text)


def test_optimizer_params_after_training():
    import numpy as np

    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    text = lines_of(model)
    # Adam keeps m and v per weight (2 * 8) plus its step count and learning rate
    assert text[-1] == " Optimizer params: 18 (144.00 B)"
    assert text[-4] == " Total params: 26 (208.00 B)"


def test_unbuilt_model_and_sizes():
    text = lines_of(Sequential([layers.Dense(3)]))
    assert "│ ?                      │   0 (unbuilt) │" in "".join(text)
    assert format_size(0) == "0.00 B"
    assert format_size(139_304) == "136.04 KB"
    assert format_size(3 * 2**20 // 2) == "1.50 MB"


@pytest.mark.parametrize("width", [60, 100])
def test_line_length(width):
    text = lines_of(Sequential([layers.Input((2,)), layers.Dense(3)]), line_length=width)
    assert {len(line) for line in text[1:-3]} == {width}
