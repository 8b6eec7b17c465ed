"""The course's function API on small cases a reader can check by hand (or against a second,
plain-NumPy implementation written here), its caches, and the errors students meet."""

import numpy as np
import pytest

from minidl.course import dnn


def reference_forward(X, parameters):
    """A second implementation of [LINEAR->RELU]*(L-1)->LINEAR->SIGMOID, straight from the formulas."""
    L = len(parameters) // 2
    A = X
    for l in range(1, L + 1):
        Z = np.dot(parameters[f"W{l}"], A) + parameters[f"b{l}"]
        A = 1 / (1 + np.exp(-Z)) if l == L else np.maximum(0, Z)
    return A


def test_initialize_parameters_matches_the_course():
    np.random.seed(1)
    p = dnn.initialize_parameters(3, 2, 1)
    # The course's published output for initialize_parameters(3, 2, 1) after np.random.seed(1)
    np.testing.assert_allclose(
        p["W1"],
        [[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]],
        atol=5e-9,
    )
    np.testing.assert_allclose(p["W2"], [[0.01744812, -0.00761207]], atol=5e-9)
    assert p["b1"].shape == (2, 1) and not p["b1"].any() and p["b2"].shape == (1, 1)


def test_initialize_parameters_deep_draws_in_order():
    np.random.seed(3)
    p = dnn.initialize_parameters_deep([5, 4, 3])
    np.random.seed(3)
    W1 = np.random.randn(4, 5) / np.sqrt(5)
    W2 = np.random.randn(3, 4) / np.sqrt(4)
    np.testing.assert_array_equal(p["W1"], W1)
    np.testing.assert_array_equal(p["W2"], W2)
    assert sorted(p) == ["W1", "W2", "b1", "b2"] and p["b2"].shape == (3, 1)


def test_linear_forward_by_hand():
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    W = np.array([[1.0, 0.0, -1.0]])
    b = np.array([[0.5]])
    Z, cache = dnn.linear_forward(A, W, b)
    np.testing.assert_array_equal(Z, [[1 - 5 + 0.5, 2 - 6 + 0.5]])
    assert cache[0] is A and cache[1] is W and cache[2] is b  # the course's linear cache (A, W, b)


def test_linear_activation_forward_and_cache_layout():
    A = np.array([[1.0, -2.0], [0.5, 1.0]])
    W = np.array([[1.0, 1.0], [-1.0, 2.0]])
    b = np.array([[0.0], [1.0]])
    Z = W @ A + b
    A_relu, (_, act) = dnn.linear_activation_forward(A, W, b, "relu")
    np.testing.assert_array_equal(A_relu, np.maximum(Z, 0))
    np.testing.assert_array_equal(
        act, Z
    )  # the activation cache is Z, as the course's tests build it
    A_sig, _ = dnn.linear_activation_forward(A, W, b, "sigmoid")
    np.testing.assert_allclose(A_sig, 1 / (1 + np.exp(-Z)), rtol=1e-15)


def test_L_model_forward_matches_a_second_implementation(rng):
    np.random.seed(2)
    params = dnn.initialize_parameters_deep([6, 5, 4, 1])
    X = rng.standard_normal((6, 7))
    AL, caches = dnn.L_model_forward(X, params)
    np.testing.assert_allclose(AL, reference_forward(X, params), rtol=1e-14)
    assert AL.shape == (1, 7) and len(caches) == 3


def test_compute_cost_by_hand():
    # The course's test case: Y = [1, 1, 0], AL = [.8, .9, .4] -> 0.2797765635793422
    assert dnn.compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]])) == pytest.approx(
        0.2797765635793422, rel=1e-15
    )


def test_L_model_backward_matches_finite_differences(rng):
    np.random.seed(4)
    params = dnn.initialize_parameters_deep([4, 3, 2, 1])
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}
    X, Y = rng.standard_normal((4, 5)), rng.integers(0, 2, (1, 5))
    AL, caches = dnn.L_model_forward(X, params)
    grads = dnn.L_model_backward(AL, Y, caches)
    h = 1e-6
    for key, value in params.items():
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            up = {**params, key: value.copy()}
            down = {**params, key: value.copy()}
            up[key][i] += h
            down[key][i] -= h
            cost_up = dnn.compute_cost(reference_forward(X, up), Y)
            cost_down = dnn.compute_cost(reference_forward(X, down), Y)
            numeric[i] = (cost_up - cost_down) / (2 * h)
        np.testing.assert_allclose(grads[f"d{key}"], numeric, rtol=1e-5, atol=1e-9)
    assert sorted(grads) == ["dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"]
    # dA0 = W1^T dZ1, unscaled by 1/m, as the course computes it
    assert grads["dA0"].shape == X.shape


