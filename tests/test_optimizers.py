"""Optimizers: hand-computed steps, parity with torch.optim, properties, state, config, errors.

Hand values are worked out in the comments from Keras 3's update rules (the docstrings in
minidl/optimizers/). The torch runs take 50 steps on a fixed problem whose gradient is computed
in NumPy float64 for both sides from each side's own parameters, so the two trajectories are independent
and agree only if the update rules do.
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl import optimizers
from minidl.optimizers import SGD, Adam, AdamW, Optimizer, RMSprop

# torch and minidl differ only by rounding (measured: a few 1e-16 after 50 steps); a wrong rule
# differs at 1e-3 or more. Clipping differs by torch's 1e-6 in the norm (see CLIPPING): ~1e-12.
RTOL = 1e-12
CLIP_RTOL = 1e-10
ATOL = 1e-12


def run(opt: Optimizer, w0: list[float], grads: list[list[float]]) -> np.ndarray:
    """Apply ``opt`` to one parameter starting at ``w0``, once per gradient; return it."""
    w = np.array(w0, dtype=np.float64)
    for g in grads:
        opt.apply({"w": w}, {"w": np.array(g, dtype=np.float64)})
    return w


def close(actual, expected) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-13, atol=1e-15)


# -- hand-computed steps --------------------------------------------------------------------------


def test_sgd_by_hand():
    # w = 1 - 0.1 * 2 = 0.8, then 0.8 - 0.1 * (-1) = 0.9
    close(run(SGD(learning_rate=0.1), [1.0], [[2.0]]), [0.8])
    close(run(SGD(learning_rate=0.1), [1.0], [[2.0], [-1.0]]), [0.9])


def test_sgd_momentum_by_hand():
    # m = 0.9 * 0 - 0.1 * 2 = -0.2, w = 1 - 0.2 = 0.8;
    # m = 0.9 * (-0.2) - 0.2 = -0.38, w = 0.8 - 0.38 = 0.42
    opt = SGD(learning_rate=0.1, momentum=0.9)
    close(run(opt, [1.0], [[2.0]]), [0.8])
    close(run(SGD(learning_rate=0.1, momentum=0.9), [1.0], [[2.0], [2.0]]), [0.42])
    close(opt.get_state()["slots"]["momentum"]["w"], [-0.2])


def test_sgd_nesterov_by_hand():
    # step 1: m = -0.2, w = 1 + 0.9 * (-0.2) - 0.2 = 0.62
    # step 2: m = -0.38, w = 0.62 + 0.9 * (-0.38) - 0.2 = 0.62 - 0.342 - 0.2 = 0.078
    nesterov = SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    close(run(nesterov, [1.0], [[2.0]]), [0.62])
    close(run(SGD(learning_rate=0.1, momentum=0.9, nesterov=True), [1.0], [[2.0]] * 2), [0.078])


def test_rmsprop_keras_documented_example():
    # Keras's RMSprop docstring: w = 10, loss w^2 / 2 (g = w = 10), lr = 0.1 -> 9.683772.
    # v = 0.1 * 100 = 10, w = 10 - 0.1 * 10 / sqrt(10 + 1e-7)
    w = run(RMSprop(learning_rate=0.1), [10.0], [[10.0]])
    assert w[0] == pytest.approx(9.683772, abs=1e-6)


def test_rmsprop_by_hand_two_steps():
    # step 1: v = 0.1 * 2^2 = 0.4,             w = 1 - 0.1 * 2 / sqrt(0.4 + 1e-7)  = 0.6837722...
    # step 2: v = 0.9 * 0.4 + 0.1 * 4 = 0.76,  w -= 0.2 / sqrt(0.76 + 1e-7)        -> 0.4543565...
    w = run(RMSprop(learning_rate=0.1), [1.0], [[2.0], [2.0]])
    close(w, [1 - 0.2 / math.sqrt(0.4 + 1e-7) - 0.2 / math.sqrt(0.76 + 1e-7)])
    assert w[0] == pytest.approx(0.4543565, abs=1e-7)


def test_rmsprop_epsilon_goes_inside_the_square_root():
    # g = 1e-3: v = 0.1 * 1e-6 = 1e-7, the size of epsilon. Inside the root (Keras):
    # step = 0.1 * 1e-3 / sqrt(1e-7 + 1e-7) = 0.1 * sqrt(1e-6 / 2e-7) = 0.1 * sqrt(5) = 0.2236...
    # Outside (torch's form) it would be 0.1 * 1e-3 / (sqrt(1e-7) + 1e-7) = 0.3161...
    w = run(RMSprop(learning_rate=0.1), [0.0], [[1e-3]])
    close(w, [-0.1 * math.sqrt(5)])


def test_rmsprop_centered_momentum_by_hand():
    # step 1: v = 0.4, a = 0.1 * 2 = 0.2, d = 0.4 - 0.04 + 1e-7; s1 = 0.1 * 2 / sqrt(d) = 0.333...
    #         m = s1, w = 1 - s1
    # step 2: v = 0.76, a = 0.9 * 0.2 + 0.2 = 0.38, d = 0.76 - 0.1444 + 1e-7; s2 = 0.2 / sqrt(d)
    #         m = 0.5 * s1 + s2, w = 1 - s1 - m = 1 - 1.5 s1 - s2
    opt = RMSprop(learning_rate=0.1, momentum=0.5, centered=True)
    w = run(opt, [1.0], [[2.0], [2.0]])
    s1 = 0.2 / math.sqrt(0.36 + 1e-7)
    s2 = 0.2 / math.sqrt(0.6156 + 1e-7)
    close(w, [1 - 1.5 * s1 - s2])
    close(opt.get_state()["slots"]["average_gradient"]["w"], [0.38])


def test_adam_by_hand_two_steps():
    # lr = 0.1, constant g = 2.
    # t = 1: alpha = 0.1 sqrt(1 - 0.999) / (1 - 0.9) = sqrt(0.001); m = 0.2; v = 0.004
    #        step = sqrt(0.001) * 0.2 / (sqrt(0.004) + 1e-7) = 0.0999998...  (about lr)
    # t = 2: alpha = 0.1 sqrt(0.001999) / 0.19; m = 0.2 + 0.1 (2 - 0.2) = 0.38;
    #        v = 0.004 + 0.001 (4 - 0.004) = 0.007996; step = alpha * 0.38 / (sqrt(0.007996) + 1e-7)
    # (bias correction recovers g: 0.38 / 0.19 = 2 and 0.007996 / 0.001999 = 4, so again ~lr)
    step1 = math.sqrt(0.001) * 0.2 / (math.sqrt(0.004) + 1e-7)
    step2 = 0.1 * math.sqrt(0.001999) / 0.19 * 0.38 / (math.sqrt(0.007996) + 1e-7)
    opt = Adam(learning_rate=0.1)
    close(run(opt, [1.0], [[2.0]]), [1 - step1])
    close(run(Adam(learning_rate=0.1), [1.0], [[2.0], [2.0]]), [1 - step1 - step2])
    assert step1 == pytest.approx(0.1, rel=1e-5) and step2 == pytest.approx(0.1, rel=1e-5)
    state = opt.get_state()
    assert state["iterations"] == 1
    close(state["slots"]["momentum"]["w"], [0.2])
    close(state["slots"]["velocity"]["w"], [0.004])


def test_adam_amsgrad_keeps_the_largest_velocity():
    # g = 2 then 0. t = 2: m = 0.9 * 0.2 = 0.18, v = 0.999 * 0.004 = 0.003996 < vhat = 0.004.
    # AMSGrad divides by sqrt(0.004), plain Adam by sqrt(0.003996).
    step1 = math.sqrt(0.001) * 0.2 / (math.sqrt(0.004) + 1e-7)
    alpha2 = 0.1 * math.sqrt(0.001999) / 0.19
    ams = run(Adam(learning_rate=0.1, amsgrad=True), [1.0], [[2.0], [0.0]])
    plain = run(Adam(learning_rate=0.1), [1.0], [[2.0], [0.0]])
    close(ams, [1 - step1 - alpha2 * 0.18 / (math.sqrt(0.004) + 1e-7)])
    close(plain, [1 - step1 - alpha2 * 0.18 / (math.sqrt(0.003996) + 1e-7)])


def test_weight_decay_comes_before_the_update():
    # SGD: w = 1 - 0.1 * 0.5 * 1 = 0.95, then 0.95 - 0.1 * 2 = 0.75
    # (decaying after the update would give 0.8 - 0.1 * 0.5 * 0.8 = 0.76)
    close(run(SGD(learning_rate=0.1, weight_decay=0.5), [1.0], [[2.0]]), [0.75])
    # AdamW: w = 0.95, then the Adam step of test_adam_by_hand_two_steps (independent of w)
    step1 = math.sqrt(0.001) * 0.2 / (math.sqrt(0.004) + 1e-7)
    close(run(AdamW(learning_rate=0.1, weight_decay=0.5), [1.0], [[2.0]]), [0.95 - step1])
    close(run(Adam(learning_rate=0.1, weight_decay=0.5), [1.0], [[2.0]]), [0.95 - step1])


def test_adamw_with_zero_gradient_only_decays():
    # m = v = 0, so the Adam step is 0 / (0 + eps) = 0: w = 2 (1 - 0.001 * 0.004) per step
    w = run(AdamW(), [2.0, -4.0], [[0.0, 0.0]] * 2)
    close(w, np.array([2.0, -4.0]) * (1 - 0.001 * 0.004) ** 2)
    assert AdamW().weight_decay == 0.004


def test_learning_rate_set_between_steps_is_used():
    # ReduceLROnPlateau sets it: 1 - 0.1 * 2 = 0.8, then 0.8 - 0.05 * 2 = 0.7
    opt = SGD(learning_rate=0.1)
    w = np.array([1.0])
    opt.apply({"w": w}, {"w": np.array([2.0])})
    opt.learning_rate = 0.05
    opt.apply({"w": w}, {"w": np.array([2.0])})
    close(w, [0.7])
    assert opt.get_config()["learning_rate"] == 0.05


def test_clipping_by_hand():
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([0.3, 0.4]), "c": np.array([0.0, 0.0, 12.0])}
    # clipnorm = 1, each on its own: |a| = 5 -> a / 5; |b| = 0.5 <= 1 unchanged; c -> (0, 0, 1)
    clipped = SGD(clipnorm=1.0).clip_gradients(grads)
    close(clipped["a"], [0.6, 0.8])
    close(clipped["b"], [0.3, 0.4])
    close(clipped["c"], [0.0, 0.0, 1.0])
    # global_clipnorm = 1: |(a, b, c)| = sqrt(25 + 0.25 + 144) = 13.0096...; every gradient / it
    norm = math.sqrt(169.25)
    clipped = SGD(global_clipnorm=1.0).clip_gradients(grads)
    for key in grads:
        close(clipped[key], grads[key] / norm)
    # clipvalue = 0.5, elementwise
    clipped = SGD(clipvalue=0.5).clip_gradients(grads)
    close(clipped["a"], [0.5, 0.5])
    close(clipped["b"], [0.3, 0.4])
    close(clipped["c"], [0.0, 0.0, 0.5])
    # and through apply: w = 0 - 1 * (0.6, 0.8); the caller's gradient is left alone
    g = np.array([3.0, 4.0])
    close(run(SGD(learning_rate=1.0, clipnorm=1.0), [0.0, 0.0], [g]), [-0.6, -0.8])
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_float32_parameters_stay_float32():
    w = np.ones(3, dtype=np.float32)
    opt = Adam(learning_rate=0.1)
    opt.apply({"w": w}, {"w": np.array([1.0, -2.0, 3.0])})  # a float64 gradient is cast
    assert w.dtype == np.float32
    assert opt.get_state()["slots"]["velocity"]["w"].dtype == np.float32
    np.testing.assert_allclose(w, [0.9, 1.1, 0.9], rtol=1e-5)


def test_empty_step_is_not_counted():
    opt = Adam()
    opt.apply({}, {})
    assert opt.iterations == 0


# -- parity with torch.optim ----------------------------------------------------------------------


def least_squares():
    """A Dense layer fitted by least squares: L = ||X W + b - Y||^2 / (2 N)."""
    rng = np.random.default_rng(7)
    X, Y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    init = {"dense/kernel": rng.standard_normal((3, 2)), "dense/bias": rng.standard_normal(2)}

    def gradients(p):
        r = X @ p["dense/kernel"] + p["dense/bias"] - Y
        return {"dense/kernel": X.T @ r / 8, "dense/bias": r.sum(axis=0) / 8}

    return init, gradients


def stiff_quadratic():
    """L = 1e6 |big - c1|^2 / 2 + |small - c2|^2 / 2, started so that, for clipping at 1 (or
    0.5 per element), 'big' is clipped at every one of the 50 steps and 'small' never is."""
    rng = np.random.default_rng(8)
    c1, c2 = rng.standard_normal(4), rng.standard_normal(3)
    offset = rng.uniform(2.0, 3.0, 4) * rng.choice([-1.0, 1.0], 4)
    init = {"big": c1 + offset, "small": c2 + rng.uniform(-0.05, 0.05, 3)}

    def gradients(p):
        return {"big": 1e6 * (p["big"] - c1), "small": p["small"] - c2}

    return init, gradients


def compare_with_torch(torch, problem, ours, theirs, clip=None, steps=50, rtol=RTOL):
    init, gradients = problem
    params = {k: v.copy() for k, v in init.items()}
    for _ in range(steps):
        ours.apply(params, gradients(params))
    tparams = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in init.items()}
    topt = theirs(list(tparams.values()))
    for _ in range(steps):
        grads = gradients({k: t.detach().numpy() for k, t in tparams.items()})
        for k, t in tparams.items():
            t.grad = torch.from_numpy(grads[k])
        if clip is not None:
            clip(list(tparams.values()))
        topt.step()
    for k in init:
        expected = tparams[k].detach().numpy()
        assert not np.array_equal(expected, init[k])  # the run moved
        np.testing.assert_allclose(params[k], expected, rtol=rtol, atol=ATOL, err_msg=k)


# Conventions converted (the rest of the arguments mean the same in both):
# - SGD momentum: Keras's velocity m = momentum m - lr g includes -lr; torch's buffer
#   b = momentum b + g does not (w -= lr b). m = -lr b whenever lr is constant, as here.
#   Nesterov: Keras w += momentum m - lr g equals torch's w -= lr (g + momentum b).
# - SGD weight_decay: torch's is L2 added to the gradient, Keras's is decoupled; with momentum 0
#   both give w - lr wd w - lr g, so they are compared only there.
# - RMSprop: torch's alpha is Keras's rho. torch adds eps outside the square root (sqrt(v) + eps),
#   Keras inside (sqrt(v + eps)); with momentum torch keeps b = momentum b + g / sqrt(v) and steps
#   lr b, Keras folds lr into its momentum (same for constant lr).
# - Adam/AdamW: Keras's epsilon is "epsilon hat", torch's eps = epsilon / sqrt(1 - beta_2^t)
#   changes with t, so no one value converts. Both sides use eps = 1e-30 instead: next to
#   sqrt(v) >= 1e-4 it vanishes in float64, in either placement.
# - AdamW: torch's w *= 1 - lr wd before the step is Keras's w -= lr wd w.
TINY_EPS = 1e-30

PARITY = {
    "sgd_momentum": (
        lambda: SGD(learning_rate=0.05, momentum=0.9),
        lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.9),
    ),
    "sgd_nesterov": (
        lambda: SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
        lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    ),
    "sgd_weight_decay": (
        lambda: SGD(learning_rate=0.05, weight_decay=0.1),
        lambda t, p: t.optim.SGD(p, lr=0.05, weight_decay=0.1),
    ),
    "rmsprop": (
        lambda: RMSprop(learning_rate=0.01, rho=0.9, epsilon=TINY_EPS),
        lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=TINY_EPS),
    ),
    "rmsprop_centered_momentum": (
        lambda: RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True, epsilon=TINY_EPS),
        lambda t, p: t.optim.RMSprop(
            p, lr=0.01, alpha=0.8, momentum=0.5, centered=True, eps=TINY_EPS
        ),
    ),
    "adam": (
        lambda: Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=TINY_EPS),
        lambda t, p: t.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=TINY_EPS),
    ),
    "adam_amsgrad": (
        lambda: Adam(learning_rate=0.01, epsilon=TINY_EPS, amsgrad=True),
        lambda t, p: t.optim.Adam(p, lr=0.01, eps=TINY_EPS, amsgrad=True),
    ),
    "adamw": (
        lambda: AdamW(learning_rate=0.01, weight_decay=0.1, epsilon=TINY_EPS),
        lambda t, p: t.optim.AdamW(p, lr=0.01, weight_decay=0.1, eps=TINY_EPS),
    ),
}


@pytest.mark.parametrize("case", sorted(PARITY))
def test_matches_torch_optim(torch, case):
    ours, theirs = PARITY[case]
    compare_with_torch(torch, least_squares(), ours(), lambda p: theirs(torch, p))


# Clipping: torch.nn.utils.clip_grad_norm_ scales by min(c / (norm + 1e-6), 1), Keras by
# c / max(norm, c). When a gradient is not clipped both factors are exactly 1; when it is, they
# differ by 1e-6 / norm relative, under 1e-12 for the stiff problem's norms (>= 1e6).
# clip_grad_norm_ over one parameter at a time is Keras's per-gradient clipnorm; over all of
# them, global_clipnorm. clip_grad_value_ is clipvalue exactly.
CLIPPING = {
    "clipnorm": (
        {"clipnorm": 1.0},
        lambda t, ps: [t.nn.utils.clip_grad_norm_(p, 1.0) for p in ps],
    ),
    "global_clipnorm": (
        {"global_clipnorm": 1.0},
        lambda t, ps: t.nn.utils.clip_grad_norm_(ps, 1.0),
    ),
    "clipvalue": ({"clipvalue": 0.5}, lambda t, ps: t.nn.utils.clip_grad_value_(ps, 0.5)),
}


@pytest.mark.parametrize("case", sorted(CLIPPING))
def test_clipping_matches_torch(torch, case):
    kwargs, clip = CLIPPING[case]
    compare_with_torch(
        torch,
        stiff_quadratic(),
        SGD(learning_rate=0.01, momentum=0.5, **kwargs),
        lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.5),
        clip=lambda ps: clip(torch, ps),
        rtol=CLIP_RTOL,
    )


# -- properties -----------------------------------------------------------------------------------


@st.composite
def optimizer_settings(draw):
    """(class, kwargs) over every optimizer and option."""
    cls = draw(st.sampled_from([SGD, RMSprop, Adam, AdamW]))
    kwargs = {"learning_rate": draw(st.floats(1e-4, 0.5))}
    clip = draw(st.sampled_from([None, "clipnorm", "clipvalue", "global_clipnorm"]))
    if clip is not None:
        kwargs[clip] = draw(st.floats(0.1, 5.0))
    if draw(st.booleans()):
        kwargs["weight_decay"] = draw(st.floats(0.0, 0.1))
    unit = st.floats(0.0, 0.99)
    if cls is SGD:
        kwargs.update(momentum=draw(unit), nesterov=draw(st.booleans()))
    elif cls is RMSprop:
        kwargs.update(rho=draw(unit), momentum=draw(unit), centered=draw(st.booleans()))
    else:
        kwargs.update(beta_1=draw(unit), beta_2=draw(unit), amsgrad=draw(st.booleans()))
    return cls, kwargs


@st.composite
def problems(draw):
    """(params, list of gradient dicts) with drawn keys, shapes, dtype and values."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    shapes = draw(st.lists(st.lists(st.integers(1, 4), max_size=3), min_size=1, max_size=3))
    keys = [f"layer_{i}/{'kernel' if len(s) > 1 else 'bias'}" for i, s in enumerate(shapes)]
    params = {
        k: np.asarray(rng.standard_normal(s), dtype=dtype)
        for k, s in zip(keys, shapes, strict=True)
    }
    steps = draw(st.integers(1, 4))
    scale = 10.0 ** rng.uniform(-2, 2)
    grads = [
        {k: np.asarray(scale * rng.standard_normal(p.shape)) for k, p in params.items()}
        for _ in range(steps)
    ]
    return params, grads


