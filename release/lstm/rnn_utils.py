"""Helpers shared by the sequence-model assignments (rnn and lstm).

This file is the one copy a person edits: source/<assignment>/rnn_utils.py are links to it,
and `python -m course build` releases it unchanged beside each notebook that imports it.

Shapes follow the assignments: a batch of m column vectors of size n is an array (n, m).
"""

import numpy as np


def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), elementwise and without overflow.

    x -- ndarray of any shape
    Returns an ndarray of the shape of x, with values in [0, 1].
    """
    return np.exp(-np.logaddexp(0.0, -x))


def softmax(x):
    """Softmax of each column, computed stably by shifting each column by its maximum.

    x -- scores, ndarray of shape (n, m)
    Returns probabilities of shape (n, m); every column sums to 1.
    """
    exp = np.exp(x - np.max(x, axis=0, keepdims=True))
    return exp / np.sum(exp, axis=0, keepdims=True)


def check_array(name, got, shape, hint=""):
    """Fail with a readable message unless `got` is a plain float64 ndarray of the given shape."""
    assert type(got) is np.ndarray, f"{name} should be a numpy ndarray, got {type(got).__name__}"
    assert got.dtype == np.float64, f"{name} should have dtype float64, got {got.dtype}"
    assert got.shape == shape, f"{name} has shape {got.shape}, expected {shape}{hint}"


def numerical_gradient(f, x, h=1e-6):
    """Central-difference estimate of the gradient of a scalar function.

    f -- function of no arguments returning a float; it reads x, which is
         nudged in place one entry at a time and restored afterwards
    x -- float64 ndarray of any shape
    Returns an ndarray of the shape of x.
    """
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        f_plus = f()
        x[index] = saved - h
        f_minus = f()
        x[index] = saved
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad
