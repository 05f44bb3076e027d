"""Figures of the cnn assignment: padding, the sliding window, the convolution's backward sums, pooling."""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course.figures import drawing
from course.figures.drawing import frame

BLUE, ORANGE, GREEN, RED, GREY = "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#d9d9d9"


def grid(ax, shape, origin=(0, 0), texts=None, fills=None, fontsize=11):
    """Draw a grid of cells, row 0 at the top, with optional text and fill colour per cell."""
    rows, cols = shape
    x0, y0 = origin
    for r in range(rows):
        for c in range(cols):
            fill = fills[r][c] if fills is not None else "white"
            ax.add_patch(Rectangle((x0 + c, y0 - r - 1), 1, 1, facecolor=fill, edgecolor="#555555", linewidth=0.8))
            if texts is not None and texts[r][c] != "":
                ax.text(x0 + c + 0.5, y0 - r - 0.5, texts[r][c], ha="center", va="center", fontsize=fontsize)


def outline(ax, top_left, size, colour, origin=(0, 0), width=3.0, inset=0.0):
    """Outline a block of cells (row, column of its top-left cell; size in cells) on a grid."""
    r, c = top_left
    rows, cols = size
    x0, y0 = origin
    ax.add_patch(
        Rectangle(
            (x0 + c + inset, y0 - r - rows + inset),
            cols - 2 * inset,
            rows - 2 * inset,
            fill=False,
            edgecolor=colour,
            linewidth=width,
        )
    )


def arrow(ax, start, end, colour="black"):
    drawing.arrow(ax, start, end, colour, width=1.5, head_size=18)


def padding() -> Figure:
    """Left: a 6 x 6 image padded by 1, with the window that reads its corner. Right: windows per pixel."""
    fig = Figure(figsize=(11, 5.2))
    left, right = fig.subplots(1, 2)
    n, pad = 6, 1
    size = n + 2 * pad
    fills = [["white" if pad <= r < n + pad and pad <= c < n + pad else GREY for c in range(size)] for r in range(size)]
    texts = [["0" if fills[r][c] == GREY else "" for c in range(size)] for r in range(size)]
    grid(left, (size, size), texts=texts, fills=fills)
    outline(left, (0, 0), (3, 3), RED)
    left.text(1.5, 0.4, "reads the corner pixel", color=RED, ha="left", fontsize=11)
    left.text(size / 2, -size - 0.9, "6 × 6 image, pad = 1 (grey: the added zeros)", ha="center", fontsize=12)
    frame(left, (-0.3, size + 0.3), (-size - 1.4, 1.2))

    counts = np.zeros((n, n), dtype=int)
    for h in range(n):
        for w in range(n):
            counts[max(h - 1, 0) : h + 2, max(w - 1, 0) : w + 2] += 1
    colours = {4: "#fde0c5", 6: "#fdb97d", 9: "#e6550d"}
    grid(
        right,
        (n, n),
        texts=[[str(v) for v in row] for row in counts],
        fills=[[colours[v] for v in row] for row in counts],
        fontsize=14,
    )
    right.text(n / 2, -n - 0.6, "how many 3 × 3 windows read each pixel", ha="center", fontsize=12)
    right.text(n / 2, -n - 1.3, "(same convolution: pad 1, stride 1)", ha="center", fontsize=12)
    frame(right, (-1.3, n + 1.3), (-size - 1.4, 1.2))
    fig.subplots_adjust(left=0.02, right=0.98, top=0.98, bottom=0.02, wspace=0.05)
    return fig