@given(settings=optimizer_settings(), problem=problems())
def test_apply_updates_in_place_and_leaves_gradients_alone(settings, problem):
    cls, kwargs = settings
    params, grads = problem
    opt = cls(**kwargs)
    originals = dict(params)
    for g in grads:
        before = {k: a.copy() for k, a in g.items()}
        opt.apply(params, g)
        for k in g:
            np.testing.assert_array_equal(g[k], before[k])
    for k, a in params.items():
        assert a is originals[k]
        assert np.isfinite(a).all()
    assert opt.iterations == len(grads)


@given(settings=optimizer_settings(), problem=problems(), split=st.integers(0, 4))
def test_state_round_trip_resumes_bit_for_bit(settings, problem, split):
    cls, kwargs = settings
    params, grads = problem
    split = min(split, len(grads))
    opt = cls(**kwargs)
    for g in grads[:split]:
        opt.apply(params, g)
    saved_params = {k: a.copy() for k, a in params.items()}
    state = opt.get_state()
    for g in grads[split:]:
        opt.apply(params, g)

    resumed = cls.from_config(opt.get_config())
    resumed.set_state(state)
    for arrays in state["slots"].values():  # set_state kept copies: this must change nothing
        for a in arrays.values():
            a.fill(np.nan)
    for g in grads[split:]:
        resumed.apply(saved_params, g)
    for k in params:
        np.testing.assert_array_equal(saved_params[k], params[k])
    assert resumed.iterations == opt.iterations == len(grads)
    final, again = opt.get_state(), resumed.get_state()
    for slot, arrays in final["slots"].items():
        for k, a in arrays.items():
            np.testing.assert_array_equal(again["slots"][slot][k], a)
            a.fill(np.nan)  # get_state returned copies: the optimizer's own are untouched
    assert all(
        np.isfinite(a).all()
        for arrays in opt.get_state()["slots"].values()
        for a in arrays.values()
    )


