"""Reading notebooks as the autograder needs them: plain JSON, checked for the shape it relies on.

nbformat would read them too, but importing it (and the JSON-schema machinery behind it) takes
seconds, which grading one submission cannot spare.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

CELL_TYPES = {"code", "markdown", "raw"}


class NotebookError(ValueError):
    """The text is JSON but not a notebook this autograder can grade."""


@dataclass(frozen=True)
class Cell:
    cell_type: str
    source: str
    metadata: dict = field(default_factory=dict)
    id: str | None = None

    @property
    def nbgrader(self) -> dict:
        meta = self.metadata.get("nbgrader")
        return meta if type(meta) is dict else {}


def parse(text: str) -> list[Cell]:
    """The cells of a version 4 notebook; json.JSONDecodeError or NotebookError if it is not one."""
    data = json.loads(text)
    if type(data) is not dict or type(data.get("cells")) is not list:
        raise NotebookError("has no list of cells")
    if data.get("nbformat") != 4:
        raise NotebookError(f"is in notebook format {data.get('nbformat')!r}, not 4")
    cells = []
    for index, raw in enumerate(data["cells"]):
        if type(raw) is not dict or raw.get("cell_type") not in CELL_TYPES:
            raise NotebookError(f"cell {index} is not a notebook cell")
        source = raw.get("source", "")
        if type(source) is list and all(type(line) is str for line in source):
            source = "".join(source)
        metadata = raw.get("metadata", {})
        if type(source) is not str or type(metadata) is not dict:
            raise NotebookError(f"cell {index} has a malformed source or metadata")
        cell_id = raw.get("id")
        cells.append(Cell(raw["cell_type"], source, metadata, cell_id if type(cell_id) is str else None))
    return cells


def read(path: Path) -> list[Cell]:
    return parse(path.read_text(encoding="utf-8"))
