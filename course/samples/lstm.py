"""Wrong answers to the lstm assignment.

lstm_cell_forward keeps its solution: lstm_forward calls it, and at Validate the backward tests build
their caches with the student's forward functions, so a wrong one would take every cell down with it.
A wrong lstm_cell_backward also costs lstm_backward its points, as lstm_backward calls it.
"""

from course.samples import WrongAnswers

WRONG_ANSWERS = WrongAnswers(
    cells={
        # both states started from a0: the cell state must start at zero
        "lstm_forward": """\
def lstm_forward(x, a0, parameters):
    caches = []
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a, c, y = np.zeros((n_a, m, T_x)), np.zeros((n_a, m, T_x)), np.zeros((n_y, m, T_x))
    a_next, c_next = a0, a0
    for t in range(T_x):
        a_next, c_next, yt_pred, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t], c[:, :, t], y[:, :, t] = a_next, c_next, yt_pred
        caches.append(cache)
    return a, y, c, (caches, x)
""",
        # the values printed by the visible test, hard-coded, and zeros of the right shapes elsewhere
        "lstm_cell_backward": """\
def lstm_cell_backward(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
    n_a, m = a_next.shape
    n_x = xt.shape[0]
    gradients = {"dxt": np.zeros((n_x, m)), "da_prev": np.zeros((n_a, m)), "dc_prev": np.zeros((n_a, m))}
    for gate in "fico":
        gradients["dW" + gate] = np.zeros((n_a, n_a + n_x))
        gradients["db" + gate] = np.zeros((n_a, 1))
    gradients["dxt"][0] = [-0.21874788, 0.70331985, 0.43282648, 0.37414711, -0.26994926,
                           0.07941384, 0.33830385, -0.00922161, -0.09175282, -0.00912053]
    gradients["dbf"] = np.array([[0.76451143], [0.48936322], [0.57266352], [-0.0443551], [-0.48280845]])
    return gradients
""",
        # the cell state's gradient not carried back through time: every step starts from zero
        "lstm_backward": """\
def lstm_backward(da, caches):
    cell_caches, x = caches
    n_a, m, T_x = da.shape
    names = ["Wf", "Wi", "Wc", "Wo", "bf", "bi", "bc", "bo"]
    gradients = {"d" + name: np.zeros_like(cell_caches[0][9][name]) for name in names}
    dx = np.zeros_like(x)
    da_prev = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        step = lstm_cell_backward(da[:, :, t] + da_prev, np.zeros((n_a, m)), cell_caches[t])
        da_prev = step["da_prev"]
        dx[:, :, t] = step["dxt"]
        for key in gradients:
            gradients[key] += step[key]
    gradients["dx"] = dx
    gradients["da0"] = da_prev
    return gradients
""",
    },
    failing_tests=frozenset({"test_lstm_forward", "test_lstm_cell_backward", "test_lstm_backward"}),
)
