"""Where the course's files live: the one place that knows the repository layout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"
NBGRADER_CONFIG = ROOT / "nbgrader_config.py"
# The browser test's screenshots, one per step (git-ignored; CI keeps this folder).
SCREENSHOTS = ROOT / "build" / "screenshots"
# Files released beside the notebooks that use them; source/<assignment>/ holds links to these.
SHARED_FILES = [SOURCE / "rnn_utils.py"]


def assignments() -> list[str]:
    """Names of the assignments: folders of source/ that hold a notebook of the same name."""
    return sorted(p.parent.name for p in SOURCE.glob("*/*.ipynb") if p.stem == p.parent.name)


def source_notebook(assignment: str) -> Path:
    return SOURCE / assignment / f"{assignment}.ipynb"


def release_notebook(assignment: str) -> Path:
    return RELEASE / assignment / f"{assignment}.ipynb"