@given(problem=problems(), c=st.floats(0.1, 10.0), joint=st.booleans())
def test_clipped_norm_is_at_most_the_limit(problem, c, joint):
    _, grads = problem
    g = grads[0]
    opt = SGD(global_clipnorm=c) if joint else SGD(clipnorm=c)
    clipped = opt.clip_gradients(g)
    groups = [list(g)] if joint else [[k] for k in g]
    for keys in groups:
        norm = math.sqrt(sum(float(np.sum(g[k] ** 2)) for k in keys))
        clipped_norm = math.sqrt(sum(float(np.sum(clipped[k] ** 2)) for k in keys))
        assert clipped_norm <= c * (1 + 1e-12)
        if norm <= c:  # short gradients are left exactly as they were
            for k in keys:
                np.testing.assert_array_equal(clipped[k], g[k])
        else:  # long ones keep their direction and get length c
            assert clipped_norm == pytest.approx(c, rel=1e-12)
            for k in keys:
                np.testing.assert_allclose(clipped[k] * norm / c, g[k], rtol=1e-12, atol=1e-300)


@given(seed=st.integers(0, 2**32 - 1), lr=st.floats(1e-4, 1.0))
def test_adam_first_step_is_about_lr_whatever_the_gradient_scale(seed, lr):
    # m = (1 - b1) g, v = (1 - b2) g^2, alpha = lr sqrt(1 - b2) / (1 - b1):
    # step = lr g / (|g| + epsilon / sqrt(1 - b2)), about lr sign(g) for |g| >> 3e-6
    rng = np.random.default_rng(seed)
    g = rng.choice([-1.0, 1.0], 5) * 10.0 ** rng.uniform(-2, 3, 5)
    w = np.zeros(5)
    Adam(learning_rate=lr).apply({"w": w}, {"w": g})
    np.testing.assert_allclose(-w, lr * np.sign(g), rtol=1e-3)


