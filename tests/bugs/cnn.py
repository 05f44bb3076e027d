"""Plausible bugs in the cnn assignment, at least five per graded function."""

from bugs import Bug


def zero_pad(body: str) -> str:
    return f"def zero_pad(X, pad):\n{body}"


def conv_single_step(body: str) -> str:
    return f"def conv_single_step(a_slice_prev, W, b):\n{body}"


CONV_FORWARD = """\
def conv_forward(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                a_slice_prev = A_prev_pad[i, vs : vs + f, hs : hs + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])
    return Z, (A_prev, W, b, hparameters)
"""

POOL_FORWARD = """\
def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    window = A_prev[i, vs : vs + f, hs : hs + f, c]
                    A[i, h, w, c] = np.max(window) if mode == "max" else np.mean(window)
    return A, (A_prev, hparameters)
"""

CONV_BACKWARD = """\
def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f = W.shape[0]
    _, n_H, n_W, n_C = dZ.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros_like(A_prev_pad)
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                a_slice = A_prev_pad[i, vs : vs + f, hs : hs + f, :]
                for c in range(n_C):
                    dA_prev_pad[i, vs : vs + f, hs : hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    dA_prev = dA_prev_pad[:, pad : pad + n_H_prev, pad : pad + n_W_prev, :]
    return dA_prev, dW, db
"""

POOL_BACKWARD = """\
def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros_like(A_prev)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    if mode == "max":
                        window = A_prev[i, vs : vs + f, hs : hs + f, c]
                        share = create_mask_from_window(window) * dA[i, h, w, c]
                    else:
                        share = distribute_value(dA[i, h, w, c], (f, f))
                    dA_prev[i, vs : vs + f, hs : hs + f, c] += share
    return dA_prev
"""


def changed(code: str, old: str, new: str) -> str:
    """The correct answer `code` with one piece replaced: a bug (fails loudly if `old` is not in it)."""
    assert old in code, old
    return code.replace(old, new)


def mask(body: str) -> str:
    return f"def create_mask_from_window(x):\n{body}"


def distribute(body: str) -> str:
    return f"def distribute_value(dz, shape):\n    rows, cols = shape\n{body}"


