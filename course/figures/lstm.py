"""Figures of the lstm assignment: the cell, the gradients into its cell state, the unrolled backward pass,
and how long a forget gate keeps a gradient alive."""

import itertools

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch

from course.figures import drawing

GATE_COLOURS = {"f": "#d62728", "i": "#2ca02c", "c": "#9467bd", "o": "#1f77b4"}
BACKWARD = "#d62728"
FONT = 13


def canvas(width, height, xlim, ylim):
    figure = Figure(figsize=(width, height))
    return figure, drawing.frame(figure.add_axes((0, 0, 1, 1)), xlim, ylim)


def arrow(ax, start, end, colour="black", width=1.6, style="-|>", dashed=False, curve=0.0):
    drawing.arrow(ax, start, end, colour, width=width, head=style, dashed=dashed, curve=curve, shrink=0)


def line(ax, points, colour="black", width=1.6):
    xs, ys = zip(*points)
    ax.plot(xs, ys, color=colour, linewidth=width, solid_capstyle="round")


def box(ax, centre, text, colour, width=1.0, height=0.6, size=FONT):
    drawing.box(
        ax, centre, text, fill=colour, width=width, height=height, alpha=0.9, size=size, text_colour="white", bold=True
    )


def operation(ax, centre, symbol, radius=0.25):
    ax.add_patch(Circle(centre, radius, facecolor="white", edgecolor="black", linewidth=1.6, zorder=3))
    ax.text(*centre, symbol, ha="center", va="center", fontsize=FONT + 2, zorder=4)


def lstm_cell() -> Figure:
    """One LSTM step: the stacked input feeds three gates and the candidate; the cell state runs along the top."""
    figure, ax = canvas(10, 5.6, (-0.6, 11.4), (-1.6, 5.1))
    ax.add_patch(FancyBboxPatch((0.6, -0.2), 9.0, 4.5, boxstyle="round,pad=0.1", facecolor="#f4f4f4", edgecolor="gray"))
    top, gates_y, bus_y = 3.6, 1.5, 0.3
    # the cell state: multiplied by the forget gate, then the written candidate is added
    line(ax, [(-0.3, top), (2.75, top)], width=3)
    operation(ax, (3.0, top), "×")
    line(ax, [(3.25, top), (5.25, top)], width=3)
    operation(ax, (5.5, top), "+")
    arrow(ax, (5.75, top), (10.9, top), width=3)
    ax.text(-0.3, top + 0.3, r"$c^{\langle t-1 \rangle}$", fontsize=FONT + 2, ha="left")
    ax.text(10.9, top + 0.3, r"$c^{\langle t \rangle}$", fontsize=FONT + 2, ha="right")
    # the stacked input [a<t-1>; x<t>]
    line(ax, [(-0.3, bus_y), (7.2, bus_y)])
    ax.text(-0.3, bus_y + 0.2, r"$a^{\langle t-1 \rangle}$", fontsize=FONT + 2, ha="left")
    arrow(ax, (1.6, -1.3), (1.6, bus_y))
    ax.text(1.75, -1.2, r"$x^{\langle t \rangle}$", fontsize=FONT + 2, ha="left")
    ax.text(2.0, bus_y - 0.45, "concat", fontsize=FONT - 2, color="dimgray")
    gates = [
        ("f", 3.0, r"$\sigma$", r"$\Gamma_f$"),
        ("i", 4.5, r"$\sigma$", r"$\Gamma_i$"),
        ("c", 5.9, "tanh", r"$\tilde{c}$"),
        ("o", 7.2, r"$\sigma$", r"$\Gamma_o$"),
    ]
    for gate, x, function, name in gates:
        arrow(ax, (x, bus_y), (x, gates_y - 0.35))
        box(ax, (x, gates_y), function, GATE_COLOURS[gate], width=0.9 if gate != "c" else 1.0)
        ax.text(x - 0.12, gates_y + 0.45, name, fontsize=FONT + 1, ha="right", color=GATE_COLOURS[gate])
    # forget gate into the first product; input gate times candidate into the sum
    arrow(ax, (3.0, gates_y + 0.35), (3.0, top - 0.25), colour=GATE_COLOURS["f"])
    operation(ax, (5.2, 2.55), "×")
    line(ax, [(4.5, gates_y + 0.35), (4.5, 2.55), (4.95, 2.55)], colour=GATE_COLOURS["i"])
    line(ax, [(5.9, gates_y + 0.35), (5.9, 2.55), (5.45, 2.55)], colour=GATE_COLOURS["c"])
    arrow(ax, (5.2, 2.8), (5.4, top - 0.23), colour="black")
    # the hidden state: the output gate times tanh of the new cell state
    box(ax, (8.6, 2.6), "tanh", "#7f7f7f", width=1.0, height=0.5, size=FONT - 1)
    arrow(ax, (8.6, top), (8.6, 2.85))
    operation(ax, (8.6, gates_y), "×")
    arrow(ax, (8.6, 2.35), (8.6, gates_y + 0.25))
    arrow(ax, (7.65, gates_y), (8.35, gates_y), colour=GATE_COLOURS["o"])
    line(ax, [(8.6, gates_y - 0.25), (8.6, bus_y - 0.6)])
    arrow(ax, (8.6, bus_y - 0.6), (10.9, bus_y - 0.6))
    ax.text(10.9, bus_y - 0.4, r"$a^{\langle t \rangle}$", fontsize=FONT + 2, ha="right")
    arrow(ax, (9.8, bus_y - 0.6), (9.8, -1.0))
    ax.text(9.8, -1.3, r"softmax $\to \hat{y}^{\langle t \rangle}$", fontsize=FONT - 1, ha="center", va="center")
    ax.text(0.9, 4.6, "one LSTM step", fontsize=FONT, color="dimgray")
    return figure


