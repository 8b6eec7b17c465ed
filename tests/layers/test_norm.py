"""BatchNormalization: hand values, gradient checks in both modes, the moving statistics, PyTorch
parity (momentum and variance conventions converted), freezing, Keras's weight counts, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minidl.gradcheck import check_layer
from minidl.layers import BatchNormalization
from minidl.testing import check_layer_contract


def test_hand_computed_training_forward_and_moving_update():
    # One feature, batch [1, 3]: mean 2, biased variance ((1-2)^2 + (3-2)^2) / 2 = 1.
    # x_hat = (x - 2) / sqrt(1 + 0.25) = [-1, 1] / 1.118034; y = 2 * x_hat + 0.5.
    bn = BatchNormalization(momentum=0.9, epsilon=0.25)
    bn.build((None, 1))
    bn.params["gamma"][:] = 2.0
    bn.params["beta"][:] = 0.5
    y = bn.forward(np.array([[1.0], [3.0]]), training=True)
    np.testing.assert_allclose(y[:, 0], [0.5 - 2 / np.sqrt(1.25), 0.5 + 2 / np.sqrt(1.25)])
    # moving_mean = 0.9 * 0 + 0.1 * 2 = 0.2; moving_variance = 0.9 * 1 + 0.1 * 1 = 1.0
    np.testing.assert_allclose(bn.buffers["moving_mean"], [0.2])
    np.testing.assert_allclose(bn.buffers["moving_variance"], [1.0])
    # inference: (x - 0.2) / sqrt(1.0 + 0.25) * 2 + 0.5 at x = 1.2 gives 2 / sqrt(1.25) + 0.5
    np.testing.assert_allclose(bn.forward(np.array([[1.2]])), [[2 / np.sqrt(1.25) + 0.5]])


def test_images_normalised_per_channel():
    rng = np.random.default_rng(0)
    x = rng.normal([1.0, -4.0, 10.0], [0.5, 2.0, 3.0], size=(8, 5, 5, 3))
    y = BatchNormalization(epsilon=1e-9).forward(x, training=True)
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 1, 2)), 1, atol=1e-6)


@given(
    shape=st.sampled_from([(4, 3), (2, 5), (3, 2, 2, 2), (2, 3, 1, 4), (1, 3, 3, 1), (5, 1)]),
    center=st.booleans(),
    scale=st.booleans(),
    training=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_gradients_in_both_modes(shape, center, scale, training, seed):
    rng = np.random.default_rng(seed)

    def make():
        bn = BatchNormalization(center=center, scale=scale, momentum=0.5)
        bn.build((None, *shape[1:]))
        for key in bn.params:  # away from the initial 1 and 0, so every term of dx matters
            bn.params[key][:] = rng.normal(size=bn.params[key].shape)
        bn.buffers["moving_mean"][:] = rng.normal(size=shape[-1])
        bn.buffers["moving_variance"][:] = rng.uniform(0.5, 2.0, size=shape[-1])
        return bn

    x = rng.normal(2.0, 3.0, size=shape)
    report = check_layer_contract(make, shape, rng=rng, x=x, training=training)
    expected = {"x"} | ({"gamma"} if scale else set()) | ({"beta"} if center else set())
    assert {c.name for c in report.checks} == expected


def test_axis_one_on_channels_first_data():
    rng = np.random.default_rng(1)
    bn = BatchNormalization(axis=1)
    x = rng.normal(size=(3, 2, 4, 4))
    report = check_layer(bn, x, training=True)
    assert report.passed and bn.params["gamma"].shape == (2,)


def test_frozen_layer_runs_in_inference_mode():
    bn = BatchNormalization()
    x = np.random.default_rng(2).normal(3.0, 1.0, size=(6, 2))
    bn.trainable = False
    y = bn.forward(x, training=True)
    np.testing.assert_allclose(y, x / np.sqrt(1 + 1e-3))  # moving stats 0 and 1: no change
    np.testing.assert_array_equal(bn.buffers["moving_mean"], [0.0, 0.0])


def test_keras_weight_counts():
    bn = BatchNormalization()
    bn.build((None, 8, 8, 16))
    assert bn.count_params() == 64  # gamma, beta, moving_mean, moving_variance: 4 * 16
    assert list(bn.params) == ["gamma", "beta"]
    assert list(bn.buffers) == ["moving_mean", "moving_variance"]
    bn2 = BatchNormalization(scale=False)
    bn2.build((None, 5))
    assert bn2.count_params() == 15


def test_pytorch_parity_forward_backward_and_running_statistics(torch):
    rng = np.random.default_rng(3)
    n, h, w, c = 4, 3, 3, 5
    momentum, eps = 0.9, 1e-3
    bn = BatchNormalization(momentum=momentum, epsilon=eps)
    # PyTorch's momentum is the weight of the *new* batch: 1 - Keras's.
    ref = torch.nn.BatchNorm2d(c, eps=eps, momentum=1 - momentum)
    gamma, beta = rng.normal(size=c), rng.normal(size=c)
    bn.build((None, h, w, c))
    bn.params["gamma"][:], bn.params["beta"][:] = gamma, beta
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(gamma))
        ref.bias.copy_(torch.from_numpy(beta))
    biased_vars = []
    for _ in range(3):
        x = rng.normal(1.0, 2.0, size=(n, h, w, c))
        dy = rng.normal(size=x.shape)
        y = bn.forward(x, training=True)
        dx = bn.backward(dy)
        xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).requires_grad_()
        yt = ref(xt)
        yt.backward(torch.from_numpy(dy.transpose(0, 3, 1, 2).copy()))
        np.testing.assert_allclose(y, yt.detach().numpy().transpose(0, 2, 3, 1), atol=1e-12)
        np.testing.assert_allclose(dx, xt.grad.numpy().transpose(0, 2, 3, 1), atol=1e-12)
        np.testing.assert_allclose(bn.grads["gamma"], ref.weight.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(bn.grads["beta"], ref.bias.grad.numpy(), atol=1e-12)
        ref.weight.grad, ref.bias.grad = None, None
        biased_vars.append(x.var(axis=(0, 1, 2)))
    np.testing.assert_allclose(bn.buffers["moving_mean"], ref.running_mean.numpy(), atol=1e-12)
    # PyTorch folds in the unbiased variance, m/(m-1) times the biased one (m = N*H*W): rebuild
    # Keras's moving variance from PyTorch's by undoing that factor on each batch's term.
    m = n * h * w
    torch_var = ref.running_var.numpy()
    keras_from_torch = momentum**3 * 1.0 + sum(
        (1 - momentum) * momentum ** (2 - i) * v for i, v in enumerate(biased_vars)
    )
    torch_expected = momentum**3 * 1.0 + sum(
        (1 - momentum) * momentum ** (2 - i) * v * m / (m - 1) for i, v in enumerate(biased_vars)
    )
    np.testing.assert_allclose(torch_var, torch_expected, rtol=1e-12)
    np.testing.assert_allclose(bn.buffers["moving_variance"], keras_from_torch, rtol=1e-12)
    ref.eval()
    x = rng.normal(size=(2, h, w, c))
    with torch.no_grad():
        ref.running_var.copy_(torch.from_numpy(bn.buffers["moving_variance"].copy()))
        yt = ref(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(bn.forward(x), yt, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"momentum": 1.5}, r"expected momentum in \[0, 1\], received 1.5"),
        ({"epsilon": 0}, r"expected epsilon > 0, received 0"),
        ({"gamma_initializer": "nope"}, r"unknown initializer 'nope'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BatchNormalization(**kwargs)


def test_bad_axis_and_shape():
    with pytest.raises(ValueError, match=r"axis 0 is not a feature axis .*axis 0 is the batch"):
        BatchNormalization(axis=0).forward(np.ones((2, 3)))
    bn = BatchNormalization()
    bn.forward(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"expected input of shape \('N', 3\).*received shape \(2, 4\)"
    ):
        bn.forward(np.ones((2, 4)))
