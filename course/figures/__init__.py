"""The figures the notebooks show, drawn from code.

Each assignment that shows figures has a module here, named after it, with a dict FIGURES that maps
a file name (`something.png`) to a function taking no argument and returning a matplotlib Figure,
made with `matplotlib.figure.Figure(...)` rather than pyplot, so no global state is touched.
`draw` saves them into `source/<assignment>/figures/`; nbgrader's generate step copies that folder
into `release/<assignment>/`, beside the notebook, whose markdown shows them as
`![what it shows](figures/something.png)`. A test checks that every figure a notebook shows exists
in release/ and is what the code draws now.
"""

import importlib
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from course import paths

FOLDER = "figures"
DPI = 100


def figures_of(assignment: str) -> dict[str, Callable[[], Figure]]:
    """The assignment's figures by file name (none if it has no module here)."""
    try:
        module = importlib.import_module(f"course.figures.{assignment}")
    except ModuleNotFoundError as error:
        if error.name != f"course.figures.{assignment}":
            raise
        return {}
    return module.FIGURES


def save(figure: Figure, path: Path) -> None:
    """Save without a timestamp or version, so the same drawing gives the same file."""
    figure.savefig(path, dpi=DPI, metadata={"Software": None}, facecolor="white")


def draw(assignment: str, folder: Path | None = None) -> list[Path]:
    """Draw the assignment's figures into `folder` (default: its source folder); return their paths.

    The folder is emptied of PNG files first, so a figure that was removed from the code goes too.
    """
    folder = folder or paths.SOURCE / assignment / FOLDER
    drawings = figures_of(assignment)
    if not drawings:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    saved = []
    for name, make in drawings.items():
        save(make(), folder / name)
        saved.append(folder / name)
    return saved
