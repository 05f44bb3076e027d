"""Plausible bugs in the lstm assignment, each a small edit of the source notebook's solution."""

import nbformat

from bugs import Bug
from course import paths
from course.check import is_solution_cell, nbgrader_meta

MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def solutions() -> dict[str, str]:
    """The answer cells of the source notebook by grade id, without the solution markers."""
    nb = nbformat.read(paths.source_notebook("lstm"), as_version=4)
    return {
        nbgrader_meta(cell)["grade_id"]: "\n".join(
            line for line in cell.source.splitlines() if not line.strip().startswith(MARKERS)
        )
        for cell in nb.cells
        if is_solution_cell(cell)
    }


SOLUTIONS = solutions()


def bug(name: str, answer: str, edits: list[tuple[str, str]], message: str) -> Bug:
    """The solution of `answer` with each (old, new) edit applied once; its test is test_<answer>."""
    code = SOLUTIONS[answer]
    for old, new in edits:
        assert old in code, f"{name}: {old!r} is not in the solution of {answer}"
        code = code.replace(old, new, 1)
    return Bug(name, answer, f"test_{answer}", code, message)


CONCAT = "np.concatenate((a_prev, xt), axis=0)"
CACHE = "cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)"
CELL_CALL = "lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)"
DC = "dc = dc_next + da_next * ot * (1 - tanh_c**2)"
STEP = "step = lstm_cell_backward(da[:, :, t] + da_prev, dc_prev, cell_caches[t])"