@given(settings=optimizer_settings())
def test_config_round_trips(settings):
    cls, kwargs = settings
    opt = cls(**kwargs)
    config = opt.get_config()
    assert cls.from_config(config).get_config() == config
    again = optimizers.get(optimizers.serialize(opt))
    assert type(again) is cls and again.get_config() == config
    assert repr(opt).startswith(f"{cls.__name__}(")
    assert eval(repr(opt), {cls.__name__: cls}).get_config() == config


# -- get, serialize, config -----------------------------------------------------------------------


def test_get_by_name_instance_and_dict():
    for name, cls in [("sgd", SGD), ("RMSprop", RMSprop), ("ADAM", Adam), ("adamw", AdamW)]:
        opt = optimizers.get(name)
        assert type(opt) is cls and opt.get_config() == cls().get_config()
    opt = Adam(learning_rate=0.01)
    assert optimizers.get(opt) is opt
    rebuilt = optimizers.get({"class_name": "Adam", "config": {"learning_rate": 0.01}})
    assert rebuilt.learning_rate == 0.01 and rebuilt.beta_1 == 0.9


def test_keras_defaults_and_config():
    assert SGD().get_config() == {
        "name": "sgd",
        "learning_rate": 0.01,
        "weight_decay": None,
        "clipnorm": None,
        "clipvalue": None,
        "global_clipnorm": None,
        "momentum": 0.0,
        "nesterov": False,
    }
    rms = RMSprop()
    assert (rms.learning_rate, rms.rho, rms.momentum, rms.epsilon, rms.centered) == (
        0.001,
        0.9,
        0.0,
        1e-7,
        False,
    )
    adam = Adam()
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (
        0.001,
        0.9,
        0.999,
        1e-7,
        False,
    )
    assert AdamW(name="opt").get_config()["name"] == "opt"
    assert repr(Adam()) == "Adam()"
    assert repr(SGD(momentum=0.9)) == "SGD(momentum=0.9)"


