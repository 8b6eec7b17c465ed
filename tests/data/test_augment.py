"""Augment, BatchIterator, balanced_split, class_weights: exact geometry on known images, labels
kept with their images, seeded determinism, one pass per epoch through model.fit, and errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minidl
from minidl import Sequential, layers
from minidl.data.augment import Augment, BatchIterator
from minidl.data.split import balanced_split, class_weights

FILL_MODES = ["nearest", "constant", "reflect", "wrap"]


def image(H=5, W=5, C=3, dtype=np.float64, seed=0):
    values = np.random.default_rng(seed).uniform(0, 255, size=(H, W, C))
    return values.round().astype(dtype) if np.dtype(dtype).kind == "u" else values.astype(dtype)


# -- transform: exact results on known images ----------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.uint8])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_identity_is_exact_and_keeps_dtype(dtype, fill_mode):
    x = image(4, 6, 3, dtype)
    out = Augment(fill_mode=fill_mode).transform(x)
    assert out.dtype == dtype and out is not x
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize("size", [4, 5])
@pytest.mark.parametrize("fill_mode", FILL_MODES)
def test_quarter_turns_are_rot90(size, fill_mode):
    # Positive angles turn counter-clockwise as displayed, as np.rot90 does.
    x = image(size, size, 2)
    aug = Augment(fill_mode=fill_mode)
    np.testing.assert_array_equal(aug.transform(x, theta=90), np.rot90(x))
    np.testing.assert_array_equal(aug.transform(x, theta=-90), np.rot90(x, -1))
    np.testing.assert_array_equal(aug.transform(x, theta=180), np.rot90(x, 2))
    np.testing.assert_array_equal(aug.transform(x, theta=450), np.rot90(x))
    np.testing.assert_array_equal(aug.transform(x, theta=360), x)


def test_counter_clockwise_on_a_marked_pixel():
    x = np.zeros((3, 3, 1))
    x[0, 1] = 1.0  # top middle
    out = Augment().transform(x, theta=90)
    assert out[1, 0, 0] == 1.0 and out.sum() == 1.0  # now left middle


def test_whole_pixel_shifts_are_rolls_with_the_fill_at_the_edge():
    x = image(4, 5, 2)
    right2 = np.roll(x, 2, axis=1)
    expected = {
        "wrap": right2,
        "constant": np.concatenate([np.zeros((4, 2, 2)), x[:, :3]], axis=1),
        "nearest": np.concatenate([x[:, :1], x[:, :1], x[:, :3]], axis=1),
        "reflect": np.concatenate([x[:, 1:2], x[:, :1], x[:, :3]], axis=1),  # ba|abc
    }
    for mode, want in expected.items():
        np.testing.assert_array_equal(Augment(fill_mode=mode).transform(x, tx=2), want)
    # ty is down; negative moves up, and the bottom row is filled
    up1 = Augment(fill_mode="constant").transform(x, ty=-1)
    np.testing.assert_array_equal(up1[:3], x[1:])
    np.testing.assert_array_equal(up1[3], 0.0)
    np.testing.assert_array_equal(
        Augment(fill_mode="wrap").transform(x, ty=3), np.roll(x, 3, axis=0)
    )


def test_flips_are_exact_mirrors():
    x = image(4, 5, 3)
    aug = Augment()
    np.testing.assert_array_equal(aug.transform(x, flip_h=True), x[:, ::-1])
    np.testing.assert_array_equal(aug.transform(x, flip_v=True), x[::-1])
    np.testing.assert_array_equal(aug.transform(x, flip_h=True, flip_v=True), x[::-1, ::-1])


def test_zoom_on_a_ramp():
    # x[r, c] = c on a width of 5 (centre column 2). Output column c shows input column
    # 2 + zoom * (c - 2): zoom 0.5 gives 1, 1.5, 2, 2.5, 3 (linear interpolation of a line is
    # exact); zoom 2 gives -2, 0, 2, 4, 6, which 'nearest' clamps to 0, 0, 2, 4, 4.
    x = np.tile(np.arange(5.0)[None, :, None], (3, 1, 1))
    np.testing.assert_array_equal(Augment().transform(x, zoom=0.5)[1, :, 0], [1, 1.5, 2, 2.5, 3])
    np.testing.assert_array_equal(Augment().transform(x, zoom=2.0)[1, :, 0], [0, 0, 2, 4, 4])
    # per axis: zoom_h only changes rows, which are all equal here
    np.testing.assert_array_equal(Augment().transform(x, zoom=(0.5, 1.0)), x)


def test_brightness_multiplies_and_clips_integers():
    x = np.array([100, 250, 3], dtype=np.uint8).reshape(1, 3, 1)
    # 100 * 1.25 = 125; 250 * 1.25 = 312.5 -> 255 (clipped); 3 * 1.25 = 3.75 -> 4 (rounded)
    out = Augment().transform(x, brightness=1.25)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out.ravel(), [125, 255, 4])
    xf = x.astype(np.float32)
    np.testing.assert_array_equal(
        Augment().transform(xf, brightness=1.25).ravel(), [125, 312.5, 3.75]
    )


# -- random transforms ----------------------------------------------------------------------------
def test_horizontal_flip_gives_the_image_or_its_mirror_both_seen():
    x = np.stack([image(4, 4, 1, seed=0)] * 20)
    out = Augment(horizontal_flip=True, seed=0).apply(x)
    same = [np.array_equal(o, x[0]) for o in out]
    mirrored = [np.array_equal(o, x[0][:, ::-1]) for o in out]
    assert all(s or m for s, m in zip(same, mirrored, strict=True))
    assert any(same) and any(mirrored)


def test_integer_shift_range_draws_whole_pixel_rolls():
    x = image(4, 6, 1)
    rolls = [np.roll(x, k, axis=1) for k in range(-2, 3)]
    aug = Augment(width_shift_range=2, fill_mode="wrap", seed=1)
    for _ in range(10):
        out = aug.random_transform(x)
        assert any(np.array_equal(out, r) for r in rolls)


def test_random_params_stay_in_their_ranges():
    aug = Augment(
        rotation_range=20,
        width_shift_range=0.25,
        height_shift_range=3.0,
        zoom_range=(0.8, 1.1),
        brightness_range=(0.5, 1.5),
        seed=0,
    )
    for _ in range(50):
        p = aug.random_params((8, 12, 3))
        assert -20 <= p["theta"] <= 20
        assert -3 <= p["tx"] <= 3  # 0.25 of the width 12
        assert -3 <= p["ty"] <= 3  # pixels, as the range is >= 1
        assert all(0.8 <= z <= 1.1 for z in p["zoom"])
        assert 0.5 <= p["brightness"] <= 1.5
        assert not p["flip_h"] and not p["flip_v"]
    assert Augment(zoom_range=0.2).zoom_range == (0.8, 1.2)


@given(
    n=st.integers(1, 3),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    c=st.integers(1, 3),
    dtype=st.sampled_from([np.float64, np.float32, np.uint8]),
    fill_mode=st.sampled_from(FILL_MODES),
    seed=st.integers(0, 2**16),
)
def test_shapes_dtypes_kept_and_inputs_untouched(n, h, w, c, dtype, fill_mode, seed):
    x = np.stack([image(h, w, c, dtype, seed=seed + i) for i in range(n)])
    before = x.copy()
    aug = Augment(
        rotation_range=30,
        width_shift_range=0.2,
        height_shift_range=1,
        zoom_range=0.3,
        horizontal_flip=True,
        vertical_flip=True,
        brightness_range=(0.7, 1.3),
        fill_mode=fill_mode,
        seed=seed,
    )
    out = aug.apply(x)
    assert out.shape == x.shape and out.dtype == x.dtype
    np.testing.assert_array_equal(x, before)
    assert np.isfinite(out.astype(np.float64)).all()
    # a constant image stays constant under any geometry ('nearest' fills with the same value)
    flat = np.full((h, w, c), 7.0, dtype=np.float64)
    geometric = Augment(rotation_range=45, width_shift_range=0.3, zoom_range=0.3, seed=seed)
    np.testing.assert_allclose(geometric.random_transform(flat), 7.0, rtol=1e-12)


def test_seeded_determinism():
    x = np.stack([image(6, 6, 3, seed=i) for i in range(4)])

    def make():
        return Augment(rotation_range=25, zoom_range=0.2, horizontal_flip=True, seed=3)

    np.testing.assert_array_equal(make().apply(x), make().apply(x))
    aug = make()
    assert not np.array_equal(aug.apply(x), aug.apply(x))  # the generator moves on


# -- flow -----------------------------------------------------------------------------------------
def labelled(n=10, size=5, dtype=np.uint8):
    """Image i is constant, equal to 10 * i, so its label can be read off any augmented copy."""
    y = np.arange(n)
    x = np.broadcast_to((10 * y).astype(dtype)[:, None, None, None], (n, size, size, 1)).copy()
    return x, y


GEOMETRY = {
    "rotation_range": 40,
    "width_shift_range": 0.3,
    "height_shift_range": 0.3,
    "zoom_range": 0.2,
    "horizontal_flip": True,
    "vertical_flip": True,
}


def test_flow_is_one_pass_per_iteration_with_labels_aligned():
    x, y = labelled(10)
    w = y / 10.0
    flow = Augment(**GEOMETRY).flow(x, y, batch_size=4, seed=0, sample_weight=w)
    assert isinstance(flow, BatchIterator) and len(flow) == 3  # ceil(10 / 4)
    orders = []
    for _ in range(2):
        batches = list(flow)
        assert [len(b[0]) for b in batches] == [4, 4, 2]
        seen = []
        for xb, yb, wb in batches:
            assert xb.dtype == np.uint8 and xb.shape[1:] == (5, 5, 1)
            np.testing.assert_array_equal(xb, (10 * yb)[:, None, None, None] * np.ones_like(xb))
            np.testing.assert_array_equal(wb, yb / 10.0)
            seen.extend(yb.tolist())
        assert sorted(seen) == list(range(10))  # every example once per pass
        orders.append(seen)
    assert orders[0] != orders[1]  # reshuffled each pass


def test_flow_forms_and_order_without_shuffle():
    x, y = labelled(5)
    onehot = np.eye(5)[y]
    batches = list(Augment().flow(x, onehot, batch_size=2, shuffle=False, seed=0))
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), onehot)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    only_x = list(Augment().flow(x, batch_size=5, seed=0))
    assert len(only_x) == 1 and isinstance(only_x[0], np.ndarray)


def test_flow_is_deterministic_given_its_seed():
    x, y = labelled(7, dtype=np.float64)
    aug = Augment(**GEOMETRY, brightness_range=(0.5, 1.5))

    def passes(flow):
        return [[(xb.copy(), yb.copy()) for xb, yb in flow] for _ in range(2)]

    a, b = (
        passes(aug.flow(x, y, batch_size=3, seed=5)),
        passes(aug.flow(x, y, batch_size=3, seed=5)),
    )
    for pass_a, pass_b in zip(a, b, strict=True):
        for (xa, ya), (xb, yb) in zip(pass_a, pass_b, strict=True):
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)
    # without a flow seed, an Augment seed alone makes it reproducible
    first = [xb for xb, _ in Augment(**GEOMETRY, seed=2).flow(x, y, batch_size=7)]
    again = [xb for xb, _ in Augment(**GEOMETRY, seed=2).flow(x, y, batch_size=7)]
    np.testing.assert_array_equal(first[0], again[0])


def test_fit_on_a_flow_is_reproducible():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(12, 8, 8, 1))
    y = (x[:, :, :4].mean(axis=(1, 2, 3)) > x[:, :, 4:].mean(axis=(1, 2, 3))).astype(np.int64)

    def run():
        minidl.seed(0)
        model = Sequential(
            [layers.Input((8, 8, 1)), layers.Flatten(), layers.Dense(2, activation="softmax")]
        )
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        aug = Augment(rotation_range=10, width_shift_range=1, horizontal_flip=True)
        return model.fit(aug.flow(x, y, batch_size=4, seed=0), epochs=2, verbose=0).history

    first, second = run(), run()
    assert len(first["loss"]) == 2 and np.isfinite(first["loss"]).all()
    assert first == second


# -- balanced_split and class_weights -------------------------------------------------------------
def test_balanced_split_hand_case():
    # N = 12 in 3 classes of 6, 3, 3. fraction 0.5: floor(0.5 * 12 / 3) = 2 per class, and the
    # smallest class can spare 3 - 1 = 2, so validation has 2 + 2 + 2 = 6, training 4 + 1 + 1.
    y = np.array([0] * 6 + [1] * 3 + [2] * 3)
    x = np.arange(12)[:, None] * 1.0  # row i holds i, to check the rows follow their labels
    x_tr, y_tr, x_va, y_va = balanced_split(x, y, fraction=0.5, seed=0)
    assert np.bincount(y_va).tolist() == [2, 2, 2]
    assert np.bincount(y_tr).tolist() == [4, 1, 1]
    np.testing.assert_array_equal(y[x_tr[:, 0].astype(int)], y_tr)
    np.testing.assert_array_equal(y[x_va[:, 0].astype(int)], y_va)
    assert sorted(np.concatenate([x_tr, x_va])[:, 0].tolist()) == list(range(12))
    # fraction 0.9: floor(0.9 * 12 / 3) = 3, capped at 2 so classes 1 and 2 keep a training example
    assert np.bincount(balanced_split(x, y, fraction=0.9, seed=0)[3]).tolist() == [2, 2, 2]
    # fraction 0.25: floor(0.25 * 12 / 3) = 1 per class
    assert np.bincount(balanced_split(x, y, fraction=0.25, seed=0)[3]).tolist() == [1, 1, 1]
    # seeded, and one-hot labels split the same way and come back one-hot
    again = balanced_split(x, y, fraction=0.5, seed=0)
    np.testing.assert_array_equal(again[0], x_tr)
    onehot = balanced_split(x, np.eye(3)[y], fraction=0.5, seed=0)
    np.testing.assert_array_equal(onehot[0], x_tr)
    np.testing.assert_array_equal(onehot[3], np.eye(3)[y_va])


def test_class_weights_hand_cases():
    # 3 of class 0, 1 of class 1: 4 / (2 * 3) = 2/3 and 4 / (2 * 1) = 2
    assert class_weights(np.array([0, 0, 0, 1])) == pytest.approx({0: 2 / 3, 1: 2.0})
    assert class_weights(np.eye(2)[[0, 0, 0, 1]]) == pytest.approx({0: 2 / 3, 1: 2.0})
    assert class_weights(np.array([[0.0], [0.0], [0.0], [1.0]])) == pytest.approx(
        {0: 2 / 3, 1: 2.0}
    )
    # only the classes present count: 3 / (2 * 1) = 1.5 and 3 / (2 * 2) = 0.75
    weights = class_weights(np.array([0, 2, 2]))
    assert weights == pytest.approx({0: 1.5, 2: 0.75})
    assert sum(weights[c] for c in [0, 2, 2]) == pytest.approx(3)  # sums to n_samples


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rotation_range": -1}, r"Augment: expected rotation_range as a number >= 0"),
        ({"width_shift_range": -0.1}, r"expected width_shift_range as a number >= 0"),
        ({"height_shift_range": float("nan")}, r"expected height_shift_range"),
        ({"zoom_range": 1.5}, r"expected zoom_range as a number in \[0, 1\)"),
        ({"zoom_range": (1.2, 0.8)}, r"expected zoom_range as a pair"),
        ({"zoom_range": (0.0, 1.0)}, r"expected zoom_range as a pair \(lo, hi\) with 0 < lo"),
        ({"brightness_range": (1.5, 0.5)}, r"expected brightness_range as a pair"),
        ({"brightness_range": 0.5}, r"expected brightness_range as a pair"),
        ({"fill_mode": "mirror"}, r"expected fill_mode one of \['constant', 'nearest'"),
    ],
)
def test_augment_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Augment(**kwargs)


def test_type_errors():
    with pytest.raises(TypeError, match=r"expected horizontal_flip as True or False"):
        Augment(horizontal_flip=0.5)
    with pytest.raises(TypeError, match=r"Augment: expected a seed"):
        Augment(seed=-1)
    with pytest.raises(TypeError, match=r"expected images with a float or integer dtype"):
        Augment().apply(np.zeros((1, 2, 2, 1), dtype=bool))
    with pytest.raises(TypeError, match=r"expected images as a NumPy array"):
        Augment().apply([[[[0.0]]]])


def test_shape_and_data_errors():
    aug = Augment()
    with pytest.raises(ValueError, match=r"Augment.apply: expected images of shape \(N, H, W, C\)"):
        aug.apply(np.zeros((4, 4, 1)))
    with pytest.raises(
        ValueError, match=r"Augment.transform: expected images of shape \(H, W, C\)"
    ):
        aug.transform(np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"Augment.flow: expected images of shape"):
        aug.flow(np.zeros((4, 4)), np.zeros(4))
    x = np.zeros((4, 3, 3, 1))
    with pytest.raises(ValueError, match=r"x has 4 images, y has 3"):
        aug.flow(x, np.zeros(3))
    with pytest.raises(
        ValueError, match=r"expected sample_weight of shape \(4,\), received \(3,\)"
    ):
        aug.flow(x, np.zeros(4), sample_weight=np.ones(3))
    with pytest.raises(ValueError, match=r"expected batch_size as an integer >= 1, received 0"):
        aug.flow(x, np.zeros(4), batch_size=0)
    with pytest.raises(ValueError, match=r"expected zoom as a number > 0"):
        aug.transform(x[0], zoom=0)
    with pytest.raises(ValueError, match=r"expected theta as a finite number"):
        aug.transform(x[0], theta=float("inf"))


def test_split_and_weight_errors():
    x, y = np.zeros((6, 2)), np.array([0, 0, 0, 1, 1, 1])
    for fraction in (0, 1, -0.2, 1.5):
        with pytest.raises(ValueError, match=r"balanced_split: expected fraction in \(0, 1\)"):
            balanced_split(x, y, fraction=fraction)
    with pytest.raises(ValueError, match=r"x has shape \(6, 2\), y has shape \(5,\)"):
        balanced_split(x, y[:5])
    with pytest.raises(ValueError, match=r"every class needs 2 examples.*class 2 has 1"):
        balanced_split(np.zeros((7, 2)), np.array([0, 0, 0, 1, 1, 1, 2]))
    with pytest.raises(ValueError, match=r"gives 0 per class"):
        balanced_split(x, y, fraction=0.1)  # floor(0.1 * 6 / 2) = 0
    assert class_weights(np.array([True, False, False])) == pytest.approx({0: 0.75, 1: 1.5})
    with pytest.raises(ValueError, match=r"class_weights: expected integer class labels.*\[0\.5\]"):
        class_weights(np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"class_weights: expected labels \(N,\) or one-hot"):
        class_weights(np.zeros((2, 2, 2)))
