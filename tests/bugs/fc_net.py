"""Plausible bugs in the fc_net assignment, at least five per graded test cell."""

from bugs import Bug

SIGMOID = "def sigmoid(Z):\n    return 1 / (1 + np.exp(-Z)), Z\n\n\n"
RELU = "def relu(Z):\n    return np.maximum(0, Z), Z\n\n\n"
RELU_BACKWARD = "def relu_backward(dA, cache):\n    return dA * (cache > 0)\n\n\n"
SIGMOID_BACKWARD = """\
def sigmoid_backward(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (1 - s)


"""


def activation_bug(name, test, function, message):
    """A bug in one of the two functions of an answer cell that holds two; the other one is right."""
    answer, others = {
        "test_sigmoid": ("sigmoid_relu", RELU),
        "test_relu": ("sigmoid_relu", SIGMOID),
        "test_relu_backward": ("activation_backward", SIGMOID_BACKWARD),
        "test_sigmoid_backward": ("activation_backward", RELU_BACKWARD),
    }[test]
    return Bug(name, answer, test, others + function, message)


def sigmoid_bug(name, body, message="sigmoid(z) = 1 / (1 + exp(-z))"):
    return activation_bug(name, "test_sigmoid", f"def sigmoid(Z):\n{body}", message)


def relu_bug(name, body, message="relu(z) = max(0, z)"):
    return activation_bug(name, "test_relu", f"def relu(Z):\n{body}", message)


def relu_backward_bug(name, body, message):
    return activation_bug(name, "test_relu_backward", f"def relu_backward(dA, cache):\n    Z = cache\n{body}", message)


def sigmoid_backward_bug(name, body, message="s * (1 - s) with s = sigmoid(Z)"):
    code = f"def sigmoid_backward(dA, cache):\n    Z = cache\n    s = 1 / (1 + np.exp(-Z))\n{body}"
    return activation_bug(name, "test_sigmoid_backward", code, message)


def bug(name, answer, body, message):
    return Bug(name, answer, f"test_{answer}", body, message)


def initialize_bug(
    name, weights, message="divide by sqrt(layer_dims[l-1])", loop="range(1, len(layer_dims))", bias=None
):
    bias = bias or "np.zeros((layer_dims[l], 1))"
    return bug(
        name,
        "initialize_parameters_deep",
        f"""\
def initialize_parameters_deep(layer_dims):
    parameters = {{}}
    for l in {loop}:
        parameters[f"W{{l}}"] = {weights}
        parameters[f"b{{l}}"] = {bias}
    return parameters
""",
        message,
    )


def linear_forward_bug(name, z, message, cache="(A, W, b)"):
    return bug(name, "linear_forward", f"def linear_forward(A, W, b):\n    Z = {z}\n    return Z, {cache}\n", message)


def layer_forward_bug(name, choose, message, cache="(linear_cache, activation_cache)"):
    return bug(
        name,
        "linear_activation_forward",
        f"""\
def linear_activation_forward(A_prev, W, b, activation):
{choose}
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = function(Z)
    return A, {cache}
""",
        message,
    )


def L_model_forward_bug(name, loop, message, L="len(parameters) // 2"):
    return bug(
        name,
        "L_model_forward",
        f"""\
def L_model_forward(X, parameters):
    caches = []
    L = {L}
    A = X
{loop}
    return A, caches
""",
        message,
    )


def cost_bug(name, cost, message="J = -(1/m)", m="Y.shape[1]"):
    return bug(name, "compute_cost", f"def compute_cost(AL, Y):\n    m = {m}\n    return {cost}\n", message)


def linear_backward_bug(name, message, dW="dZ @ A_prev.T / m", db="np.sum(dZ, axis=1, keepdims=True) / m",
                        dA_prev="W.T @ dZ", m="A_prev.shape[1]"):  # fmt: skip
    return bug(
        name,
        "linear_backward",
        f"""\
def linear_backward(dZ, cache):
    A_prev, W, _ = cache
    m = {m}
    return {dA_prev}, {dW}, {db}
""",
        message,
    )