def test_slot_names_follow_the_settings():
    assert SGD().get_state() == {"iterations": 0, "slots": {}}
    assert SGD(momentum=0.5).slot_names == ("momentum",)
    assert RMSprop(momentum=0.5, centered=True).slot_names == (
        "velocity",
        "momentum",
        "average_gradient",
    )
    assert Adam(amsgrad=True).slot_names == ("momentum", "velocity", "velocity_hat")


def test_docstring_examples():
    result = doctest.testmod(optimizers)
    assert result.failed == 0 and result.attempted >= 6


# -- bad inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [-1, 0, 0.0, float("nan"), float("inf")])
def test_bad_learning_rate(lr):
    with pytest.raises(
        ValueError, match=f"SGD: expected learning_rate as a positive number, received {lr}"
    ):
        SGD(learning_rate=lr)
    opt = Adam()
    with pytest.raises(ValueError, match=r"Adam: expected learning_rate"):
        opt.learning_rate = lr
    assert opt.learning_rate == 0.001


@pytest.mark.parametrize("lr", ["0.1", None, True, np.array(0.1)])
def test_learning_rate_of_the_wrong_type(lr):
    with pytest.raises(TypeError, match=r"RMSprop: expected learning_rate as a positive number"):
        RMSprop(learning_rate=lr)


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: SGD(momentum=-0.1),
            r"SGD: expected momentum as a number in \[0, 1\], received -0.1",
        ),
        (
            lambda: SGD(momentum=1.5),
            r"SGD: expected momentum as a number in \[0, 1\], received 1.5",
        ),
        (lambda: RMSprop(momentum=2), r"RMSprop: expected momentum as a number in \[0, 1\]"),
        (lambda: RMSprop(rho=1.0), r"RMSprop: expected rho as a number in \[0, 1\)"),
        (lambda: Adam(beta_1=1.0), r"Adam: expected beta_1 as a number in \[0, 1\)"),
        (lambda: Adam(beta_2=-0.5), r"Adam: expected beta_2 as a number in \[0, 1\)"),
        (lambda: Adam(epsilon=0.0), "Adam: expected epsilon as a positive number"),
        (lambda: SGD(weight_decay=-1.0), "SGD: expected weight_decay as a non-negative number"),
        (lambda: SGD(clipnorm=0.0), "SGD: expected clipnorm as a positive number or None"),
        (lambda: AdamW(weight_decay=None), "AdamW: expected weight_decay as a non-negative"),
        (
            lambda: SGD(clipnorm=1.0, global_clipnorm=1.0),
            "SGD: expected at most one of clipnorm, clipvalue and global_clipnorm, "
            "received clipnorm=1.0, global_clipnorm=1.0",
        ),
        (lambda: Adam(clipvalue=1.0, clipnorm=1.0), "Adam: expected at most one of"),
    ],
)
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_flags_and_names():
    with pytest.raises(TypeError, match=r"SGD: expected nesterov as True or False"):
        SGD(momentum=0.9, nesterov="yes")
    with pytest.raises(TypeError, match=r"Adam: expected amsgrad"):
        Adam(amsgrad=1)
    with pytest.raises(TypeError, match=r"SGD: expected momentum as a number"):
        SGD(momentum="0.9")
    with pytest.raises(TypeError, match=r"Adam: expected name as a string"):
        Adam(name=3)


