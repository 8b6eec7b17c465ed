"""The course's published numbers on the real cat/non-cat data.

Source: the course's "Deep Neural Network - Application" notebook (Neural Networks and Deep
Learning, week 4), as published with the assignment. Copies of that notebook run on different
machines print the later costs with last digits that differ by up to ~4e-14 relative (different
BLAS builds round differently; the course's own code run here matches 7 of the 26 published
two-layer costs to the last digit), so iteration 0 is compared digit for digit (with OpenBLAS's
AVX2 kernels; within 4 ulp with any kernel) and later full-digit values at rel 1e-11; values the
course prints with 6 decimals are compared at 5e-7 absolute. Accuracies are compared exactly, as
the strings the course's ``predict`` prints.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

from minidl.course import dnn

TWO_LAYER_COSTS = {
    0: 0.693049735659989,
    100: 0.6464320953428849,
    200: 0.6325140647912677,
    300: 0.6015024920354665,
    400: 0.5601966311605747,
    500: 0.5158304772764729,
    600: 0.4754901313943325,
    700: 0.43391631512257495,
    800: 0.4007977536203886,
    900: 0.3580705011323798,
    1000: 0.3394281538366413,
    1100: 0.30527536361962654,
    1200: 0.2749137728213015,
    1300: 0.2468176821061484,
    1400: 0.19850735037466102,
    1500: 0.17448318112556638,
    1600: 0.1708076297809692,
    1700: 0.11306524562164715,
    1800: 0.09629426845937156,
    1900: 0.0834261795972687,
    2000: 0.07439078704319085,
    2100: 0.06630748132267933,
    2200: 0.05919329501038172,
    2300: 0.053361403485605606,
    2400: 0.04855478562877019,
    2499: 0.04421498215868956,
}
L_LAYER_COSTS_FULL = {
    0: 0.7717493284237686,
    100: 0.6720534400822914,
    200: 0.6482632048575212,
    2400: 0.09287821526472398,
    2499: 0.08843994344170202,
}
L_LAYER_COSTS_6DP = {
    300: 0.611507,
    400: 0.567047,
    500: 0.540138,
    600: 0.527930,
    700: 0.465477,
    800: 0.369126,
    900: 0.391747,
    1000: 0.315187,
    1100: 0.272700,
    1200: 0.237419,
    1300: 0.199601,
    1400: 0.189263,
    1500: 0.161189,
    1600: 0.148214,
    1700: 0.137775,
    1800: 0.129740,
    1900: 0.121225,
    2000: 0.113821,
    2100: 0.107839,
    2200: 0.102855,
    2300: 0.100897,
}
FULL_DIGITS = 1e-11


def printed_costs(text):
    costs = {}
    for line in text.splitlines():
        if line.startswith("Cost after iteration "):
            i, c = line[len("Cost after iteration ") :].split(": ")
            costs[int(i)] = float(c)
    return costs


ITERATION_ZERO = {"two-layer": "0.693049735659989", "l-layer": "0.7717493284237686"}
ITERATION_ZERO_SCRIPT = """
import sys
from minidl.course import dnn
from minidl.data import load_catvnoncat
train_x_orig, train_y, _, _, _ = load_catvnoncat(sys.argv[1])
x = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255.0
print(repr(dnn.two_layer_model(x, train_y, (12288, 7, 1), num_iterations=1)[1][0]))
print(repr(dnn.L_layer_model(x, train_y, [12288, 20, 7, 5, 1], num_iterations=1)[1][0]))
"""


def test_iteration_zero_anchors(cat_xy):
    # Iteration 0 is one forward pass. Its last digit depends on the order in which the BLAS
    # kernel sums the 12288-term dot products: OpenBLAS's AVX-512 kernels land 2 units in the
    # last place (ulp) from the published figure, so in this process a few ulp are allowed.
    train_x, train_y, _, _ = cat_xy
    _, costs = dnn.two_layer_model(train_x, train_y, (12288, 7, 1), num_iterations=1)
    np.testing.assert_array_max_ulp(costs[0], float(ITERATION_ZERO["two-layer"]), maxulp=4)
    _, costs = dnn.L_layer_model(train_x, train_y, [12288, 20, 7, 5, 1], num_iterations=1)
    np.testing.assert_array_max_ulp(costs[0], float(ITERATION_ZERO["l-layer"]), maxulp=4)


def test_iteration_zero_every_digit_with_the_avx2_kernels(cat_data):
    # With OpenBLAS held to its AVX2 (Haswell) kernels, the summation order of the machine the
    # course's figures came from, every printed digit matches. The kernel is chosen when the
    # library loads, hence the fresh interpreter.
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if "openblas" not in config["name"].lower():
        pytest.skip(f"NumPy uses {config['name']}, not OpenBLAS; OPENBLAS_CORETYPE means nothing")
    folder = os.environ.get("MINIDL_DATA") or os.path.join(
        os.path.dirname(__file__), "..", "..", "data"
    )
    env = {**os.environ, "OPENBLAS_CORETYPE": "Haswell"}
    result = subprocess.run(
        [sys.executable, "-c", ITERATION_ZERO_SCRIPT, folder],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [ITERATION_ZERO["two-layer"], ITERATION_ZERO["l-layer"]]


def test_course_preprocessing_shapes(cat_xy):
    train_x, _, test_x, _ = cat_xy
    assert train_x.shape == (12288, 209) and test_x.shape == (12288, 50)
    assert train_x.min() >= 0 and train_x.max() <= 1


@pytest.mark.slow
def test_two_layer_model_reproduces_the_course(cat_xy, capsys):
    train_x, train_y, test_x, test_y = cat_xy
    parameters, costs = dnn.two_layer_model(
        train_x, train_y, (12288, 7, 1), num_iterations=2500, print_cost=True
    )
    printed = printed_costs(capsys.readouterr().out)
    assert sorted(printed) == sorted(TWO_LAYER_COSTS)
    for i, expected in TWO_LAYER_COSTS.items():
        assert printed[i] == pytest.approx(expected, rel=FULL_DIGITS), f"iteration {i}"
    assert costs == [printed[i] for i in range(0, 2500, 100)]
    dnn.predict(train_x, train_y, parameters)
    assert capsys.readouterr().out == "Accuracy: 0.9999999999999998\n"
    dnn.predict(test_x, test_y, parameters)
    assert capsys.readouterr().out == "Accuracy: 0.72\n"


@pytest.mark.slow
def test_L_layer_model_reproduces_the_course(cat_xy, capsys):
    train_x, train_y, test_x, test_y = cat_xy
    parameters, _ = dnn.L_layer_model(
        train_x, train_y, [12288, 20, 7, 5, 1], num_iterations=2500, print_cost=True
    )
    printed = printed_costs(capsys.readouterr().out)
    for i, expected in L_LAYER_COSTS_FULL.items():
        assert printed[i] == pytest.approx(expected, rel=FULL_DIGITS), f"iteration {i}"
    for i, expected in L_LAYER_COSTS_6DP.items():
        assert printed[i] == pytest.approx(expected, abs=5e-7), f"iteration {i}"
    dnn.predict(train_x, train_y, parameters)
    assert capsys.readouterr().out == "Accuracy: 0.9856459330143539\n"
    p = dnn.predict(test_x, test_y, parameters)
    assert capsys.readouterr().out == "Accuracy: 0.8\n"
    assert np.sum(p != test_y) == 10  # 80% of 50 test images: 10 mislabeled
