from bugs import Bug

BUGS = [
    Bug(
        "relu_of_wrong_sign",
        "sigmoid_relu",
        "test_relu",
        "def sigmoid(Z):\n    return 1 / (1 + np.exp(-Z)), Z\n\ndef relu(Z):\n    return np.maximum(0, -Z), Z\n",
        "A[0] is",
    )
]