def sliding_window() -> Figure:
    """A 5 x 5 input, pad 1, f = 3, stride 2: two overlapping windows and the output entries they give."""
    fig = Figure(figsize=(11, 5.2))
    ax = fig.subplots()
    n, pad, f, stride = 5, 1, 3, 2
    size = n + 2 * pad
    fills = [["white" if pad <= r < n + pad and pad <= c < n + pad else GREY for c in range(size)] for r in range(size)]
    texts = [["0" if fills[r][c] == GREY else "" for c in range(size)] for r in range(size)]
    grid(ax, (size, size), texts=texts, fills=fills)
    outline(ax, (0, 0), (f, f), BLUE, inset=0.06)
    outline(ax, (0, stride), (f, f), ORANGE, inset=0.14)
    outline(ax, (stride, 0), (f, f), GREEN, inset=0.22)
    ax.text(size / 2, 0.4, "padded input: 5 × 5, pad = 1", ha="center", fontsize=12)
    ax.text(0, -size - 0.7, "window (h, w) starts at row h · stride, column w · stride", fontsize=12)
    ax.text(0, -size - 1.4, "stride 2 < f = 3: neighbouring windows share a row or a column", fontsize=12)

    n_out = (n - f + 2 * pad) // stride + 1
    origin = (size + 4.5, -2)
    colours = [[BLUE, ORANGE, "white"], [GREEN, "white", "white"], ["white"] * 3]
    texts = [[f"({h},{w})" for w in range(n_out)] for h in range(n_out)]
    grid(ax, (n_out, n_out), origin=origin, texts=texts, fills=colours, fontsize=12)
    ax.text(origin[0] + n_out / 2, origin[1] + 0.4, "output Z: 3 × 3", ha="center", fontsize=12)
    ax.text(origin[0] - 0.5, origin[1] - n_out - 0.8, "n_H = ⌊(5 − 3 + 2·1) / 2⌋ + 1 = 3", fontsize=12)
    arrow(ax, (size + 0.3, -1.5), (origin[0] - 0.2, origin[1] - 0.5), BLUE)
    arrow(ax, (size + 0.3, -3.5), (origin[0] - 0.2, origin[1] - 1.5), GREEN)
    frame(ax, (-0.3, origin[0] + n_out + 2.5), (-size - 1.8, 1.0))
    fig.subplots_adjust(left=0.02, right=0.98, top=0.98, bottom=0.02)
    return fig


def conv_backward() -> Figure:
    """f = 3, stride 1, no padding: the input pixel (2, 2) is read by nine windows, so it gathers nine terms."""
    fig = Figure(figsize=(11, 5.4))
    ax = fig.subplots()
    n, f = 6, 3
    n_out = n - f + 1
    target = (2, 2)
    fills = [[RED if (r, c) == target else "white" for c in range(n)] for r in range(n)]
    grid(ax, (n, n), fills=fills)
    outline(ax, (0, 0), (f, f), BLUE, inset=0.06)
    outline(ax, (2, 2), (f, f), ORANGE, inset=0.12)
    ax.text(n / 2, 0.4, "input A_prev (6 × 6), f = 3, stride 1", ha="center", fontsize=12)
    ax.text(0, -n - 0.7, "blue: window (0, 0) reads the red pixel as its W[2, 2]", fontsize=12, color=BLUE)
    ax.text(0, -n - 1.4, "orange: window (2, 2) reads it as its W[0, 0]", fontsize=12, color=ORANGE)

    origin = (n + 4.5, -1)
    covers = [
        ["#f4a6a6" if h <= target[0] < h + f and w <= target[1] < w + f else "white" for w in range(n_out)]
        for h in range(n_out)
    ]
    texts = [[f"dZ{h}{w}" for w in range(n_out)] for h in range(n_out)]
    grid(ax, (n_out, n_out), origin=origin, texts=texts, fills=covers, fontsize=10)
    outline(ax, (0, 0), (1, 1), BLUE, origin=origin, inset=0.06)
    outline(ax, (2, 2), (1, 1), ORANGE, origin=origin, inset=0.06)
    ax.text(origin[0] + n_out / 2, origin[1] + 0.4, "output gradient dZ (4 × 4)", ha="center", fontsize=12)
    ax.text(origin[0] - 1.5, origin[1] - n_out - 0.9, "dA_prev[2, 2] = Σ  W[2 − h, 2 − w] · dZ[h, w]", fontsize=12)
    ax.text(origin[0] - 1.5, origin[1] - n_out - 1.6, "over the 9 shaded (h, w): add them up (+=)", fontsize=12)
    arrow(ax, (origin[0] - 0.2, origin[1] - 1.5), (n + 0.2, -2.5), RED)
    frame(ax, (-0.3, origin[0] + n_out + 3.2), (-n - 1.8, 1.0))
    fig.subplots_adjust(left=0.02, right=0.98, top=0.98, bottom=0.02)
    return fig