def layer_backward_bug(name, body, message="_backward on the cached Z first, then linear_backward"):
    code = f"def linear_activation_backward(dA, cache, activation):\n    linear_cache, activation_cache = cache\n{body}"
    return bug(name, "linear_activation_backward", code, message)


def L_model_backward_bug(name, message, start="-(Y / AL - (1 - Y) / (1 - AL))", step=None, key="dA{l - 1}",
                         layers="range(L, 0, -1)", cache="caches[l - 1]"):  # fmt: skip
    activation = '"sigmoid" if l == L else "relu"'
    step = step or f"linear_activation_backward(dA, {cache}, {activation})"
    return bug(
        name,
        "L_model_backward",
        f"""\
def L_model_backward(AL, Y, caches):
    grads = {{}}
    L = len(caches)
    m = AL.shape[1]
    dA = {start}
    for l in {layers}:
        dA, grads[f"dW{{l}}"], grads[f"db{{l}}"] = {step}
        grads[f"{key}"] = dA
    return grads
""",
        message,
    )


def update_bug(name, body, message="learning_rate * d"):
    return bug(name, "update_parameters", f"def update_parameters(parameters, grads, learning_rate):\n{body}", message)


UPDATE_LOOP = "    parameters = dict(parameters)\n    L = len(parameters) // 2\n    for l in range(1, L + 1):\n"

