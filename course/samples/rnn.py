"""Wrong answers to the rnn assignment.

rnn_forward calls rnn_cell_forward, so a wrong cell forward also fails test_rnn_forward; the hard-coded
rnn_backward does not call rnn_cell_backward, which keeps its points.
"""

from course.samples import WrongAnswers

WRONG_ANSWERS = WrongAnswers(
    cells={
        # the softmax normalised over the whole batch instead of each column
        "rnn_cell_forward": """\
def rnn_cell_forward(xt, a_prev, parameters):
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    a_next = np.tanh(Wax @ xt + Waa @ a_prev + ba)
    scores = Wya @ a_next + by
    yt_pred = np.exp(scores) / np.sum(np.exp(scores))
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache
""",
        # every step starts from a0: the hidden state is never carried forward
        "rnn_forward": """\
def rnn_forward(x, a0, parameters):
    caches = []
    _, m, T_x = x.shape
    n_y, n_a = parameters["Wya"].shape
    a = np.zeros((n_a, m, T_x))
    y_pred = np.zeros((n_y, m, T_x))
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a0, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    caches = (caches, x)
    return a, y_pred, caches
""",
        # the values printed by the visible test, hard-coded
        "rnn_backward": """\
def rnn_backward(da, caches):
    list_of_caches, x = caches
    n_a, m, T_x = da.shape
    gradients = {
        "dx": np.ones(x.shape),
        "da0": np.ones((n_a, m)),
        "dWax": np.array([[-3.30479652, -0.5889298, 2.67389609]] + [[0.0, 0.0, 0.0]] * 4),
        "dWaa": np.zeros((n_a, n_a)),
        "dba": np.array([[-2.46456133], [10.68553905], [6.82076449], [8.92964609], [2.76198809]]),
    }
    return gradients
""",
    },
    failing_tests=frozenset({"test_rnn_cell_forward", "test_rnn_forward", "test_rnn_backward"}),
)