def pooling() -> Figure:
    """Max pooling 2 x 2, stride 2, forward and backward (one window all zeros), and average pooling backward."""
    fig = Figure(figsize=(13, 4.6))
    axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [4, 2.6, 4, 4]})
    x = np.array([[1, 3, 0, 0], [4, 2, 0, 0], [5, 1, 2, 6], [0, 3, 7, 1]], dtype=float)
    dA = np.array([[0.5, -1.0], [2.0, 0.8]])
    window_colours = [[BLUE, ORANGE], [GREEN, "#9467bd"]]
    pale = [["#c6dbef", "#fdd0a2"], ["#c7e9c0", "#dadaeb"]]

    def windows(ax):
        for h in range(2):
            for w in range(2):
                outline(ax, (2 * h, 2 * w), (2, 2), window_colours[h][w], inset=0.06)

    first_max = np.zeros_like(x)
    for h in range(2):
        for w in range(2):
            block = x[2 * h : 2 * h + 2, 2 * w : 2 * w + 2]
            r, c = np.unravel_index(np.argmax(block), block.shape)
            first_max[2 * h + r, 2 * w + c] = dA[h, w]
    bold = [["#fff2a8" if first_max[r, c] != 0 else "white" for c in range(4)] for r in range(4)]

    ax = axes[0]
    grid(ax, (4, 4), texts=[[f"{v:g}" for v in row] for row in x], fills=bold, fontsize=13)
    windows(ax)
    ax.set_title("input (after a ReLU)\nf = 2, stride 2", fontsize=12)
    ax.text(2, -4.6, "top right: four equal maxima (0)", ha="center", fontsize=11)
    frame(ax, (-0.2, 4.2), (-5.4, 0.2))

    ax = axes[1]
    pooled = np.array([[4, 0], [5, 7]], dtype=float)
    grid(ax, (2, 2), origin=(0, -0.6), texts=[[f"{v:g}" for v in row] for row in pooled], fills=pale, fontsize=13)
    ax.set_title("max pooling\nforward", fontsize=12)
    grid(ax, (2, 2), origin=(0, -3.3), texts=[[f"{v:g}" for v in row] for row in dA], fills=pale, fontsize=13)
    ax.text(1, -3.0, "upstream dA", ha="center", fontsize=11)
    frame(ax, (-0.4, 2.4), (-5.4, 0.2))

    ax = axes[2]
    grid(ax, (4, 4), texts=[[f"{v:g}" for v in row] for row in first_max], fills=bold, fontsize=13)
    windows(ax)
    ax.set_title("max pooling backward\nall of dA to ONE entry", fontsize=12)
    ax.text(2, -4.6, "ties: the first maximum, row by row", ha="center", fontsize=11)
    frame(ax, (-0.2, 4.2), (-5.4, 0.2))

    ax = axes[3]
    spread = np.kron(dA, np.ones((2, 2))) / 4
    grid(ax, (4, 4), texts=[[f"{v:g}" for v in row] for row in spread], fontsize=13)
    windows(ax)
    ax.set_title("average pooling backward\ndA / 4 to every entry", fontsize=12)
    ax.text(2, -4.6, "overlapping windows would add up", ha="center", fontsize=11)
    frame(ax, (-0.2, 4.2), (-5.4, 0.2))
    fig.subplots_adjust(left=0.01, right=0.99, top=0.86, bottom=0.02, wspace=0.12)
    return fig


FIGURES = {
    "padding.png": padding,
    "sliding_window.png": sliding_window,
    "conv_backward.png": conv_backward,
    "pooling.png": pooling,
}