def cell_state_gradient() -> Figure:
    """The two ways the cell state of step t reaches the loss, and what flows back to step t-1."""
    figure, ax = canvas(10, 4.8, (-0.3, 11.7), (-1.0, 4.7))
    ax.add_patch(FancyBboxPatch((1.0, -0.4), 6.6, 4.4, boxstyle="round,pad=0.1", facecolor="#f4f4f4", edgecolor="gray"))
    ax.text(1.2, -0.25, "step t", fontsize=FONT, color="dimgray")
    top, back = 2.4, 3.15
    # forward, in black: c<t-1> -> c<t> -> step t+1, and c<t> -> a<t> -> the loss at t and step t+1
    ax.text(-0.2, top + 0.2, r"$c^{\langle t-1 \rangle}$", fontsize=FONT + 1)
    arrow(ax, (-0.2, top), (2.75, top), width=2.5)
    operation(ax, (3.0, top), "×")
    ax.text(3.0, top - 0.65, r"$\Gamma_f$", fontsize=FONT + 1, ha="center", color=GATE_COLOURS["f"])
    arrow(ax, (3.25, top), (4.7, top), width=2.5)
    ax.text(5.0, top, r"$c^{\langle t \rangle}$", fontsize=FONT + 3, ha="center", va="center")
    arrow(ax, (5.3, top), (10.2, top), width=2.5)
    ax.text(10.3, top, "step t + 1", fontsize=FONT, va="center")
    arrow(ax, (5.0, top - 0.3), (5.0, 0.55))
    ax.text(
        5.0, 0.2, r"$a^{\langle t \rangle} = \Gamma_o \odot \tanh(c^{\langle t \rangle})$", fontsize=FONT, ha="center"
    )
    arrow(ax, (6.9, 0.2), (10.2, 0.2))
    ax.text(10.3, 0.2, "loss at t,\nstep t + 1", fontsize=FONT - 1, va="center")
    # backward, in red: the two paths into c<t>, then on to c<t-1>
    arrow(ax, (10.0, back), (5.3, back), colour=BACKWARD, dashed=True)
    ax.text(7.65, back + 0.2, "dc_next: from step t + 1 only", fontsize=FONT - 1, ha="center", color=BACKWARD)
    arrow(ax, (5.5, 0.65), (5.5, top - 0.35), colour=BACKWARD, dashed=True)
    ax.text(
        5.7,
        1.45,
        r"da_next $\odot\ \Gamma_o \odot (1 - \tanh^2 c^{\langle t \rangle})$",
        fontsize=FONT - 1,
        color=BACKWARD,
        va="center",
    )
    ax.text(5.7, 1.05, "its own step, through a⟨t⟩", fontsize=FONT - 2, color=BACKWARD, va="center")
    arrow(ax, (4.7, back), (-0.2, back), colour=BACKWARD, dashed=True)
    ax.text(2.25, back + 0.2, r"dc_prev $=$ dc $\odot\ \Gamma_f$", fontsize=FONT - 1, ha="center", color=BACKWARD)
    ax.text(
        5.7,
        -0.85,
        "dc = dc_next + da_next ⊙ Γo ⊙ (1 − tanh² c⟨t⟩): both paths, added inside lstm_cell_backward",
        fontsize=FONT - 2,
        ha="center",
        color=BACKWARD,
    )
    return figure


