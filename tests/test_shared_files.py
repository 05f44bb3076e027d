"""The shared helper files: one source, linked from the assignments, released unchanged."""

import importlib.util
import re
import warnings

import numpy as np
import pytest

from course import paths


def test_every_link_in_source_points_to_a_shared_file():
    for assignment in paths.assignments():
        for entry in (paths.SOURCE / assignment).iterdir():
            if entry.is_symlink():
                assert entry.resolve() in paths.SHARED_FILES, f"{entry} links to {entry.resolve()}"


@pytest.mark.parametrize("shared", paths.SHARED_FILES, ids=lambda p: p.name)
def test_no_assignment_holds_a_copy_instead_of_a_link(shared):
    for copy in paths.SOURCE.glob(f"*/{shared.name}"):
        assert copy.is_symlink(), f"{copy} is a copy: replace it with a link to ../{shared.name}"


@pytest.mark.parametrize("shared", paths.SHARED_FILES, ids=lambda p: p.name)
def test_every_released_copy_is_identical_to_the_source(shared):
    for assignment in paths.assignments():
        linked = (paths.SOURCE / assignment / shared.name).exists()
        released = paths.RELEASE / assignment / shared.name
        assert linked == released.exists(), f"{released} should exist exactly when source/{assignment} links it"
        if linked:
            assert released.read_bytes() == shared.read_bytes(), f"{released} differs from {shared}"


def load_rnn_utils():
    spec = importlib.util.spec_from_file_location("rnn_utils", paths.SOURCE / "rnn_utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rnn_utils = load_rnn_utils()


def test_softmax_columns_are_probabilities_even_for_huge_scores():
    x = np.array([[1000.0, -5.0], [1001.0, -5.0], [-1000.0, -5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = rnn_utils.softmax(x)
    np.testing.assert_allclose(p.sum(axis=0), [1.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(p[:, 0], [1 / (1 + np.e), np.e / (1 + np.e), 0.0], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(p[:, 1], [1 / 3] * 3, rtol=1e-12)


def test_softmax_works_per_column_not_over_the_whole_array():
    x = np.random.RandomState(0).randn(4, 3)
    expected = np.exp(x) / np.exp(x).sum(axis=0)
    np.testing.assert_allclose(rnn_utils.softmax(x), expected, rtol=1e-12)


def test_sigmoid_matches_the_formula_without_overflow():
    x = np.array([-800.0, -30.0, 0.0, 2.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = rnn_utils.sigmoid(x)
    np.testing.assert_allclose(s[1:4], 1 / (1 + np.exp(-x[1:4])), rtol=1e-12)
    np.testing.assert_allclose(s[[0, 4]], [0.0, 1.0], atol=1e-300)


def test_numerical_gradient_of_a_known_function_and_x_restored():
    x = np.random.RandomState(1).randn(3, 2)
    before = x.copy()
    grad = rnn_utils.numerical_gradient(lambda: np.sum(np.sin(x) * x), x)
    np.testing.assert_allclose(grad, np.cos(x) * x + np.sin(x), rtol=1e-7, atol=1e-9)
    assert np.array_equal(x, before)


def test_check_array_rejects_subclasses_other_dtypes_and_shapes():
    rnn_utils.check_array("a", np.zeros((2, 3)), (2, 3))
    for wrong, message in [
        (np.zeros((2, 3)).view(np.matrix), "numpy ndarray"),
        (np.zeros((2, 3), dtype=np.float32), "float64"),
        (np.zeros((3, 2)), "has shape (3, 2), expected (2, 3)"),
    ]:
        with pytest.raises(AssertionError, match=re.escape(message)):
            rnn_utils.check_array("a", wrong, (2, 3))
