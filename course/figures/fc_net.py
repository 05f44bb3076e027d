"""Figures of the fc_net assignment: the caches of the L-layer network, one layer's graph, the ReLU's kink."""

import numpy as np
from matplotlib.figure import Figure

from course.figures import drawing

FORWARD = "#1f77b4"
BACKWARD = "#d62728"
CACHE = "#7f7f7f"


def box(ax, x, y, text, color, width=1.9, height=0.9, fontsize=11):
    drawing.box(ax, (x, y), text, edge=color, width=width, height=height, linewidth=2, size=fontsize)


def arrow(ax, start, end, color, label="", offset=(0, 0.22), dashed=False, fontsize=11):
    """An arrow from start to end, with a label near its middle."""
    drawing.arrow(ax, start, end, color, dashed=dashed)
    if label:
        middle = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
        ax.text(*middle, label, ha="center", va="center", fontsize=fontsize, color=color)


def blank_axes(figure, xlim, ylim):
    return drawing.frame(figure.add_axes((0, 0, 1, 1)), xlim, ylim, equal=False)


def network_caches() -> Figure:
    """Forward through three layers filling caches[0..2], backward reading them from the end."""
    figure = Figure(figsize=(11, 5.2))
    ax = blank_axes(figure, (-0.6, 12.6), (-0.2, 6.4))
    xs = [2.4, 5.4, 8.4]
    names = ["relu", "relu", "sigmoid"]
    ax.text(-0.5, 5.75, "forward", fontsize=12, color=FORWARD, weight="bold", ha="left")
    ax.text(-0.5, 3.9, "caches", fontsize=12, color=CACHE, weight="bold", ha="left")
    ax.text(-0.5, 2.05, "backward", fontsize=12, color=BACKWARD, weight="bold", ha="left")
    box(ax, 11.1, 5.0, "cost $J$\n(uses $Y$)", FORWARD, width=1.7)
    box(ax, 11.1, 1.3, "start:\n$dA^{[3]}$ from $A^{[3]}, Y$", BACKWARD, width=2.2)
    for l, (x, name) in enumerate(zip(xs, names), start=1):
        box(ax, x, 5.0, f"layer {l}\n{name}", FORWARD)
        cache = f"caches[{l - 1}]\n$((A^{{[{l - 1}]}}, W^{{[{l}]}}, b^{{[{l}]}}), Z^{{[{l}]}})$"
        box(ax, x, 3.15, cache, CACHE, width=2.5, height=0.95, fontsize=10)
        box(ax, x, 1.3, f"layer {l}\nbackward", BACKWARD)
        arrow(ax, (x, 4.5), (x, 3.68), CACHE, "store", offset=(0.42, 0), dashed=True, fontsize=10)
        arrow(ax, (x, 2.63), (x, 1.8), CACHE, "read", offset=(0.38, 0), dashed=True, fontsize=10)
        ax.text(x, 0.25, f"$dW^{{[{l}]}}, db^{{[{l}]}}$", ha="center", fontsize=11, color=BACKWARD)
        arrow(ax, (x, 0.8), (x, 0.5), BACKWARD)
    inputs = ["$X = A^{[0]}$", "$A^{[1]}$", "$A^{[2]}$", "$A^{[3]} = \\hat{Y}$"]
    lefts = [0.2, *(x + 1.0 for x in xs)]
    rights = [x - 1.0 for x in xs] + [10.2]
    for label, left, right in zip(inputs, lefts, rights):
        arrow(ax, (left, 5.0), (right, 5.0), FORWARD, label, offset=(0, 0.3))
    grads = ["$dA^{[0]}$", "$dA^{[1]}$", "$dA^{[2]}$", "$dA^{[3]}$"]
    for label, left, right in zip(grads, lefts, [x - 1.0 for x in xs] + [9.95]):
        arrow(ax, (right, 1.3), (left, 1.3), BACKWARD, label, offset=(0, 0.3))
    note = "the forward pass runs left to right, the backward pass right to left"
    ax.text(6.0, 6.15, note, ha="center", fontsize=10, color=CACHE)
    return figure


