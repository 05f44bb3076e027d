"""Plausible bugs in the rnn assignment's answers, each written as a change to the correct answer cell."""

from bugs import Bug

CELL_FORWARD = """\
def rnn_cell_forward(xt, a_prev, parameters):
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(Wax @ xt + Waa @ a_prev + ba)
    yt_pred = softmax(Wya @ a_next + by)
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache
"""

FORWARD = """\
def rnn_forward(x, a0, parameters):
    caches = []
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    caches = (caches, x)
    return a, y_pred, caches
"""

CELL_BACKWARD = """\
def rnn_cell_backward(da_next, cache):
    a_next, a_prev, xt, parameters = cache
    Wax, Waa = parameters["Wax"], parameters["Waa"]
    dz = da_next * (1 - a_next**2)
    dxt = Wax.T @ dz
    da_prev = Waa.T @ dz
    dWax = dz @ xt.T
    dWaa = dz @ a_prev.T
    dba = np.sum(dz, axis=1, keepdims=True)
    gradients = {"dxt": dxt, "da_prev": da_prev, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
"""

BACKWARD = """\
def rnn_backward(da, caches):
    list_of_caches, x = caches
    n_a, m, T_x = da.shape
    n_x = x.shape[0]
    dx = np.zeros((n_x, m, T_x))
    dWax = np.zeros((n_a, n_x))
    dWaa = np.zeros((n_a, n_a))
    dba = np.zeros((n_a, 1))
    da_prev = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        step = rnn_cell_backward(da[:, :, t] + da_prev, list_of_caches[t])
        dx[:, :, t] = step["dxt"]
        dWax += step["dWax"]
        dWaa += step["dWaa"]
        dba += step["dba"]
        da_prev = step["da_prev"]
    da0 = da_prev
    gradients = {"dx": dx, "da0": da0, "dWax": dWax, "dWaa": dWaa, "dba": dba}
    return gradients
"""

BASES = {
    "rnn_cell_forward": CELL_FORWARD,
    "rnn_forward": FORWARD,
    "rnn_cell_backward": CELL_BACKWARD,
    "rnn_backward": BACKWARD,
}


def bug(name: str, answer: str, message: str, *changes: tuple[str, str]) -> Bug:
    """The correct answer of `answer` with each (old, new) change made; its test must say `message`."""
    code = BASES[answer]
    for old, new in changes:
        assert old in code, f"{name}: {old!r} is not in the answer to {answer}"
        code = code.replace(old, new)
    return Bug(name, answer, f"test_{answer}", code, message)


