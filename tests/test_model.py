"""Sequential: the container API, whole-model gradients, fit / evaluate / predict semantics
(weights, splits, reproducibility, output), and the errors a student meets."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minidl
from minidl import Sequential, callbacks, layers, losses, optimizers, regularizers
from minidl.gradcheck import check_gradients


def small_cnn(classes=3, size=6, channels=1, filters=2, seed=0, dtype="float64"):
    """Conv2D - BN - ReLU - MaxPool - Flatten - Dense - softmax."""
    return Sequential(
        [
            layers.Input((size, size, channels)),
            layers.Conv2D(filters, 3, padding="same", use_bias=False, seed=seed, dtype=dtype),
            layers.BatchNormalization(dtype=dtype),
            layers.ReLU(),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(classes, activation="softmax", seed=seed + 1, dtype=dtype),
        ]
    )


# -- the container -------------------------------------------------------------------------------
def test_layers_weights_and_counts():
    model = small_cnn()
    assert [layer.name for layer in model.layers][-1].startswith("dense")
    assert model.get_layer(index=0) is model.layers[0]
    assert model.get_layer(name=model.layers[1].name) is model.layers[1]
    # conv 3*3*1*2 = 18 (no bias); BN 4*2 = 8 (gamma, beta, moving mean, moving variance);
    # dense (3*3*2 = 18 inputs) 18*3 + 3 = 57
    assert model.count_params() == 18 + 8 + 57
    assert sum(w.size for w in model.trainable_weights) == 18 + 4 + 57
    assert sum(w.size for w in model.non_trainable_weights) == 4
    assert [w.shape for w in model.get_weights()] == [
        (3, 3, 1, 2),
        (2,),
        (2,),
        (2,),
        (2,),
        (18, 3),
        (3,),
    ]


def test_set_weights_copies_and_refuses_bad_lists():
    model = small_cnn()
    new = [np.full(w.shape, 0.5) for w in model.get_weights()]
    model.set_weights(new)
    new[0][...] = 9.0  # the model holds copies
    assert all((w == 0.5).all() for w in model.weights)
    with pytest.raises(ValueError, match=r"expected a list of 7 arrays, received 2"):
        model.set_weights(new[:2])
    bad = [w.copy() for w in model.get_weights()]
    bad[5] = np.zeros((3, 3))
    before = model.get_weights()
    with pytest.raises(
        ValueError, match=r"weight 'dense.*/kernel' has shape \(18, 3\), received \(3, 3\)"
    ):
        model.set_weights(bad)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def test_freezing_moves_weights_and_keeps_them_fixed():
    model = Sequential([layers.Input((4,)), layers.Dense(3, seed=0), layers.Dense(2, seed=1)])
    model.layers[0].trainable = False
    assert sum(w.size for w in model.trainable_weights) == 3 * 2 + 2
    assert sum(w.size for w in model.non_trainable_weights) == 4 * 3 + 3
    frozen = [w.copy() for w in model.layers[0].params.values()]
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 4))
    model.fit(x, np.ones((16, 2)), epochs=2, verbose=0)
    assert all(
        np.array_equal(a, b) for a, b in zip(frozen, model.layers[0].params.values(), strict=True)
    )


def test_config_round_trip_and_unique_names():
    model = small_cnn()
    clone = Sequential.from_config(model.get_config())
    assert [type(a) for a in clone.layers] == [type(b) for b in model.layers]
    assert clone.get_config() == model.get_config()
    with pytest.raises(ValueError, match=r"already a layer named 'same'"):
        Sequential([layers.Dense(2, name="same"), layers.Dense(2, name="same")])
    with pytest.raises(ValueError, match=r"an Input can only come first"):
        Sequential([layers.Dense(2), layers.Input((3,))])
    with pytest.raises(TypeError, match=r"expected a layer \(e.g. Dense\(3\)\), received str"):
        Sequential(["dense"])


# -- gradients of the whole model through the loss ------------------------------------------------
@given(
    n=st.integers(2, 4),
    size=st.integers(2, 5),
    channels=st.integers(1, 2),
    filters=st.integers(1, 3),
    classes=st.integers(2, 3),
    seed=st.integers(0, 2**31 - 1),
)
def test_whole_model_gradient_through_the_loss(n, size, channels, filters, classes, seed):
    model = small_cnn(classes, size, channels, filters, seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, size, size, channels))
    y = rng.integers(0, classes, size=n)
    loss = losses.SparseCategoricalCrossentropy()
    params = model.params
    for key in params:  # move BN's gamma and beta off 1 and 0 so every path matters
        if "batch_normalization" in key:
            params[key][:] = rng.normal(size=params[key].shape)

    def f():
        return loss(y, model.forward(x, training=True))

    f()
    dx = model.backward(loss.backward())
    analytic = {"x": dx, **{k: g.copy() for k, g in model.grads.items()}}
    report = check_gradients(f, {"x": x, **params}, analytic, title="small CNN")
    assert report.passed, str(report)
    assert len(report.checks) == 6  # x, conv kernel, gamma, beta, dense kernel, dense bias


# -- fit, evaluate, predict -----------------------------------------------------------------------
def blobs(n=96, seed=0):
    """Two Gaussian blobs in 2-D, labels 0/1."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    x = rng.normal(size=(n, 2)) + np.where(y[:, None] == 1, 1.5, -1.5)
    return x, y


