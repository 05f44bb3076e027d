"""Figures of the rnn assignment: sequence tasks, the unrolled network and its gradient paths, truncated BPTT."""

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from course.figures import drawing

CELL = "#dbe8f6"
INPUT = "#eeeeee"
OUTPUT = "#fde6c8"
FORWARD = "#333333"
DIRECT = "#c0392b"
FUTURE = "#1f6fb2"


def box(ax, x, y, text, color, width=0.7, height=0.5, size=12):
    style = "round,pad=0.02,rounding_size=0.08"
    drawing.box(ax, (x, y), text, fill=color, edge="#555555", width=width, height=height, style=style, size=size)


def arrow(ax, start, end, color=FORWARD, style="-", rad=0.0, width=1.4):
    drawing.arrow(ax, start, end, color, width=width, dashed=style == "--", curve=rad)


def blank_axes(figure, position, xlim, ylim):
    return drawing.frame(figure.add_subplot(position), xlim, ylim)


def sequence_task(ax, title, inputs, outputs, steps):
    """One panel: a row of cells, the steps that read an input and the steps that give an output."""
    ax.set_title(title, fontsize=12)
    for t in range(steps):
        box(ax, t, 0, "", CELL, width=0.5, height=0.4)
        if t in inputs:
            box(ax, t, -1, inputs[t], INPUT, width=0.55, height=0.4, size=10)
            arrow(ax, (t, -0.78), (t, -0.22))
        if t in outputs:
            box(ax, t, 1, outputs[t], OUTPUT, width=0.55, height=0.4, size=10)
            arrow(ax, (t, 0.22), (t, 0.78))
        if t > 0:
            arrow(ax, (t - 0.73, 0), (t - 0.27, 0))


def sequence_tasks() -> Figure:
    figure = Figure(figsize=(11, 2.8))
    panels = [
        ("one to many\n(write music from a genre)", {0: "x"}, {t: f"ŷ{t + 1}" for t in range(4)}, 4),
        ("many to one\n(rate a review)", {t: f"x{t + 1}" for t in range(4)}, {3: "ŷ"}, 4),
        (
            "many to many, $T_y = T_x$\n(tag each word; this notebook)",
            {t: f"x{t + 1}" for t in range(4)},
            {t: f"ŷ{t + 1}" for t in range(4)},
            4,
        ),
        (
            "many to many, $T_y \\neq T_x$\n(translate: read, then write)",
            {t: f"x{t + 1}" for t in range(3)},
            {t: f"ŷ{t - 2}" for t in range(3, 5)},
            5,
        ),
    ]
    for index, (title, inputs, outputs, steps) in enumerate(panels):
        ax = blank_axes(figure, 141 + index, (-0.4, 4.4), (-1.3, 1.3))
        sequence_task(ax, title, inputs, outputs, steps)
    figure.subplots_adjust(left=0.01, right=0.99, top=0.8, bottom=0.02, wspace=0.08)
    return figure


def unrolled_rnn() -> Figure:
    """Four steps of the RNN, the forward arrows and the two paths the gradient takes back."""
    figure = Figure(figsize=(10, 5.2))
    ax = blank_axes(figure, 111, (-1.2, 8.4), (-1.75, 3.3))
    ax.set_title("The unrolled RNN: forward (black) and the two gradient paths into a⟨t⟩", fontsize=13)
    box(ax, -0.6, 0, "a⟨0⟩", INPUT, width=0.8)
    for t in range(1, 5):
        x = 2 * t - 0.6
        box(ax, x, 0, f"a⟨{t}⟩", CELL, width=0.9)
        box(ax, x, -1.3, f"x⟨{t}⟩", INPUT)
        box(ax, x, 1.45, f"ŷ⟨{t}⟩", OUTPUT)
        box(ax, x, 2.75, f"loss⟨{t}⟩", "white", width=1.1, size=11)
        arrow(ax, (x, -1.05), (x, -0.27))
        arrow(ax, (x - 0.12, 0.27), (x - 0.12, 1.2))
        arrow(ax, (x - 0.12, 1.7), (x - 0.12, 2.5))
        arrow(ax, (x - 1.5 if t > 1 else -0.2, -0.08), (x - 0.45, -0.08))
        # gradients: down from the loss (direct), back from a<t+1> (through the future)
        arrow(ax, (x + 0.12, 2.5), (x + 0.12, 1.7), DIRECT, style="--")
        arrow(ax, (x + 0.12, 1.2), (x + 0.12, 0.27), DIRECT, style="--")
        if t < 4:
            arrow(ax, (x + 1.55, 0.1), (x + 0.45, 0.1), FUTURE, style="--")
    ax.text(2 * 4 - 0.6 + 0.62, 0.55, "da[:, :, t]:\ndirect path", color=DIRECT, fontsize=11, va="center")
    ax.text(2 * 1 - 0.6 + 1.0, 0.38, "da_prev", color=FUTURE, fontsize=11, ha="center")
    ax.text(
        3.4,
        -2.0,
        "Backward, step t receives da[:, :, t] (red) plus the da_prev of step t+1 (blue), which carries every later loss.",
        ha="center",
        fontsize=11,
    )
    figure.subplots_adjust(left=0.01, right=0.99, top=0.92, bottom=0.06)
    return figure


def truncated_bptt() -> Figure:
    """One stream of text cut into chunks: the hidden state goes on, the gradient stops at each cut."""
    figure = Figure(figsize=(10, 3.9))
    ax = blank_axes(figure, 111, (-0.3, 12.3), (-2.4, 1.9))
    ax.set_title("Truncated BPTT: chunks of T steps, the state carried forward, the gradient cut", fontsize=13)
    steps_per_chunk, chunks = 4, 3
    for chunk in range(chunks):
        left = chunk * steps_per_chunk
        ax.add_patch(
            FancyBboxPatch(
                (left + 0.15, -1.1),
                steps_per_chunk - 0.3,
                2.2,
                boxstyle="round,pad=0.02,rounding_size=0.15",
                facecolor="#f6f6f6",
                edgecolor="#999999",
            )
        )
        ax.text(left + steps_per_chunk / 2, 1.35, f"chunk {chunk + 1}: one training step", ha="center", fontsize=11)
        for k in range(steps_per_chunk):
            x = left + k + 0.5
            box(ax, x, 0.3, "", CELL, width=0.5, height=0.4)
            if k > 0 or chunk > 0:
                arrow(ax, (x - 0.73, 0.3), (x - 0.27, 0.3))
            if k > 0:
                arrow(ax, (x - 0.05, 0.08), (x - 0.95, 0.08), FUTURE, style="--", rad=-0.5)
        if chunk > 0:
            ax.plot([left, left], [-1.25, 1.15], color=DIRECT, linewidth=2)
            ax.text(left, -1.55, "da0 dropped", color=DIRECT, ha="center", fontsize=10)
    ax.text(0.4, 0.75, "a0 = 0", fontsize=10)
    ax.text(
        6,
        -2.15,
        "black: a⟨t⟩ carried on to the next chunk (its a0)     blue: gradient, within a chunk only",
        ha="center",
        fontsize=11,
    )
    figure.subplots_adjust(left=0.01, right=0.99, top=0.9, bottom=0.02)
    return figure


FIGURES = {
    "sequence_tasks.png": sequence_tasks,
    "unrolled_rnn.png": unrolled_rnn,
    "truncated_bptt.png": truncated_bptt,
}