@pytest.mark.parametrize(
    "identifier",
    [
        "adagrad",
        "",
        None,
        3,
        {"class_name": "Nope", "config": {}},
        {"config": {}},
        {"class_name": "sgd", "x": 1},
    ],
)
def test_get_unknown(identifier):
    with pytest.raises(
        ValueError, match=r"optimizers.get: .*'sgd', 'rmsprop', 'adam', 'adamw'|keys"
    ):
        optimizers.get(identifier)


def test_bad_config_and_serialize():
    with pytest.raises(ValueError, match=r"Adam.from_config: .*received unknown \['momentum'\]"):
        Adam.from_config({"momentum": 0.9})
    with pytest.raises(TypeError, match=r"Adam.from_config: expected a dict"):
        Adam.from_config([("learning_rate", 0.1)])
    with pytest.raises(TypeError, match=r"optimizers.serialize: expected an Optimizer"):
        optimizers.serialize("adam")


def test_mismatched_keys_and_shapes_name_the_key():
    opt = Adam()
    w, b = np.zeros((3, 2)), np.zeros(2)
    params = {"dense/kernel": w, "dense/bias": b}
    with pytest.raises(
        ValueError,
        match=r"Adam: expected a gradient for every parameter, none for \['dense/bias'\]",
    ):
        opt.apply(params, {"dense/kernel": np.ones((3, 2))})
    with pytest.raises(
        ValueError, match=r"Adam: received gradients for unknown parameters \['dense_1/bias'\]"
    ):
        opt.apply(
            params,
            {"dense/kernel": np.ones((3, 2)), "dense/bias": np.ones(2), "dense_1/bias": np.ones(2)},
        )
    with pytest.raises(
        ValueError,
        match=r"Adam: expected gradient 'dense/kernel' with its parameter's shape \(3, 2\), received shape \(2, 3\)",
    ):
        opt.apply(params, {"dense/kernel": np.ones((2, 3)), "dense/bias": np.ones(2)})
    assert opt.iterations == 0 and not w.any() and not b.any()  # a refused step changes nothing
    opt.apply(params, {"dense/kernel": np.ones((3, 2)), "dense/bias": np.ones(2)})
    with pytest.raises(
        ValueError,
        match=r"Adam: parameter 'dense/bias' has shape \(4,\), but the optimizer's 'momentum' slot",
    ):
        opt.apply({"dense/bias": np.zeros(4)}, {"dense/bias": np.ones(4)})