def test_update_parameters_returns_new_arrays():
    params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[0.5]])}
    grads = {"dW1": np.array([[10.0, -10.0]]), "db1": np.array([[1.0]]), "dA0": np.zeros((2, 1))}
    new = dnn.update_parameters(params, grads, 0.1)
    np.testing.assert_array_equal(new["W1"], [[0.0, 3.0]])
    np.testing.assert_array_equal(new["b1"], [[0.4]])
    np.testing.assert_array_equal(params["W1"], [[1.0, 2.0]])  # the caller's dict is untouched


def test_predict_prints_the_course_accuracy(capsys):
    params = {
        "W1": np.array([[1.0]]),
        "b1": np.array([[0.0]]),
        "W2": np.array([[1.0]]),
        "b2": np.array([[-1.0]]),
    }
    X = np.array([[0.0, 2.0, 3.0]])  # probabilities s(-1) < .5, s(1) > .5, s(2) > .5
    p = dnn.predict(X, np.array([[0, 1, 0]]), params)
    np.testing.assert_array_equal(p, [[0.0, 1.0, 1.0]])
    assert capsys.readouterr().out == "Accuracy: " + str(np.sum(np.array([1, 1, 0]) / 3)) + "\n"


def test_two_layer_model_small_run_prints_every_hundred(capsys, rng):
    X, Y = rng.standard_normal((3, 8)), rng.integers(0, 2, (1, 8))
    _, costs = dnn.two_layer_model(X, Y, (3, 4, 1), num_iterations=201, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Cost after iteration 0",
        "Cost after iteration 100",
        "Cost after iteration 200",
    ]
    assert len(costs) == 3 and costs[0] == pytest.approx(
        np.log(2), abs=1e-3
    )  # tiny weights: p ~ 1/2
    _, costs_again = dnn.two_layer_model(X, Y, (3, 4, 1), num_iterations=201)
    assert costs_again == costs and capsys.readouterr().out == ""  # seeded, and silent by default
    assert costs[2] < costs[0]