def unrolled_backward() -> Figure:
    """Three steps of the unrolled LSTM and the gradients that lstm_backward passes between them."""
    figure, ax = canvas(10, 4.8, (-0.4, 11.6), (-1.3, 4.6))
    c_y, a_y = 2.5, 1.0
    steps = [(2.0, "t − 1"), (5.6, "t"), (9.2, "t + 1")]
    for x, name in steps:
        ax.add_patch(
            FancyBboxPatch((x - 0.9, 0.5), 1.8, 2.5, boxstyle="round,pad=0.08", facecolor="#f4f4f4", edgecolor="gray")
        )
        ax.text(x, 1.75, f"step\n{name}", fontsize=FONT - 1, ha="center", va="center", color="dimgray")
        arrow(ax, (x, -0.9), (x, 0.5))
        ax.text(x + 0.1, -0.8, f"x⟨{name}⟩", fontsize=FONT - 2, ha="left")
        # the loss reads every hidden state: its gradient da[:, :, t] enters from above
        arrow(ax, (x + 0.5, 3.0), (x + 0.5, 3.7))
        arrow(ax, (x + 0.2, 3.7), (x + 0.2, 3.0), colour=BACKWARD, dashed=True)
        ax.text(x - 0.05, 3.85, f"da[:, :, {name}]", fontsize=FONT - 3, ha="center", color=BACKWARD)
    for (x0, _), (x1, _) in itertools.pairwise(steps):
        arrow(ax, (x0 + 0.9, c_y), (x1 - 0.9, c_y), width=2.5)
        arrow(ax, (x0 + 0.9, a_y), (x1 - 0.9, a_y))
        arrow(ax, (x1 - 0.9, c_y - 0.3), (x0 + 0.9, c_y - 0.3), colour=BACKWARD, dashed=True)
        arrow(ax, (x1 - 0.9, a_y - 0.3), (x0 + 0.9, a_y - 0.3), colour=BACKWARD, dashed=True)
        ax.text((x0 + x1) / 2, c_y + 0.15, "c", fontsize=FONT - 1, ha="center")
        ax.text((x0 + x1) / 2, a_y + 0.15, "a", fontsize=FONT - 1, ha="center")
        ax.text((x0 + x1) / 2, c_y - 0.65, "dc_prev", fontsize=FONT - 3, ha="center", color=BACKWARD)
        ax.text((x0 + x1) / 2, a_y - 0.65, "da_prev", fontsize=FONT - 3, ha="center", color=BACKWARD)
    for y, text in [(c_y, "c⟨0⟩ = 0"), (a_y, "a0")]:
        arrow(ax, (-0.2, y), (1.1, y), width=2.5 if text.startswith("c") else 1.6)
        ax.text(-0.3, y + 0.15, text, fontsize=FONT - 2)
    arrow(ax, (1.1, a_y - 0.3), (-0.2, a_y - 0.3), colour=BACKWARD, dashed=True)
    ax.text(0.45, a_y - 0.65, "da0", fontsize=FONT - 3, ha="center", color=BACKWARD)
    for y in (c_y, a_y):
        arrow(ax, (11.3, y - 0.3), (10.1, y - 0.3), colour=BACKWARD, dashed=True)
        ax.text(10.7, y - 0.65, "zeros", fontsize=FONT - 3, ha="center", color=BACKWARD)
    ax.text(
        5.6,
        -1.25,
        "step t gets da_next = da[:, :, t] + da_prev of step t + 1, and dc_next = dc_prev of step t + 1",
        fontsize=FONT - 2,
        ha="center",
        color=BACKWARD,
    )
    return figure


def forget_gate_memory() -> Figure:
    """How much of a gradient survives k steps back along the cell state, for constant forget gates."""
    figure = Figure(figsize=(7, 3.8))
    ax = figure.add_subplot()
    k = np.arange(0, 31)
    for bias, style in [(3.0, "-"), (1.0, "--"), (0.0, ":")]:
        gate = 1 / (1 + np.exp(-bias))
        ax.semilogy(k, gate**k, style, linewidth=2, label=rf"$b_f = {bias:g}$: $\Gamma_f = {gate:.2f}$")
    ax.axvline(19, color="gray", linewidth=1)
    ax.text(19.3, 1.5e-2, "T_x = 20:\nfirst step to last", fontsize=10, color="dimgray")
    ax.set(xlabel="steps back in time k", ylabel=r"$\Gamma_f^{\,k}$ (gradient kept)", ylim=(1e-9, 2), xlim=(0, 30))
    ax.set_title("What reaches the first step along the cell state", fontsize=11)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=10, loc="lower left")
    figure.tight_layout()
    return figure


FIGURES = {
    "lstm_cell.png": lstm_cell,
    "cell_state_gradient.png": cell_state_gradient,
    "unrolled_backward.png": unrolled_backward,
    "forget_gate_memory.png": forget_gate_memory,
}