BUGS = [
    # lstm_cell_forward
    bug(
        "x_on_top",
        "lstm_cell_forward",
        [(CONCAT, "np.concatenate((xt, a_prev), axis=0)")],
        "concat stacks a_prev on top",
    ),
    bug(
        "candidate_with_sigmoid",
        "lstm_cell_forward",
        [('cct = np.tanh(parameters["Wc"]', 'cct = sigmoid(parameters["Wc"]')],
        "the candidate uses tanh",
    ),
    bug(
        "hidden_state_without_tanh",
        "lstm_cell_forward",
        [("ot * np.tanh(c_next)", "ot * c_next")],
        "a_next = ot * tanh",
    ),
    bug(
        "forget_gate_with_input_weights",
        "lstm_cell_forward",
        [
            (
                'sigmoid(parameters["Wf"] @ concat + parameters["bf"])',
                'sigmoid(parameters["Wi"] @ concat + parameters["bi"])',
            )
        ],
        "ft = sigmoid(Wf @ concat + bf)",
    ),
    bug(
        "output_gate_writes_the_cell",
        "lstm_cell_forward",
        [("c_next = ft * c_prev + it * cct", "c_next = ft * c_prev + ot * cct")],
        "c_next = ft * c_prev + it * cct",
    ),
    bug(
        "prediction_without_bias",
        "lstm_cell_forward",
        [('parameters["Wya"] @ a_next + parameters["by"]', 'parameters["Wya"] @ a_next')],
        "yt_pred = softmax(Wya @ a_next + by)",
    ),
    bug(
        "softmax_over_the_examples",
        "lstm_cell_forward",
        [
            (
                'softmax(parameters["Wya"] @ a_next + parameters["by"])',
                'softmax((parameters["Wya"] @ a_next + parameters["by"]).T).T',
            )
        ],
        "every column of yt_pred should sum to 1",
    ),
    bug(
        "cache_gates_swapped",
        "lstm_cell_forward",
        [(CACHE, "cache = (a_next, c_next, a_prev, c_prev, it, ft, cct, ot, xt, parameters)")],
        "ft is in cache[5], expected in cache[4]",
    ),
    # lstm_forward
    bug(
        "first_cell_state_a0",
        "lstm_forward",
        [("c_next = np.zeros((n_a, m))", "c_next = a0")],
        "the first cell state is zero",
    ),
    bug(
        "a0_at_every_step",
        "lstm_forward",
        [(CELL_CALL, "lstm_cell_forward(x[:, :, t], a0, c_next, parameters)")],
        "feed each step the states of the step before",
    ),
    bug(
        "cell_state_not_carried",
        "lstm_forward",
        [(CELL_CALL, "lstm_cell_forward(x[:, :, t], a_next, np.zeros((n_a, m)), parameters)")],
        "feed each step the states of the step before",
    ),
    bug(
        "caches_without_x",
        "lstm_forward",
        [("caches = (step_caches, x)", "caches = step_caches")],
        "caches should be the pair",
    ),
    bug(
        "caches_last_step_first",
        "lstm_forward",
        [("step_caches.append(cache)", "step_caches.insert(0, cache)")],
        "keep the caches in time order",
    ),
    bug(
        "predictions_one_step_early",
        "lstm_forward",
        [("y[:, :, t] = yt_pred", "y[:, :, t - 1] = yt_pred")],
        "y[:, :, t] is the yt_pred of step t",
    ),
    bug(
        "last_step_skipped",
        "lstm_forward",
        [("for t in range(T_x):", "for t in range(T_x - 1):")],
        "one cache per time step",
    ),
    # lstm_cell_backward
    bug("dc_without_the_hidden_path", "lstm_cell_backward", [(DC, "dc = dc_next")], "so dc is"),
    bug(
        "output_gate_with_c_next",
        "lstm_cell_backward",
        [('"o": da_next * tanh_c * ot', '"o": da_next * c_next * ot')],
        "dz_o = da_next * tanh(c_next)",
    ),
    bug(
        "candidate_with_sigmoid_derivative",
        "lstm_cell_backward",
        [('"c": dc * it * (1 - cct**2)', '"c": dc * it * cct * (1 - cct)')],
        "dz_c = dc * it * (1 - cct**2)",
    ),
    bug(
        "forget_gate_with_c_next",
        "lstm_cell_backward",
        [('"f": dc * c_prev * ft', '"f": dc * c_next * ft')],
        "dz_f = dc * c_prev",
    ),
    bug("dW_transposed", "lstm_cell_backward", [("dz_gate @ concat.T", "concat @ dz_gate.T")], "dW = dz @ concat.T"),
    bug(
        "db_without_keepdims",
        "lstm_cell_backward",
        [("np.sum(dz_gate, axis=1, keepdims=True)", "np.sum(dz_gate, axis=1)")],
        "with keepdims=True",
    ),
    bug(
        "dxt_from_the_top_rows",
        "lstm_cell_backward",
        [('gradients["dxt"] = dconcat[n_a:]', 'gradients["dxt"] = dconcat[: xt.shape[0]]')],
        "dxt is the bottom n_x rows",
    ),
    bug("dc_prev_from_dc_next", "lstm_cell_backward", [("dc * ft", "dc_next * ft")], "dc_prev = dc * ft"),
    bug(
        "dc_next_updated_in_place",
        "lstm_cell_backward",
        [(DC, "dc = dc_next\n    dc += da_next * ot * (1 - tanh_c**2)")],
        "changed its inputs",
    ),
    bug(
        "output_gate_left_out_of_dconcat",
        "lstm_cell_backward",
        [
            (
                'dconcat += parameters["W" + gate].T @ dz_gate',
                'if gate != "o":\n            dconcat += parameters["W" + gate].T @ dz_gate',
            )
        ],
        "da_prev is the top n_a rows",
    ),
    # lstm_backward
    bug(
        "cell_gradient_not_carried",
        "lstm_backward",
        [(STEP, "step = lstm_cell_backward(da[:, :, t] + da_prev, np.zeros((n_a, m)), cell_caches[t])")],
        "dc_next = the dc_prev of step t + 1",
    ),
    bug(
        "hidden_gradient_not_carried",
        "lstm_backward",
        [(STEP, "step = lstm_cell_backward(da[:, :, t], dc_prev, cell_caches[t])")],
        "da_next = da[:, :, t] + the da_prev",
    ),
    bug(
        "weight_gradients_overwritten",
        "lstm_backward",
        [("gradients[key] += step[key]", "gradients[key] = step[key]")],
        "add up (+=) the gradients of every step",
    ),
    bug(
        "dx_only_at_t0",
        "lstm_backward",
        [('dx[:, :, t] = step["dxt"]', 'dx[:, :, 0] = step["dxt"]')],
        "store the dxt of every step t",
    ),
    bug(
        "steps_in_forward_order",
        "lstm_backward",
        [("for t in reversed(range(T_x)):", "for t in range(T_x):")],
        "walk the steps from the last to the first",
    ),
    bug(
        "da_updated_in_place",
        "lstm_backward",
        [(STEP, "da[:, :, t] += da_prev\n        step = lstm_cell_backward(da[:, :, t], dc_prev, cell_caches[t])")],
        "changed its inputs",
    ),
    bug(
        "da0_with_the_first_upstream_gradient",
        "lstm_backward",
        [('gradients["da0"] = da_prev', 'gradients["da0"] = da_prev + da[:, :, 0]')],
        "da0 is the da_prev of the first step",
    ),
]
