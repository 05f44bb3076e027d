"""Wrong answers to the cnn assignment."""

from course.samples import WrongAnswers

WRONG_ANSWERS = WrongAnswers(
    cells={
        # every window starts at (h, w), as if the stride were 1: right only where h = w = 0
        "conv_forward": """\
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
                a_slice_prev = A_prev_pad[i, h : h + f, w : w + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])
    return Z, (A_prev, W, b, hparameters)
""",
        # the values printed by the visible test, hard-coded
        "pool_forward": """\
def pool_forward(A_prev, hparameters, mode="max"):
    if mode == "max":
        A = np.array([[[[1.74481176, 0.86540763, 1.13376944]]], [[[1.13162939, 1.51981682, 2.18557541]]]])
    else:
        A = np.array([[[[0.02105773, -0.20328806, -0.40389855]]], [[[-0.22154621, 0.51716526, 0.48155844]]]])
    return A, (A_prev, hparameters)
""",
        # strips the padding with [pad:-pad], which is empty when pad is 0
        "conv_backward": """\
def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros_like(A_prev_pad)
    dW = np.zeros_like(W)
    db = np.zeros_like(b)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    dA_prev_pad[i, vs : vs + f, hs : hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += A_prev_pad[i, vs : vs + f, hs : hs + f, :] * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    dA_prev = dA_prev_pad[:, pad:-pad, pad:-pad, :]
    return dA_prev, dW, db
""",
        # assigns each window's share (=) instead of adding it: wrong wherever windows overlap
        "pool_backward": """\
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
                        mask = create_mask_from_window(A_prev[i, vs : vs + f, hs : hs + f, c])
                        dA_prev[i, vs : vs + f, hs : hs + f, c] = mask * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs : vs + f, hs : hs + f, c] = distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev
""",
    },
    failing_tests=frozenset({"test_conv_forward", "test_pool_forward", "test_conv_backward", "test_pool_backward"}),
)
