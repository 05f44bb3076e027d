"""Wrong answers to the fc_net assignment."""

from course.samples import WrongAnswers

WRONG_ANSWERS = WrongAnswers(
    cells={
        # the scale of a shallow network's initialisation, not 1/sqrt(n_prev)
        "initialize_parameters_deep": """\
def initialize_parameters_deep(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters
""",
        # a (1, 1) array from np.dot, not the float asked for (np.float64 would be accepted)
        "compute_cost": """\
def compute_cost(AL, Y):
    m = Y.shape[1]
    return -(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)) / m
""",
        # the value printed by the visible test, hard-coded
        "update_parameters": """\
def update_parameters(parameters, grads, learning_rate):
    parameters = dict(parameters)
    parameters["W1"] = np.array([[1.79702809, -0.35504123, -0.54068435], [-2.52276371, 0.1036629, -0.3933151]])
    return parameters
""",
        # ReLU's derivative used for the sigmoid output layer too
        "L_model_backward": """\
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for l in range(L, 0, -1):
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(dA, caches[l - 1], "relu")
        grads[f"dA{l - 1}"] = dA
    return grads
""",
    },
    failing_tests=frozenset(
        {"test_initialize_parameters_deep", "test_compute_cost", "test_update_parameters", "test_L_model_backward"}
    ),
)