def test_model_functions_reseed_numpys_global_generator(rng):
    X, Y = rng.standard_normal((3, 4)), rng.integers(0, 2, (1, 4))
    np.random.seed(123)
    a, _ = dnn.L_layer_model(X, Y, [3, 2, 1], num_iterations=1)
    np.random.seed(999)
    b, _ = dnn.L_layer_model(X, Y, [3, 2, 1], num_iterations=1)
    np.testing.assert_array_equal(a["W1"], b["W1"])


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: dnn.linear_forward(np.ones((3, 2)), np.ones((1, 4)), np.ones((1, 1))),
            ValueError,
            r"linear_forward: .*W's columns equal to A's rows, received W \(1, 4\) and A \(3, 2\)",
        ),
        (
            lambda: dnn.linear_forward(np.ones((3, 2)), np.ones((1, 3)), np.ones((3, 1))),
            ValueError,
            r"expected b of shape \(1, 1\), received \(3, 1\)",
        ),
        (
            lambda: dnn.linear_forward(
                np.array([[1.0, np.nan]]).T, np.ones((1, 2)), np.ones((1, 1))
            ),
            ValueError,
            r"linear_forward: A contains NaN",
        ),
        (
            lambda: dnn.linear_forward(np.ones((3, 0)), np.ones((1, 3)), np.ones((1, 1))),
            ValueError,
            r"A holds no examples",
        ),
        (
            lambda: dnn.linear_forward(np.array([["a"]]), np.ones((1, 1)), np.ones((1, 1))),
            TypeError,
            r"linear_forward: expected A with a real numeric dtype",
        ),
        (
            lambda: dnn.linear_activation_forward(
                np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)), "tanh"
            ),
            ValueError,
            r"expected activation 'relu' or 'sigmoid', received 'tanh'",
        ),
        (
            lambda: dnn.compute_cost(np.full((1, 3), 0.5), np.ones((1, 4))),
            ValueError,
            r"compute_cost: expected AL and Y both of shape \(1, m\), received AL \(1, 3\) and Y \(1, 4\)",
        ),
        (
            lambda: dnn.compute_cost(np.full((1, 2), 0.5), np.array([[1, 2]])),
            ValueError,
            r"compute_cost: expected Y \(labels\) with values in \{0, 1\}, received values such as \[2",
        ),
        (
            lambda: dnn.compute_cost(np.array([[0.5, np.nan]]), np.array([[1, 0]])),
            ValueError,
            r"compute_cost: AL contains 1 NaN",
        ),
        (
            lambda: dnn.two_layer_model(np.ones((4, 3)), np.ones((1, 3)), (5, 2, 1)),
            ValueError,
            r"layers_dims\[0\] = 5 but X has 4 rows",
        ),
        (
            lambda: dnn.L_layer_model(np.ones((4, 3)), np.ones((1, 2)), [4, 1]),
            ValueError,
            r"expected Y of shape \(1, m\) with m = 3",
        ),
        (
            lambda: dnn.L_layer_model(np.ones((4, 3)), np.ones((1, 3)), [4, 1], learning_rate=-1),
            ValueError,
            r"positive learning_rate",
        ),
        (
            lambda: dnn.L_layer_model(np.ones((4, 3)), np.ones((1, 3)), [4, 1], num_iterations=0),
            ValueError,
            r"num_iterations as a positive integer",
        ),
        (
            lambda: dnn.L_layer_model(np.ones((4, 0)), np.ones((1, 0)), [4, 1]),
            ValueError,
            r"X is empty",
        ),
        (
            lambda: dnn.initialize_parameters_deep([5, 0, 1]),
            ValueError,
            r"positive integer layer sizes",
        ),
        (
            lambda: dnn.L_model_forward(np.ones((2, 2)), {"W1": np.ones((1, 2))}),
            ValueError,
            r"expected keys W1, b1, ..., WL, bL",
        ),
        (
            lambda: dnn.update_parameters(
                {"W1": np.ones((1, 2)), "b1": np.ones((1, 1))}, {"dW1": np.ones((1, 2))}, 0.1
            ),
            ValueError,
            r"grads lacks \['db1'\]",
        ),
        (
            lambda: dnn.linear_backward(
                [[1.0]], (np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)))
            ),
            None,
            None,
        ),
        (
            lambda: dnn.linear_backward(
                np.array([[np.nan]]), (np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)))
            ),
            ValueError,
            r"linear_backward: dZ contains NaN",
        ),
        (
            lambda: dnn.linear_backward(np.ones((1, 1)), "cache"),
            ValueError,
            r"linear_backward: expected the cache \(A_prev, W, b\)",
        ),
        (
            lambda: dnn.linear_activation_backward(
                np.ones((2, 1)), ((np.ones((1, 1)),) * 3, np.ones((1, 1))), "relu"
            ),
            ValueError,
            r"expected dA of shape \(1, 1\) \(that of A\), received \(2, 1\)",
        ),
        (
            lambda: dnn.L_model_backward(np.full((1, 2), 0.5), np.ones((1, 2)), []),
            ValueError,
            r"L_model_backward: expected caches as the non-empty list",
        ),
        (
            lambda: dnn.L_model_backward(np.array([[1.0, 0.5]]), np.array([[0, 1]]), [None]),
            ValueError,
            r"L_model_backward: the network saturated.*X / 255",
        ),
        (
            lambda: dnn.update_parameters(
                {"W1": np.ones((1, 1)), "b1": np.ones((1, 1))},
                {"dW1": np.ones((1, 1)), "db1": np.ones((1, 1))},
                "0.1",
            ),
            ValueError,
            r"update_parameters: expected a positive learning_rate, received '0.1'",
        ),
        (
            lambda: dnn.two_layer_model(np.ones((4, 3)), np.ones((1, 3)), (4, 2, 2)),
            ValueError,
            r"two_layer_model: expected one output unit \(layers_dims\[-1\] == 1",
        ),
    ],
)
def test_bad_input_names_function_expected_and_received(call, error, message):
    if error is None:
        dA_prev, dW, db = call()  # a list is accepted like an array
        assert dA_prev.shape == dW.shape == db.shape == (1, 1)
        return
    with pytest.raises(error, match=message):
        call()