def mlp(seed=0, **kwargs):
    return Sequential(
        [
            layers.Input((2,)),
            layers.Dense(4, activation="tanh", seed=seed, **kwargs),
            layers.Dense(1, activation="sigmoid", seed=seed + 1),
        ]
    )


def test_training_learns_and_histories_are_reproducible():
    x, y = blobs()
    histories = []
    for _ in range(2):
        minidl.seed(3)
        model = Sequential(
            [
                layers.Input((2,)),
                layers.Dense(8, activation="relu"),
                layers.Dropout(0.2),
                layers.Dense(1, activation="sigmoid"),
            ]
        )
        model.compile(
            optimizer=optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"]
        )
        histories.append(
            model.fit(x, y, epochs=15, batch_size=16, validation_split=0.25, verbose=0).history
        )
    assert histories[0] == histories[1]  # bit-identical
    assert set(histories[0]) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert histories[0]["accuracy"][-1] > 0.9 and histories[0]["loss"][-1] < histories[0]["loss"][0]


def test_validation_split_takes_the_last_fraction():
    x, y = blobs(40)
    seen = []

    class Spy(callbacks.Callback):
        def on_test_batch_begin(self, batch, logs=None):
            seen.append(batch)

    model = mlp()
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    history = model.fit(
        x, y, epochs=1, batch_size=100, validation_split=0.3, verbose=0, callbacks=[Spy()]
    )
    # floor(40 * 0.7) = 28 for training: the last 12 examples are the validation set
    expected = model.evaluate(x[28:], y[28:], batch_size=100, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-12)
    assert seen == [0]


