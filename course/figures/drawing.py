"""Drawing pieces the figures share: an empty frame, a labelled box, an arrow."""

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch


def frame(ax, xlim, ylim, equal=True):
    """Axes without ticks or spines over the given data limits; `equal` keeps circles round."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if equal:
        ax.set_aspect("equal")
    ax.axis("off")
    return ax


def box(
    ax,
    centre,
    text,
    *,
    fill="white",
    edge="black",
    width=1.0,
    height=0.6,
    style="round,pad=0.05",
    linewidth=None,
    alpha=None,
    size=11,
    text_colour="black",
    bold=False,
):
    """A rounded box centred at `centre` with `text` in its middle."""
    x, y = centre
    corner = (x - width / 2, y - height / 2)
    patch = FancyBboxPatch(corner, width, height, boxstyle=style, facecolor=fill, edgecolor=edge, alpha=alpha)
    if linewidth is not None:
        patch.set_linewidth(linewidth)
    ax.add_patch(patch)
    weight = "bold" if bold else "normal"
    ax.text(x, y, text, ha="center", va="center", fontsize=size, color=text_colour, fontweight=weight)


def arrow(ax, start, end, colour="black", *, width=1.6, head="-|>", dashed=False, curve=0.0, head_size=14, shrink=2.0):
    """An arrow from `start` to `end`, straight or bent by `curve` (matplotlib's arc3 radius)."""
    patch = FancyArrowPatch(
        start,
        end,
        arrowstyle=head,
        mutation_scale=head_size,
        color=colour,
        linewidth=width,
        linestyle="--" if dashed else "-",
        connectionstyle=f"arc3,rad={curve}",
        shrinkA=shrink,
        shrinkB=shrink,
    )
    ax.add_patch(patch)
