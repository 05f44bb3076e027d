"""Reading notebooks as the autograder needs them: plain JSON, checked for the shape it relies on.

nbformat would read them too, but importing it (and the JSON-schema machinery behind it) takes
seconds, which grading one submission cannot spare.
"""

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from autograder.frames import FrameError, bounded_json

CELL_TYPES = {"code", "markdown", "raw"}
MAX_BYTES = 32 * 2**20  # honest notebooks with their figures are a few megabytes
MAX_CONTAINERS = 500_000
MAX_VALUES = 4_000_000  # a line of source or output is one
MAX_DEPTH = 64  # a notebook nests about 6 deep
MAX_CELLS = 10_000  # a lesson has about a hundred; nbgrader's converter takes about 2 ms per cell
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # how JSON writes half of a UTF-16 pair


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


class Refused(OSError):
    """A submitted file that is not read at all: a link, a special file, or too large."""


def open_submitted(path: Path) -> int:
    """A file descriptor of a regular file, opened without following a link in its folder or its own
    name: a link could point at a classmate's notebook (graded as if it were this student's) or at a
    FIFO or a device (hanging the grader). Raises Refused, or OSError if it cannot be opened."""
    try:
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        if os.path.islink(path.parent):
            raise Refused(f"the folder {path.parent.name} is a symbolic link, which is not followed") from error
        raise
    try:
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
        fd = os.open(path.name, flags, dir_fd=folder)
    except OSError as error:
        if os.path.islink(path):
            raise Refused(f"{path.name} is a symbolic link, which is not followed") from error
        raise
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Refused(f"{path.name} is not a regular file")
    return fd


def read_submitted(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a submitted regular file (see open_submitted) of at most `limit` bytes."""
    with os.fdopen(open_submitted(path), "rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"{path.name} has more than the limit of {limit} bytes")
    return data


def is_unicode(data) -> bool:
    """Whether every string in the JSON data can be written as UTF-8 (nbgrader writes it so)."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def valid_text(text: str) -> str:
    """The text with any lone UTF-16 surrogate (which no UTF-8 file can hold) replaced by U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def parse(text: str | bytes) -> list[Cell]:
    """The cells of a version 4 notebook; json.JSONDecodeError or NotebookError if it is not one."""
    body = text.encode() if type(text) is str else text
    try:
        data = bounded_json(body, MAX_BYTES, MAX_CONTAINERS, MAX_VALUES, MAX_DEPTH)
    except FrameError as error:
        cause = error.__cause__
        if isinstance(cause, json.JSONDecodeError):
            raise cause from None
        if isinstance(cause, UnicodeDecodeError):
            raise NotebookError("is not UTF-8 text") from None
        raise NotebookError(f"is too large for a notebook: {error}") from None
    if type(data) is not dict or type(data.get("cells")) is not list:
        raise NotebookError("has no list of cells")
    if len(data["cells"]) > MAX_CELLS:
        raise NotebookError(f"has {len(data['cells'])} cells, more than the {MAX_CELLS} a notebook may have here")
    if SURROGATE_ESCAPE.search(body) and not is_unicode(data):
        raise NotebookError("holds text that is not Unicode (half of a UTF-16 surrogate pair)")
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