BUGS = [
    # rnn_cell_forward
    bug(
        "softmax_over_the_whole_batch",
        "rnn_cell_forward",
        "every column of yt_pred should sum to 1",
        ("softmax(Wya @ a_next + by)", "np.exp(Wya @ a_next + by) / np.sum(np.exp(Wya @ a_next + by))"),
    ),
    bug(
        "bias_after_the_softmax",
        "rnn_cell_forward",
        "every column of yt_pred should sum to 1",
        ("softmax(Wya @ a_next + by)", "softmax(Wya @ a_next) + by"),
    ),
    bug(
        "no_tanh",
        "rnn_cell_forward",
        "a_next = tanh(Wax xt + Waa a_prev + ba)",
        ("np.tanh(Wax @ xt + Waa @ a_prev + ba)", "Wax @ xt + Waa @ a_prev + ba"),
    ),
    bug(
        "sigmoid_instead_of_tanh",
        "rnn_cell_forward",
        "a_next = tanh(Wax xt + Waa a_prev + ba)",
        ("np.tanh(Wax @ xt + Waa @ a_prev + ba)", "1 / (1 + np.exp(-(Wax @ xt + Waa @ a_prev + ba)))"),
    ),
    bug(
        "no_bias_ba",
        "rnn_cell_forward",
        "a_next = tanh(Wax xt + Waa a_prev + ba)",
        ("np.tanh(Wax @ xt + Waa @ a_prev + ba)", "np.tanh(Wax @ xt + Waa @ a_prev)"),
    ),
    bug(
        "prediction_from_a_prev",
        "rnn_cell_forward",
        "yt_pred = softmax(Wya a_next + by)",
        ("softmax(Wya @ a_next + by)", "softmax(Wya @ a_prev + by)"),
    ),
    bug(
        "cache_without_parameters",
        "rnn_cell_forward",
        "cache should be the tuple (a_next, a_prev, xt, parameters)",
        ("cache = (a_next, a_prev, xt, parameters)", "cache = (a_next, a_prev, xt)"),
    ),
    bug(
        "cache_in_another_order",
        "rnn_cell_forward",
        "cache should be the tuple (a_next, a_prev, xt, parameters)",
        ("cache = (a_next, a_prev, xt, parameters)", "cache = (a_prev, a_next, xt, parameters)"),
    ),
    # rnn_forward
    bug(
        "a0_fed_at_every_step",
        "rnn_forward",
        "each step should start from the hidden state the previous step produced",
        ("rnn_cell_forward(x[:, :, t], a_next, parameters)", "rnn_cell_forward(x[:, :, t], a0, parameters)"),
    ),
    bug(
        "stores_the_previous_state",
        "rnn_forward",
        "store the new hidden state a_next, not a_prev",
        ("        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)\n", ""),
        (
            "        a[:, :, t] = a_next\n",
            "        a[:, :, t] = a_next\n        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)\n",
        ),
    ),
    bug(
        "misses_the_last_step",
        "rnn_forward",
        "there should be one cache per time step (4)",
        ("for t in range(T_x):", "for t in range(T_x - 1):"),
    ),
    bug(
        "caches_without_x",
        "rnn_forward",
        "caches should be the tuple (list_of_caches, x)",
        ("    caches = (caches, x)\n", ""),
    ),
    bug(
        "caches_in_reverse_order",
        "rnn_forward",
        "should be the cache of index 0 (in order)",
        ("caches.append(cache)", "caches.insert(0, cache)"),
    ),
    bug(
        "predictions_not_stored",
        "rnn_forward",
        "y_pred[:, :, t] is the yt_pred of index t",
        ("        y_pred[:, :, t] = yt_pred\n", ""),
    ),
    # rnn_cell_backward
    bug(
        "dWaa_is_Waa",
        "rnn_cell_backward",
        "dWaa is Waa itself",
        ("dWaa = dz @ a_prev.T", "dWaa = Waa"),
    ),
    bug(
        "tanh_derivative_from_a_prev",
        "rnn_cell_backward",
        "dz = da_next * (1 - a_next**2)",
        ("dz = da_next * (1 - a_next**2)", "dz = da_next * (1 - a_prev**2)"),
    ),
    bug(
        "tanh_applied_twice",
        "rnn_cell_backward",
        "do not apply tanh to it again",
        ("dz = da_next * (1 - a_next**2)", "dz = da_next * (1 - np.tanh(a_next) ** 2)"),
    ),
    bug(
        "dba_without_keepdims",
        "rnn_cell_backward",
        "sum dz over the examples (axis=1) with keepdims=True",
        ("np.sum(dz, axis=1, keepdims=True)", "np.sum(dz, axis=1)"),
    ),
    bug(
        "dba_summed_over_the_units",
        "rnn_cell_backward",
        "sum dz over the examples (axis=1)",
        ("np.sum(dz, axis=1, keepdims=True)", "np.sum(dz, axis=0, keepdims=True)"),
    ),
    bug(
        "dWax_averaged_over_the_examples",
        "rnn_cell_backward",
        "dWax is divided by m",
        ("dWax = dz @ xt.T", "dWax = dz @ xt.T / xt.shape[1]"),
    ),
    bug(
        "da_prev_not_transposed",
        "rnn_cell_backward",
        "da_prev = Waa^T dz",
        ("da_prev = Waa.T @ dz", "da_prev = Waa @ dz"),
    ),
    bug(
        "dxt_without_the_tanh_derivative",
        "rnn_cell_backward",
        "dxt = Wax^T dz",
        ("dxt = Wax.T @ dz", "dxt = Wax.T @ da_next"),
    ),
    bug(
        "modifies_da_next",
        "rnn_cell_backward",
        "rnn_cell_backward modified da_next",
        ("dz = da_next * (1 - a_next**2)", "da_next *= 1 - a_next**2\n    dz = da_next"),
    ),
    # rnn_backward
    bug(
        "no_path_through_the_future",
        "rnn_backward",
        "plus the da_prev of index t+1",
        (
            "rnn_cell_backward(da[:, :, t] + da_prev, list_of_caches[t])",
            "rnn_cell_backward(da[:, :, t], list_of_caches[t])",
        ),
    ),
    bug(
        "parameter_gradients_overwritten",
        "rnn_backward",
        "add up the parameter gradients of all steps",
        ('dWax += step["dWax"]', 'dWax = step["dWax"]'),
        ('dWaa += step["dWaa"]', 'dWaa = step["dWaa"]'),
        ('dba += step["dba"]', 'dba = step["dba"]'),
    ),
    bug(
        "adds_into_da",
        "rnn_backward",
        "rnn_backward modified da",
        (
            "step = rnn_cell_backward(da[:, :, t] + da_prev, list_of_caches[t])",
            "da[:, :, t] += da_prev\n        step = rnn_cell_backward(da[:, :, t], list_of_caches[t])",
        ),
    ),
    bug(
        "dx_filled_only_at_the_first_step",
        "rnn_backward",
        "dx[:, :, t] is all zeros for t in",
        ('dx[:, :, t] = step["dxt"]', 'dx[:, :, 0] = step["dxt"]'),
    ),
    bug(
        "walks_forward_in_time",
        "rnn_backward",
        "plus the da_prev of index t+1",
        ("for t in reversed(range(T_x)):", "for t in range(T_x):"),
    ),
    bug(
        "da0_left_at_zero",
        "rnn_backward",
        "da0 is all zeros",
        ("da0 = da_prev", "da0 = np.zeros((n_a, m))"),
    ),
    bug(
        "da0_from_the_last_step",
        "rnn_backward",
        "da0 is the da_prev of index 0",
        ("    da0 = da_prev\n", ""),
        (
            '        da_prev = step["da_prev"]\n',
            '        da_prev = step["da_prev"]\n        if t == T_x - 1:\n            da0 = da_prev\n',
        ),
    ),
]