def test_inputs_are_not_mutated(rng):
    np.random.seed(0)
    params = dnn.initialize_parameters_deep([3, 2, 1])
    X, Y = rng.standard_normal((3, 4)), rng.integers(0, 2, (1, 4)).astype(float)
    saved = {k: v.copy() for k, v in params.items()}
    X0, Y0 = X.copy(), Y.copy()
    AL, caches = dnn.L_model_forward(X, params)
    grads = dnn.L_model_backward(AL, Y, caches)
    dnn.update_parameters(params, grads, 0.5)
    dnn.L_layer_model(X, Y, [3, 2, 1], num_iterations=2)
    for k in params:
        np.testing.assert_array_equal(params[k], saved[k])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def capture_figures(monkeypatch):
    """Replace plot.show with a recorder, so tests can look at what would be displayed."""
    from minidl import plot

    shown = []
    monkeypatch.setattr(plot, "show", shown.append)
    return shown


def test_plots_are_off_for_graders(monkeypatch):
    shown = capture_figures(monkeypatch)
    monkeypatch.setenv("MINIDL_GRADER", "1")
    dnn.plot_costs([0.7, 0.5, 0.3], 0.0075)
    dnn.print_mislabeled_images(
        [b"non-cat", b"cat"], np.zeros((12, 2)), np.array([[0, 1]]), np.array([[1.0, 1.0]])
    )
    assert shown == []
    monkeypatch.delenv("MINIDL_GRADER")
    dnn.plot_costs([0.7, 0.5, 0.3], 0.0075)
    (fig,) = shown
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), [0.7, 0.5, 0.3])
    assert fig.axes[0].get_title() == "Learning rate =0.0075"  # the course's title, verbatim


def test_figures_are_closed_on_a_non_interactive_backend():
    import matplotlib.pyplot as plt

    plt.close("all")
    for _ in range(25):  # more than matplotlib's 20-figure warning threshold
        dnn.plot_costs([0.7, 0.5], 0.01)
    assert plt.get_fignums() == []


def test_print_mislabeled_images_shows_exactly_the_mistakes(monkeypatch):
    shown = capture_figures(monkeypatch)
    X = np.linspace(0, 1, 12 * 4).reshape(12, 4)  # four 2x2 RGB images as columns
    y = np.array([[1, 0, 1, 0]])
    p = np.array([[1.0, 1.0, 0.0, 0.0]])  # images 1 and 2 are wrong
    dnn.print_mislabeled_images([b"non-cat", b"cat"], X, y, p)
    (fig,) = shown
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    # the course's title: "Prediction: " + name + " \n Class: " + name
    assert titles == ["Prediction: cat \n Class: non-cat", "Prediction: non-cat \n Class: cat"]
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), X[:, 1].reshape(2, 2, 3))


def test_print_mislabeled_images_checks_its_inputs_even_for_graders(monkeypatch):
    monkeypatch.setenv("MINIDL_GRADER", "1")
    with pytest.raises(ValueError, match=r"expected y and p of shape \(1, 4\)"):
        dnn.print_mislabeled_images(
            [b"a", b"b"], np.zeros((12, 4)), np.zeros((1, 3)), np.zeros((1, 3))
        )


def test_unscaled_inputs_stop_with_an_explanation_and_nothing_on_stderr(capsys):
    # The classic mistake: pixels in [0, 255] without / 255. The sigmoid saturates on the first
    # update; the course's code would fill the weights with NaN and warn on stderr.
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (300, 20)).astype(float)
    Y = (rng.random((1, 20)) > 0.5).astype(float)
    with pytest.raises(ValueError, match=r"L_layer_model: the network saturated"):
        dnn.L_layer_model(X, Y, [300, 5, 1], learning_rate=5.0, num_iterations=50)
    assert capsys.readouterr().err == ""


def test_predict_image_checks_num_px_against_the_network(tmp_path):
    from PIL import Image

    path = tmp_path / "cat.png"
    Image.new("RGB", (10, 10), (200, 100, 50)).save(path)
    np.random.seed(0)
    params = dnn.initialize_parameters_deep([64 * 64 * 3, 2, 1])
    with pytest.raises(ValueError, match=r"network takes 12288 inputs, but num_px=32 gives"):
        dnn.predict_image(path, params, num_px=32)
    with pytest.raises(ValueError, match=r"num_px as a positive integer, received 0"):
        dnn.predict_image(path, params, num_px=0)
    with pytest.raises(TypeError, match=r"expected path as a str or Path, received int"):
        dnn.predict_image(3, params)