def test_bad_params_and_grads_types():
    opt = SGD()
    with pytest.raises(TypeError, match=r"SGD: expected params as a dict"):
        opt.apply([np.zeros(2)], [np.ones(2)])
    with pytest.raises(
        TypeError, match=r"SGD: expected parameter 'w' as a floating-point NumPy array"
    ):
        opt.apply({"w": [0.0, 1.0]}, {"w": np.ones(2)})
    with pytest.raises(TypeError, match=r"received dtype int64"):
        opt.apply({"w": np.zeros(2, dtype=np.int64)}, {"w": np.ones(2)})
    with pytest.raises(TypeError, match=r"SGD: expected gradient 'w' with a real numeric dtype"):
        opt.apply({"w": np.zeros(2)}, {"w": np.array(["a", "b"])})


def test_bad_state():
    opt = Adam()
    opt.apply({"w": np.zeros(2)}, {"w": np.ones(2)})
    good = opt.get_state()
    bad_states = [
        ([1, 2], "expected a dict with keys 'iterations' and 'slots'"),
        (
            {"iterations": 1},
            r"expected a dict with keys 'iterations' and 'slots', received \['iterations'\]",
        ),
        ({**good, "iterations": -1}, "expected iterations as a non-negative integer, received -1"),
        ({**good, "iterations": 1.5}, "expected iterations as a non-negative integer"),
        ({**good, "iterations": True}, "expected iterations as a non-negative integer"),
        (SGD(momentum=0.9).get_state(), r"expected slots \['momentum', 'velocity'\]"),
        ({**good, "slots": {"momentum": {}, "velocity": []}}, "expected slot 'velocity' as a dict"),
        (
            {**good, "slots": {"momentum": {"w": np.zeros(2)}, "velocity": {"w": np.zeros(3)}}},
            r"slots for 'w' have different shapes, \(2,\) and \(3,\)",
        ),
        (
            {**good, "slots": {"momentum": {"w": np.zeros(2)}, "velocity": {}}},
            "expected every slot to hold the same parameter keys",
        ),
        (
            {**good, "slots": {"momentum": {"w": [0.0, 0.0]}, "velocity": {"w": np.zeros(2)}}},
            "expected slot 'momentum' for 'w' as a floating-point array",
        ),
    ]
    for state, message in bad_states:
        with pytest.raises(ValueError, match=r"Adam.set_state: " + message):
            opt.set_state(state)
    after = opt.get_state()  # refused states left the optimizer as it was
    assert after["iterations"] == 1
    np.testing.assert_array_equal(after["slots"]["velocity"]["w"], good["slots"]["velocity"]["w"])