BUGS = [
    # sigmoid
    sigmoid_bug("sigmoid_sign_flipped", "    return 1 / (1 + np.exp(Z)), Z\n"),
    sigmoid_bug("sigmoid_is_tanh", "    return np.tanh(Z), Z\n"),
    sigmoid_bug("tanh_identity_without_half", "    return 0.5 * (1 + np.tanh(Z)), Z\n"),
    sigmoid_bug("sigmoid_without_one", "    return 1 / np.exp(-Z), Z\n"),
    sigmoid_bug("sigmoid_caches_A", "    A = 1 / (1 + np.exp(-Z))\n    return A, A\n", "the cache should be Z itself"),
    sigmoid_bug("sigmoid_caches_both", "    A = 1 / (1 + np.exp(-Z))\n    return A, (A, Z)\n", "the cache is Z itself"),
    # relu
    relu_bug("relu_of_wrong_sign", "    return np.maximum(0, -Z), Z\n"),
    relu_bug("relu_is_abs", "    return np.abs(Z), Z\n"),
    relu_bug("relu_returns_the_mask", "    return (Z > 0) * 1.0, Z\n"),
    relu_bug("relu_max_reduces", "    return np.max(Z, 0), Z\n", "np.maximum, not np.max"),
    relu_bug("relu_boolean", "    return Z > 0, Z\n", "should have dtype float64"),
    relu_bug("relu_caches_A", "    A = np.maximum(0, Z)\n    return A, A\n", "the cache should be Z itself"),
    # initialize_parameters_deep
    initialize_bug("init_scale_001", "np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01"),
    initialize_bug("init_not_scaled", "np.random.randn(layer_dims[l], layer_dims[l - 1])"),
    initialize_bug(
        "init_he_scaling", "np.random.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(2 / layer_dims[l - 1])"
    ),
    initialize_bug(
        "init_scaled_by_own_size", "np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l])"
    ),
    initialize_bug(
        "init_weights_transposed",
        "np.random.randn(layer_dims[l - 1], layer_dims[l]) / np.sqrt(layer_dims[l - 1])",
        "W[l] has shape (layer_dims[l], layer_dims[l-1])",
    ),
    initialize_bug(
        "init_random_biases",
        "np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])",
        "biases should start at zero",
        bias="np.random.randn(layer_dims[l], 1)",
    ),
    initialize_bug(
        "init_last_layer_skipped",
        "np.random.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1])",
        "expected W1, b1, W2, b2",
        loop="range(1, len(layer_dims) - 1)",
    ),
    # linear_forward
    linear_forward_bug("linear_without_bias", "W @ A", "Z = W @ A + b"),
    linear_forward_bug("linear_bias_subtracted", "W @ A - b", "Z = W @ A + b"),
    linear_forward_bug("linear_rows_as_examples", "A.T @ W.T + b", "one row per unit"),
    linear_forward_bug("linear_result_transposed", "(W @ A).T + b.T", "one row per unit"),
    linear_forward_bug("linear_cache_order", "W @ A + b", "the cache should be the tuple (A, W, b)", cache="(W, A, b)"),
    linear_forward_bug(
        "linear_cache_without_b", "W @ A + b", "the cache should be the tuple (A, W, b)", cache="(A, W)"
    ),
    # linear_activation_forward
    layer_forward_bug(
        "unknown_activation_falls_back_to_relu",
        "    function = sigmoid if activation == 'sigmoid' else relu",
        "your function returned a value",
    ),
    layer_forward_bug(
        "unknown_activation_key_error", "    function = {'sigmoid': sigmoid, 'relu': relu}[activation]", "not KeyError"
    ),
    layer_forward_bug(
        "unknown_activation_assert",
        "    assert activation in ('sigmoid', 'relu')\n    function = {'sigmoid': sigmoid, 'relu': relu}[activation]",
        "not AssertionError",
    ),
    layer_forward_bug(
        "activation_name_lowercased",
        "    function = {'sigmoid': sigmoid, 'relu': relu}.get(activation.lower())\n"
        "    if function is None:\n        raise ValueError(activation)",
        "your function returned a value",
    ),
    layer_forward_bug(
        "activations_swapped",
        "    function = {'sigmoid': relu, 'relu': sigmoid}.get(activation)\n"
        "    if function is None:\n        raise ValueError(activation)",
        '"sigmoid" applies sigmoid',
    ),
    layer_forward_bug(
        "layer_cache_order_swapped",
        "    function = {'sigmoid': sigmoid, 'relu': relu}.get(activation)\n"
        "    if function is None:\n        raise ValueError(activation)",
        "the first part of the cache is the linear cache",
        cache="(activation_cache, linear_cache)",
    ),
    layer_forward_bug(
        "layer_caches_A_for_Z",
        "    function = {'sigmoid': sigmoid, 'relu': relu}.get(activation)\n"
        "    if function is None:\n        raise ValueError(activation)",
        "not A",
        cache="(linear_cache, A)",
    ),
    # L_model_forward
    L_model_forward_bug(
        "relu_on_the_last_layer",
        "    for l in range(1, L + 1):\n"
        "        A, cache = linear_activation_forward(A, parameters[f'W{l}'], parameters[f'b{l}'], 'relu')\n"
        "        caches.append(cache)",
        "sigmoid for layer L only",
    ),
    L_model_forward_bug(
        "sigmoid_everywhere",
        "    for l in range(1, L + 1):\n"
        "        A, cache = linear_activation_forward(A, parameters[f'W{l}'], parameters[f'b{l}'], 'sigmoid')\n"
        "        caches.append(cache)",
        "sigmoid for layer L only",
    ),
    L_model_forward_bug(
        "last_layer_skipped",
        "    for l in range(1, L):\n"
        "        A, cache = linear_activation_forward(A, parameters[f'W{l}'], parameters[f'b{l}'], 'relu')\n"
        "        caches.append(cache)",
        "AL is the output of the last layer",
    ),
    L_model_forward_bug(
        "caches_reversed",
        "    for l in range(1, L + 1):\n"
        "        activation = 'sigmoid' if l == L else 'relu'\n"
        "        A, cache = linear_activation_forward(A, parameters[f'W{l}'], parameters[f'b{l}'], activation)\n"
        "        caches.insert(0, cache)",
        "keep them in order, layer 1 first",
    ),
    L_model_forward_bug(
        "cache_appended_after_the_loop",
        "    for l in range(1, L + 1):\n"
        "        activation = 'sigmoid' if l == L else 'relu'\n"
        "        A, cache = linear_activation_forward(A, parameters[f'W{l}'], parameters[f'b{l}'], activation)\n"
        "    caches.append(cache)",
        "caches should be a list of 3 caches",
    ),
    # compute_cost
    cost_bug("cost_sign_flipped", "np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m"),
    cost_bug("cost_not_averaged", "-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))"),
    cost_bug("cost_logs_swapped", "-np.sum(Y * np.log(1 - AL) + (1 - Y) * np.log(AL)) / m"),
    cost_bug("cost_m_from_rows", "-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m", m="Y.shape[0]"),
    cost_bug(
        "cost_squeezed_array",
        "np.squeeze(-(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)) / m)",
        "got ndarray of shape ()",
    ),
    cost_bug(
        "cost_one_by_one_array",
        "-(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)) / m",
        "got ndarray of shape (1, 1)",
    ),
    # relu_backward
    relu_backward_bug("relu_backward_passes_at_zero", "    return dA * (Z >= 0)\n", "use Z > 0, not Z >= 0"),
    relu_backward_bug(
        "relu_backward_in_place", "    dZ = dA\n    dZ[Z <= 0] = 0\n    return dZ\n", "relu_backward must not modify dA"
    ),
    relu_backward_bug("relu_backward_returns_the_mask", "    return (Z > 0) * 1.0\n", "dZ = dA where Z > 0"),
    relu_backward_bug("relu_backward_times_relu", "    return dA * np.maximum(Z, 0)\n", "dZ = dA where Z > 0"),
    relu_backward_bug("relu_backward_masks_dA", "    return dA * (dA > 0)\n", "dZ"),
    relu_backward_bug(
        "relu_backward_zeroes_the_cache",
        "    Z[Z < 0] = 0\n    return dA * np.sign(Z)\n",
        "relu_backward must not modify its cache Z",
    ),
    # sigmoid_backward
    sigmoid_backward_bug("sigmoid_backward_without_dA", "    return s * (1 - s)\n"),
    sigmoid_backward_bug("sigmoid_backward_uses_Z", "    return dA * Z * (1 - Z)\n"),
    sigmoid_backward_bug("sigmoid_backward_tanh_derivative", "    return dA * (1 - s**2)\n"),
    sigmoid_backward_bug("sigmoid_backward_averaged", "    return dA * s * (1 - s) / Z.shape[1]\n"),
    sigmoid_backward_bug(
        "sigmoid_backward_in_place", "    dA *= s * (1 - s)\n    return dA\n", "sigmoid_backward must not modify dA"
    ),
    # linear_backward
    linear_backward_bug("dW_not_averaged", "did you divide by m", dW="dZ @ A_prev.T"),
    linear_backward_bug("dW_transposed", "did you transpose A_prev?", dW="A_prev @ dZ.T / m"),
    linear_backward_bug("db_without_keepdims", "keepdims=True", db="np.sum(dZ, axis=1) / m"),
    linear_backward_bug(
        "db_summed_over_units", "sum dZ over the examples (axis=1)", db="np.sum(dZ, axis=0, keepdims=True) / m"
    ),
    linear_backward_bug(
        "db_not_averaged", "db = np.sum(dZ, axis=1, keepdims=True) / m", db="np.sum(dZ, axis=1, keepdims=True)"
    ),
    linear_backward_bug("dA_prev_averaged", "not divided by m", dA_prev="W.T @ dZ / m"),
    linear_backward_bug("m_from_rows", "did you divide by m, the number of examples", m="A_prev.shape[0]"),
    # linear_activation_backward
    layer_backward_bug(
        "backward_activations_swapped",
        "    backward = {'sigmoid': relu_backward, 'relu': sigmoid_backward}[activation]\n"
        "    return linear_backward(backward(dA, activation_cache), linear_cache)\n",
    ),
    layer_backward_bug(
        "backward_relu_always", "    return linear_backward(relu_backward(dA, activation_cache), linear_cache)\n"
    ),
    layer_backward_bug("backward_activation_skipped", "    return linear_backward(dA, linear_cache)\n"),
    layer_backward_bug(
        "sigmoid_backward_from_the_cache_as_A",
        "    if activation == 'sigmoid':\n"
        "        s = activation_cache\n"
        "        return linear_backward(dA * s * (1 - s), linear_cache)\n"
        "    return linear_backward(relu_backward(dA, activation_cache), linear_cache)\n",
    ),
    layer_backward_bug(
        "backward_outputs_in_the_wrong_order",
        "    backward = {'sigmoid': sigmoid_backward, 'relu': relu_backward}[activation]\n"
        "    dA_prev, dW, db = linear_backward(backward(dA, activation_cache), linear_cache)\n"
        "    return dW, db, dA_prev\n",
        "dA_prev has shape",
    ),
    # L_model_backward
    L_model_backward_bug(
        "relu_backward_on_the_last_layer",
        "the last layer uses sigmoid",
        step="linear_activation_backward(dA, caches[l - 1], 'relu')",
    ),
    L_model_backward_bug(
        "dAL_sign_flipped", "dAL = -(Y / AL - (1 - Y) / (1 - AL))", start="Y / AL - (1 - Y) / (1 - AL)"
    ),
    L_model_backward_bug(
        "dAL_averaged", "dAL = -(Y / AL - (1 - Y) / (1 - AL))", start="-(Y / AL - (1 - Y) / (1 - AL)) / m"
    ),
    L_model_backward_bug("dZL_passed_as_dAL", "dAL = -(Y / AL - (1 - Y) / (1 - AL))", start="AL - Y"),
    L_model_backward_bug("dA_key_off_by_one", "layer l stores dW{l}, db{l} and dA{l-1}", key="dA{l}"),
    L_model_backward_bug("first_layer_skipped", "the keys are", layers="range(L, 1, -1)"),
    L_model_backward_bug(
        "sigmoid_backward_on_the_first_layer",
        "the last layer uses sigmoid",
        step="linear_activation_backward(dA, caches[l - 1], 'sigmoid' if l == 1 else 'relu')",
    ),
    # update_parameters
    update_bug(
        "gradient_ascent",
        UPDATE_LOOP
        + "        for p in 'Wb':\n            parameters[f'{p}{l}'] = parameters[f'{p}{l}'] + learning_rate * "
        "grads[f'd{p}{l}']\n    return parameters\n",
    ),
    update_bug(
        "biases_not_updated",
        UPDATE_LOOP
        + "        parameters[f'W{l}'] = parameters[f'W{l}'] - learning_rate * grads[f'dW{l}']\n    return parameters\n",
    ),
    update_bug(
        "update_skips_the_last_layer",
        UPDATE_LOOP.replace("L + 1", "L")
        + "        for p in 'Wb':\n            parameters[f'{p}{l}'] = parameters[f'{p}{l}'] - learning_rate * "
        "grads[f'd{p}{l}']\n    return parameters\n",
    ),
    update_bug(
        "learning_rate_ignored",
        UPDATE_LOOP
        + "        for p in 'Wb':\n            parameters[f'{p}{l}'] = parameters[f'{p}{l}'] - grads[f'd{p}{l}']\n"
        "    return parameters\n",
    ),
    update_bug(
        "update_hard_coded",
        "    parameters = dict(parameters)\n"
        "    parameters['W1'] = np.array([[1.79702809, -0.35504123, -0.54068435], [-2.52276371, 0.1036629, -0.3933151]])\n"
        "    return parameters\n",
    ),
]