def test_sample_and_class_weights_equal_duplicating_examples():
    """A weight of 2 counts an example twice: (1/N) sum w_n l_n over N examples equals the mean
    loss over the N + 1 examples with it duplicated, times (N + 1)/N. With full-batch SGD the
    weighted run with rate lr therefore takes the same steps as the duplicated run with rate
    lr * (N + 1)/N."""
    x, y = blobs(20, seed=1)
    n = len(x)
    dup = np.r_[np.arange(n), [0]]
    weights = np.ones(n)
    weights[0] = 2.0

    def train(xs, ys, lr, **kwargs):
        model = mlp(seed=5)
        model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss="binary_crossentropy")
        model.fit(xs, ys, batch_size=1000, epochs=5, shuffle=False, verbose=0, **kwargs)
        return model

    by_sample = train(x, y, 0.1, sample_weight=weights)
    duplicated = train(x[dup], y[dup], 0.1 * (n + 1) / n)
    for a, b in zip(by_sample.get_weights(), duplicated.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert by_sample.evaluate(x, y, sample_weight=weights, verbose=0) == pytest.approx(
        duplicated.evaluate(x[dup], y[dup], verbose=0) * (n + 1) / n, rel=1e-12
    )
    # class_weight={0: 1, 1: 2} is the same as duplicating every example of class 1
    ones = np.flatnonzero(y == 1)
    by_class = train(x, y, 0.1, class_weight={0: 1.0, 1: 2.0})
    dup_class = train(np.r_[x, x[ones]], np.r_[y, y[ones]], 0.1 * (n + len(ones)) / n)
    for a, b in zip(by_class.get_weights(), dup_class.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_regularization_enters_loss_and_gradient():
    # one SGD step on a 1-unit linear model with an L2 penalty, by hand:
    # w = 0.5, x = 1, y = 0: L = (w x - y)^2 + 0.1 w^2 = 0.25 + 0.025 = 0.275
    # dL/dw = 2 (w x - y) x + 0.2 w = 1.0 + 0.1 = 1.1;  w <- 0.5 - 0.1 * 1.1 = 0.39
    model = Sequential(
        [
            layers.Input((1,)),
            layers.Dense(1, use_bias=False, kernel_regularizer=regularizers.L2(0.1)),
        ]
    )
    model.set_weights([np.array([[0.5]])])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    loss = model.train_on_batch(np.array([[1.0]]), np.array([[0.0]]))
    assert loss == pytest.approx(0.275, rel=1e-14)
    assert model.get_weights()[0][0, 0] == pytest.approx(0.39, rel=1e-14)


def test_evaluate_and_predict_conventions():
    x, y = blobs(50)
    model = mlp()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy", "auc"])
    result = model.evaluate(x, y, batch_size=7, verbose=0)
    as_dict = model.evaluate(x, y, batch_size=50, verbose=0, return_dict=True)
    assert list(as_dict) == ["loss", "accuracy", "auc"] and len(result) == 3
    # the loss is averaged over batches weighted by their sizes: equal to the one-batch value
    assert result[0] == pytest.approx(as_dict["loss"], rel=1e-12)
    out = model.predict(x, batch_size=7, verbose=0)
    np.testing.assert_array_equal(out, model.forward(x))
    assert out.shape == (50, 1)


def test_fit_accepts_an_iterable_of_batches():
    x, y = blobs(64)

    class Pipeline:
        def __len__(self):
            return 4

        def __iter__(self):
            for i in range(0, 64, 16):
                yield x[i : i + 16], y[i : i + 16]

    minidl.seed(0)
    model = mlp()
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    history = model.fit(Pipeline(), epochs=2, verbose=0)
    minidl.seed(0)
    reference = mlp()
    reference.compile(optimizer="sgd", loss="binary_crossentropy")
    expected = reference.fit(x, y, batch_size=16, shuffle=False, epochs=2, verbose=0)
    assert history.history["loss"] == expected.history["loss"]


def test_callbacks_inside_fit():
    x, y = blobs(64)
    model = mlp()
    model.compile(optimizer=optimizers.SGD(learning_rate=0.5), loss="binary_crossentropy")
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[reduce])
    # min_delta=10: after the first epoch (better than the initial inf) nothing counts as an
    # improvement, so with patience 0 the rate halves at the end of epochs 2 and 3; the history
    # records the rate each epoch ran with.
    assert history.history["learning_rate"] == [0.5, 0.5, 0.25]
    assert model.optimizer.learning_rate == 0.125
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=10.0)
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[stop])
    assert len(history.history["loss"]) == 2  # the first epoch sets the best, the second stops


def test_terminate_on_nan(capsys):
    model = Sequential([layers.Input((1,)), layers.Dense(1, seed=0)])
    model.compile(optimizer=optimizers.SGD(learning_rate=1e6), loss="mse")
    x = np.linspace(1, 100, 64)[:, None]
    history = model.fit(
        x, x * 1e3, epochs=50, batch_size=8, verbose=0, callbacks=[callbacks.TerminateOnNaN()]
    )
    assert len(history.history["loss"]) < 50
    assert "Invalid loss, terminating training" in capsys.readouterr().out


# -- output -----------------------------------------------------------------------------------------
def test_verbose_levels_and_grader_mode(capsys, monkeypatch):
    x, y = blobs(64)
    model = mlp()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    model.fit(x, y, epochs=2, verbose=2, validation_split=0.25)
    out = capsys.readouterr()
    assert out.err == ""
    assert re.search(
        r"Epoch 2/2\n2/2 - \d+s - [\d.]+[mu]?s/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - "
        r"val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}",
        out.out,
    ), out.out
    monkeypatch.setenv("MINIDL_GRADER", "1")
    model.fit(x, y, epochs=1, verbose=1)
    out = capsys.readouterr()
    assert "\r" not in out.out and "[==" not in out.out and out.err == ""