BUGS = [
    # zero_pad
    Bug("pads_every_axis", "zero_pad", "test_zero_pad", zero_pad("    return np.pad(X, pad)\n"), "X_pad has shape"),
    Bug(
        "pads_one_side",
        "zero_pad",
        "test_zero_pad",
        zero_pad("    return np.pad(X, ((0, 0), (pad, 0), (pad, 0), (0, 0)))\n"),
        "X_pad has shape",
    ),
    Bug(
        "pads_height_only",
        "zero_pad",
        "test_zero_pad",
        zero_pad("    return np.pad(X, ((0, 0), (pad, pad), (0, 0), (0, 0)))\n"),
        "X_pad has shape",
    ),
    Bug(
        "pads_batch_and_height",
        "zero_pad",
        "test_zero_pad",
        zero_pad("    return np.pad(X, ((pad, pad), (pad, pad), (0, 0), (0, 0)))\n"),
        "X_pad has shape",
    ),
    Bug(
        "border_of_ones",
        "zero_pad",
        "test_zero_pad",
        zero_pad("    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), constant_values=1)\n"),
        "should be all zeros",
    ),
    Bug(
        "integer_canvas",
        "zero_pad",
        "test_zero_pad",
        zero_pad(
            "    m, n_H, n_W, n_C = X.shape\n"
            "    X_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C), dtype=int)\n"
            "    X_pad[:, pad : pad + n_H, pad : pad + n_W, :] = X\n"
            "    return X_pad\n"
        ),
        "dtype float64",
    ),
    # conv_single_step
    Bug(
        "no_bias",
        "conv_single_step",
        "test_conv_single_step",
        conv_single_step("    return float(np.sum(a_slice_prev * W))\n"),
        "add the bias once",
    ),
    Bug(
        "bias_added_to_every_entry",
        "conv_single_step",
        "test_conv_single_step",
        conv_single_step("    return float(np.sum(a_slice_prev * W + b))\n"),
        "add the bias once",
    ),
    Bug(
        "bias_kept_as_array",
        "conv_single_step",
        "test_conv_single_step",
        conv_single_step("    return np.sum(a_slice_prev * W) + b\n"),
        "add the bias as b.item()",
    ),
    Bug(
        "mean_not_sum",
        "conv_single_step",
        "test_conv_single_step",
        conv_single_step("    return float(np.mean(a_slice_prev * W) + b.item())\n"),
        "sum the elementwise product",
    ),
    Bug(
        "sums_channels_only",
        "conv_single_step",
        "test_conv_single_step",
        conv_single_step("    return np.sum(a_slice_prev * W, axis=2) + b.item()\n"),
        "Z should be a number",
    ),
    Bug(
        "multiplies_in_place",
        "conv_single_step",
        "test_conv_single_step",
        conv_single_step("    a_slice_prev *= W\n    return float(np.sum(a_slice_prev) + b.item())\n"),
        "changed one of its arguments",
    ),
    # conv_forward
    Bug(
        "conv_ignores_stride",
        "conv_forward",
        "test_conv_forward",
        changed(CONV_FORWARD, "vs, hs = h * stride, w * stride", "vs, hs = h, w"),
        "Z[0, 1, 2] is",
    ),
    Bug(
        "pad_counted_once",
        "conv_forward",
        "test_conv_forward",
        changed(CONV_FORWARD, "n_H = (n_H_prev - f + 2 * pad)", "n_H = (n_H_prev - f + pad)"),
        "Z has shape",
    ),
    Bug(
        "square_images",
        "conv_forward",
        "test_conv_forward",
        changed(CONV_FORWARD, "n_W = (n_W_prev - f + 2 * pad) // stride + 1", "n_W = n_H"),
        "Z has shape",
    ),
    Bug(
        "caches_padded_input",
        "conv_forward",
        "test_conv_forward",
        changed(CONV_FORWARD, "return Z, (A_prev, W, b, hparameters)", "return Z, (A_prev_pad, W, b, hparameters)"),
        "not the padded input",
    ),
    Bug(
        "first_bias_for_every_filter",
        "conv_forward",
        "test_conv_forward",
        changed(CONV_FORWARD, "b[:, :, :, c])", "b[:, :, :, 0])"),
        "Z[0, 1, 2] is",
    ),
    Bug(
        "cache_in_other_order",
        "conv_forward",
        "test_conv_forward",
        changed(CONV_FORWARD, "return Z, (A_prev, W, b, hparameters)", "return Z, (A_prev, b, W, hparameters)"),
        "the cache should be (A_prev, W, b, hparameters)",
    ),
    # pool_forward
    Bug(
        "pool_ignores_stride",
        "pool_forward",
        "test_pool_forward",
        changed(POOL_FORWARD, "vs, hs = h * stride, w * stride", "vs, hs = h, w"),
        "A[1, 1, 2] is",
    ),
    Bug(
        "steps_by_f",
        "pool_forward",
        "test_pool_forward",
        changed(POOL_FORWARD, "vs, hs = h * stride, w * stride", "vs, hs = h * f, w * f"),
        "A[1, 1, 2] is",
    ),
    Bug(
        "max_over_all_channels",
        "pool_forward",
        "test_pool_forward",
        changed(
            POOL_FORWARD,
            "np.max(window)",
            "np.max(A_prev[i, vs : vs + f, hs : hs + f, :])",
        ),
        "pool each channel separately",
    ),
    Bug(
        "average_is_sum",
        "pool_forward",
        "test_pool_forward",
        changed(POOL_FORWARD, "np.mean(window)", "np.sum(window)"),
        "with mode='average', A is",
    ),
    Bug(
        "size_without_plus_one",
        "pool_forward",
        "test_pool_forward",
        changed(POOL_FORWARD, "n_H = (n_H_prev - f) // stride + 1", "n_H = (n_H_prev - f) // stride"),
        "A has shape",
    ),
    Bug(
        "pool_forward_mode_ignored",
        "pool_forward",
        "test_pool_forward",
        changed(POOL_FORWARD, 'np.max(window) if mode == "max" else np.mean(window)', "np.max(window)"),
        "with mode='average', A is",
    ),
    # create_mask_from_window
    Bug(
        "mask_every_tied_maximum",
        "create_mask_from_window",
        "test_create_mask_from_window",
        mask("    return x == np.max(x)\n"),
        "keep only the FIRST maximum",
    ),
    Bug(
        "last_maximum",
        "create_mask_from_window",
        "test_create_mask_from_window",
        mask(
            "    best = (0, 0)\n"
            "    for row in range(x.shape[0]):\n"
            "        for col in range(x.shape[1]):\n"
            "            if x[row, col] >= x[best]:\n"
            "                best = (row, col)\n"
            "    mask = np.zeros(x.shape, dtype=bool)\n"
            "    mask[best] = True\n"
            "    return mask\n"
        ),
        "keep only the FIRST maximum",
    ),
    Bug(
        "index_not_mask",
        "create_mask_from_window",
        "test_create_mask_from_window",
        mask("    return np.unravel_index(np.argmax(x), x.shape)\n"),
        "mask should be a numpy ndarray",
    ),
    Bug(
        "float_mask",
        "create_mask_from_window",
        "test_create_mask_from_window",
        mask("    mask = np.zeros(x.shape)\n    mask[np.unravel_index(np.argmax(x), x.shape)] = 1\n    return mask\n"),
        "should be a boolean array",
    ),
    Bug(
        "mask_of_minimum",
        "create_mask_from_window",
        "test_create_mask_from_window",
        mask(
            "    mask = np.zeros(x.shape, dtype=bool)\n    mask[np.unravel_index(np.argmin(x), x.shape)] = True\n    return mask\n"
        ),
        "True at the maximum of x",
    ),
    Bug(
        "search_starts_at_zero",
        "create_mask_from_window",
        "test_create_mask_from_window",
        mask(
            "    best, best_value = (0, 0), 0.0\n"
            "    for row in range(x.shape[0]):\n"
            "        for col in range(x.shape[1]):\n"
            "            if x[row, col] > best_value:\n"
            "                best, best_value = (row, col), x[row, col]\n"
            "    mask = np.zeros(x.shape, dtype=bool)\n"
            "    mask[best] = True\n"
            "    return mask\n"
        ),
        "do not start the search from 0",
    ),
    # distribute_value
    Bug(
        "divides_by_rows_only",
        "distribute_value",
        "test_distribute_value",
        distribute("    return np.full((rows, cols), dz / rows)\n"),
        "divide dz by the number of entries",
    ),
    Bug(
        "no_division",
        "distribute_value",
        "test_distribute_value",
        distribute("    return np.full((rows, cols), float(dz))\n"),
        "divide dz by the number of entries",
    ),
    Bug(
        "integer_division",
        "distribute_value",
        "test_distribute_value",
        distribute("    return np.full((rows, cols), dz // (rows * cols), dtype=np.float64)\n"),
        "divide dz by the number of entries",
    ),
    Bug(
        "divides_by_rows_plus_cols",
        "distribute_value",
        "test_distribute_value",
        distribute("    return np.full((rows, cols), dz / (rows + cols))\n"),
        "divide dz by rows * cols = 12",
    ),
    Bug(
        "shape_transposed",
        "distribute_value",
        "test_distribute_value",
        distribute("    return np.full((cols, rows), dz / (rows * cols))\n"),
        "3 rows and 4 columns",
    ),
    # conv_backward
    Bug(
        "conv_dA_prev_overwritten",
        "conv_backward",
        "test_conv_backward",
        changed(CONV_BACKWARD, "hs : hs + f, :] += W", "hs : hs + f, :] = W"),
        "add up (+=) the contributions",
    ),
    Bug(
        "padding_stripped_with_minus_pad",
        "conv_backward",
        "test_conv_backward",
        changed(CONV_BACKWARD, "pad : pad + n_H_prev, pad : pad + n_W_prev", "pad:-pad, pad:-pad"),
        "dA_prev has shape",
    ),
    Bug(
        "averaged_over_batch",
        "conv_backward",
        "test_conv_backward",
        changed(CONV_BACKWARD, "    return dA_prev, dW, db", "    return dA_prev, dW / m, db / m"),
        "no division by m",
    ),
    Bug(
        "conv_backward_ignores_stride",
        "conv_backward",
        "test_conv_backward",
        changed(CONV_BACKWARD, "vs, hs = h * stride, w * stride", "vs, hs = h, w"),
        "h * stride",
    ),
    Bug(
        "padded_gradient_returned",
        "conv_backward",
        "test_conv_backward",
        changed(CONV_BACKWARD, "return dA_prev, dW, db", "return dA_prev_pad, dW, db"),
        "dA_prev has shape",
    ),
    Bug(
        "filter_flipped",
        "conv_backward",
        "test_conv_backward",
        changed(CONV_BACKWARD, "+= W[:, :, :, c]", "+= W[::-1, ::-1, :, c]"),
        "add up (+=) the contributions",
    ),
    # pool_backward
    Bug(
        "pool_dA_prev_overwritten",
        "pool_backward",
        "test_pool_backward",
        changed(POOL_BACKWARD, "hs : hs + f, c] += share", "hs : hs + f, c] = share"),
        "windows overlap",
    ),
    Bug(
        "average_divided_by_f",
        "pool_backward",
        "test_pool_backward",
        changed(POOL_BACKWARD, "distribute_value(dA[i, h, w, c], (f, f))", "np.full((f, f), dA[i, h, w, c] / f)"),
        "with mode='average', dA_prev[1, 1] is",
    ),
    Bug(
        "pool_backward_ignores_stride",
        "pool_backward",
        "test_pool_backward",
        changed(POOL_BACKWARD, "vs, hs = h * stride, w * stride", "vs, hs = h, w"),
        "h * stride",
    ),
    Bug(
        "pool_backward_every_tied_maximum",
        "pool_backward",
        "test_pool_backward",
        changed(POOL_BACKWARD, "create_mask_from_window(window)", "(window == np.max(window))"),
        "ONE entry, its first maximum",
    ),
    Bug(
        "mask_without_gradient",
        "pool_backward",
        "test_pool_backward",
        changed(POOL_BACKWARD, "create_mask_from_window(window) * dA[i, h, w, c]", "create_mask_from_window(window)"),
        "with mode='max', dA_prev[1, 1] is",
    ),
    Bug(
        "pool_backward_mode_ignored",
        "pool_backward",
        "test_pool_backward",
        changed(POOL_BACKWARD, 'if mode == "max":', "if True:"),
        "with mode='average', dA_prev[1, 1] is",
    ),
]
