"""Every figure a notebook shows exists beside the released notebook and is what the code draws now."""

import re

import matplotlib.image
import nbformat
import numpy as np
import pytest

from course import figures, paths

ASSIGNMENTS = paths.assignments()
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)|<img[^>]*\bsrc=[\"']([^\"']+)[\"']")


def shown_images(notebook) -> list[str]:
    """The local images the markdown cells of a notebook (a path, or one already read) show."""
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, as_version=4)
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found += [a or b for a, b in IMAGE.findall(cell.source)]
    return [f for f in found if not f.startswith(("http:", "https:", "data:", "attachment:"))]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_shown_figure_is_released(assignment):
    release = paths.release_notebook(assignment)
    for image in shown_images(release):
        assert (release.parent / image).is_file(), f"{release.name} shows {image}, which is not in release/{assignment}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_drawn_figure_is_shown(assignment):
    shown = set(shown_images(paths.source_notebook(assignment)))
    for name in figures.figures_of(assignment):
        assert f"{figures.FOLDER}/{name}" in shown, f"{assignment}: {name} is drawn but no cell shows it"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_figures_are_what_the_code_draws(assignment, tmp_path):
    drawn = {p.name: p for p in figures.draw(assignment, tmp_path)}
    folder = paths.SOURCE / assignment / figures.FOLDER
    stored = {p.name: p for p in folder.glob("*.png")} if folder.is_dir() else {}
    hint = f"run `python -m course build {assignment}`"
    assert sorted(stored) == sorted(drawn), f"source/{assignment}/{figures.FOLDER} is out of date: {hint}"
    for name, path in drawn.items():
        new, old = matplotlib.image.imread(path), matplotlib.image.imread(stored[name])
        assert new.shape == old.shape, f"{name} has changed size: {hint}"
        # Agg draws the same pixels from the same code; allow for antialiasing in another build of it
        assert np.mean(np.abs(new - old) > 0.1) < 0.001, f"{name} is not what the code draws now: {hint}"