# -- errors --------------------------------------------------------------------------------------
def test_errors_name_what_was_expected():
    x, y = blobs(10)
    model = mlp()
    with pytest.raises(
        RuntimeError, match=r"call compile\(optimizer=..., loss=...\) before fit\(\)"
    ):
        model.fit(x, y)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(ValueError, match=r"x has 10 examples, y has 9"):
        model.fit(x, y[:9], verbose=0)
    with pytest.raises(
        ValueError,
        match=r"expected x of shape \('N', 2\) \(the model's input\), received \(10, 3\)",
    ):
        model.fit(np.ones((10, 3)), y, verbose=0)
    with pytest.raises(ValueError, match=r"unknown loss 'cross_entropy'"):
        model.compile(loss="cross_entropy")
    with pytest.raises(ValueError, match=r"'adamm'"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match=r"'acuracy'"):
        model.compile(loss="mse", metrics=["acuracy"])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(
        ValueError, match=r"expected labels in \[0, 0\] for 1 classes, received values from 0 to 1"
    ):
        model.fit(x, y, verbose=0)
    model = Sequential([layers.Input((2,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"for integer class labels use loss='sparse_categorical"):
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match=r"expected validation_split in \[0, 1\), received 1.5"):
        model.fit(x, y, validation_split=1.5)


def test_training_backward_skips_only_the_unused_input_gradient():
    model = small_cnn(seed=4)
    rng = np.random.default_rng(4)
    x, dy = rng.normal(size=(3, 6, 6, 1)), rng.normal(size=(3, 3))
    model.forward(x, training=False)
    dx = model.backward(dy)
    full = {k: g.copy() for k, g in model.grads.items()}
    model.forward(x, training=False)
    assert dx.shape == x.shape and model.backward(dy, input_gradient=False) is None
    assert all(np.array_equal(full[k], g) for k, g in model.grads.items())
    assert model.layers[0].input_gradient  # restored for the next caller


def test_review_cases_fail_before_anything_changes(capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 4)), rng.integers(0, 3, size=40)
    y[-1] = 3  # one label out of range, in the last batch
    model = Sequential(
        [layers.Input((4,)), layers.BatchNormalization(), layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"expected labels in \[0, 2\] for 3 classes"):
        model.fit(x, y, shuffle=False, verbose=0)
    assert model.optimizer.iterations == 0
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    with pytest.raises(ValueError, match=r"non-negative numbers, one per example.*negative"):
        model.fit(x, np.minimum(y, 2), sample_weight=-np.ones(40), verbose=0)
    with pytest.raises(ValueError, match=r"expected batch_size as an integer >= 1, received 0"):
        model.predict(x, batch_size=0)
    assert model.predict(x, batch_size=None, verbose=0).shape == (40, 3)  # None means 32

    # a one-shot generator: the second epoch gets no batches, and training stops cleanly
    def once():
        for i in range(0, 40, 10):
            yield x[i : i + 10], np.minimum(y, 2)[i : i + 10]

    history = model.fit(once(), epochs=3, verbose=0)
    assert {len(v) for v in history.history.values()} == {1}
    assert "the training data gave no batches" in capsys.readouterr().out


def test_a_refused_layer_leaves_the_model_as_it_was():
    model = Sequential([layers.Input((8, 8, 3)), layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match=r"flatten images first"):
        model.add(layers.Dense(3))
    assert len(model.layers) == 1 and model.built
    model.add(layers.Flatten())
    model.add(layers.Dense(3))
    assert model.output_shape((None, 8, 8, 3)) == (None, 3)


def test_float32_stays_float32_with_sample_weights():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 3)).astype(np.float32)
    model = Sequential([layers.Input((3,)), layers.Dense(2, activation="softmax", dtype="float32")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, rng.integers(0, 2, 16), sample_weight=np.ones(16), verbose=0)
    assert all(g.dtype == np.float32 for g in model.grads.values())
    assert all(w.dtype == np.float32 for w in model.get_weights())