def layer_graph() -> Figure:
    """One layer: A_prev, W, b -> Z -> A forward; dA -> dZ -> dA_prev, dW, db backward."""
    figure = Figure(figsize=(11, 4.6))
    ax = blank_axes(figure, (-0.3, 12.3), (-0.3, 5.9))
    for y, name in [(4.9, "$A_{prev}$"), (4.0, "$W$"), (3.1, "$b$")]:
        box(ax, 0.7, y, name, FORWARD, width=1.1, height=0.6)
        arrow(ax, (1.3, y), (3.4, 4.0), FORWARD)
    box(ax, 4.6, 4.0, "$Z = W A_{prev} + b$", FORWARD, width=2.4)
    arrow(ax, (5.85, 4.0), (7.3, 4.0), FORWARD, "$Z$", offset=(0, 0.25))
    box(ax, 8.3, 4.0, "$A = g(Z)$", FORWARD, width=1.9)
    arrow(ax, (9.3, 4.0), (11.9, 4.0), FORWARD, "$A$ to the next layer", offset=(0, 0.3))
    ax.text(3.0, 2.75, "cache: $(A_{prev}, W, b)$ and $Z$", ha="center", fontsize=11, color=CACHE)
    arrow(ax, (11.9, 1.3), (9.6, 1.3), BACKWARD, "$dA$ from the next layer", offset=(0, 0.3))
    box(ax, 8.3, 1.3, "$dZ = dA \\odot g'(Z)$", BACKWARD, width=2.5)
    arrow(ax, (7.0, 1.3), (6.05, 1.3), BACKWARD, "$dZ$", offset=(0, 0.25))
    outputs = [
        (2.2, "$dA_{prev} = W^T dZ$  (to the layer below)"),
        (1.3, "$dW = \\frac{1}{m}\\, dZ\\, A_{prev}^T$"),
        (0.4, "$db = \\frac{1}{m} \\sum_i dZ_{:,i}$"),
    ]
    for y, text in outputs:
        arrow(ax, (6.0, 1.3), (4.6, y), BACKWARD)
        ax.text(4.5, y, text, ha="right", va="center", fontsize=11, color=BACKWARD)
    arrow(ax, (5.2, 3.55), (7.2, 1.75), CACHE, dashed=True)
    arrow(ax, (8.3, 3.55), (8.3, 1.75), CACHE, dashed=True)
    ax.text(0.1, 5.55, "forward", fontsize=12, color=FORWARD, weight="bold")
    ax.text(0.1, 1.2, "backward", fontsize=12, color=BACKWARD, weight="bold")
    return figure


def relu_kink() -> Figure:
    """Central differences of the ReLU: exact away from 0, wrong when z - h < 0 < z + h."""
    figure = Figure(figsize=(10, 3.8))
    axes = figure.subplots(1, 2, sharey=True)
    h = 0.4  # exaggerated, to be visible; the course uses h = 1e-6
    z_axis = np.linspace(-1, 1.2, 200)
    for ax, z, title in [(axes[0], 0.6, "away from the kink"), (axes[1], 0.1, "straddling the kink")]:
        ax.plot(z_axis, np.maximum(z_axis, 0), color="black", linewidth=2, label="relu(z)")
        left, right = z - h, z + h
        slope = (max(right, 0) - max(left, 0)) / (2 * h)
        ax.plot(
            [left, right],
            [max(left, 0), max(right, 0)],
            color=BACKWARD,
            linewidth=2,
            marker="o",
            label=f"central difference: slope {slope:.2f}",
        )
        ax.plot([z - 0.5, z + 0.5], [z - 0.5, z + 0.5], color=FORWARD, linestyle="--", label="tangent: relu'(z) = 1")
        ax.axvline(z, color=CACHE, linewidth=0.8)
        ax.set_title(f"{title}: z = {z}, h = {h}", fontsize=12)
        ax.set_xlabel("z", fontsize=11)
        ax.set_ylim(-0.3, 1.2)
        ax.legend(loc="upper left", fontsize=10)
    figure.tight_layout()
    return figure


FIGURES = {
    "network_caches.png": network_caches,
    "layer_graph.png": layer_graph,
    "relu_kink.png": relu_kink,
}
