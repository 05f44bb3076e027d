"""Combining the faithful run with the independent verdicts, and saying what happened in each cell.

A test cell that passed in the notebook but whose independent verdict is "failed" gets an error
output before nbgrader's SaveAutoGrades sees it: the student loses its points, and the result is
flagged. An "unverifiable" verdict (or none) leaves nbgrader's verdict standing, and the cell's
feedback says it was not verified independently.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.utils import is_grade, is_solution

from autograder import notebook
from autograder.grade import Options, grade_submission
from autograder.spec import read_spec

FAILED_INDEPENDENTLY = "IndependentVerificationError"


@dataclass(frozen=True)
class Verdict:
    grade_id: str
    status: str  # "passed", "failed" or "unverifiable"
    reason: str


def judge_by_proxies(source_nb: Path, submitted, workdir_files: list[Path], slot: int, options: Options) -> dict:
    """Stand-in for E2's autograder.verdict.judge until it lands: today's engine, on course-style
    notebooks only (one notebook named as its assignment); other notebooks get no verdict."""
    if source_nb.stem != source_nb.parent.name:
        return {}
    spec = read_spec(source_nb.parent, source_nb.stem)
    with tempfile.TemporaryDirectory() as folder:
        nbformat.write(submitted, Path(folder) / source_nb.name)
        result = grade_submission(spec, notebook.read(source_nb), Path(folder), "", slot, options)
    status = {True: "passed", False: "failed"}
    return {c.grade_id: Verdict(c.grade_id, status[c.outcome == "passed"], c.feedback) for c in result.cells}


try:
    from autograder.verdict import judge
except ImportError:
    judge = judge_by_proxies


def verdicts_for(source_nb: Path, submitted, items: list[Path], slot: int, options: Options) -> dict:
    """The independent verdicts of a notebook's test cells; none when the judge itself fails."""
    try:
        return judge(source_nb, submitted, items, slot, options)
    except Exception:  # noqa: BLE001 (a verdict that cannot be computed leaves nbgrader's standing)
        return {}


def is_test(cell) -> bool:
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def wrote_stderr(cell) -> bool:
    return any(o.output_type == "stream" and o.name == "stderr" for o in cell.get("outputs", []))


def apply_verdicts(nb, verdicts: dict) -> None:
    """Give each test cell that passed here but failed independently an error output."""
    for cell in nb.cells:
        verdict = verdicts.get(cell.metadata.get("nbgrader", {}).get("grade_id")) if is_test(cell) else None
        if verdict and verdict.status == "failed" and not errors(cell) and not wrote_stderr(cell):
            message = f"the test failed when run independently of your notebook: {verdict.reason}"
            output = {"output_type": "error", "ename": FAILED_INDEPENDENTLY, "evalue": message}
            cell.outputs.append(nbformat.from_dict({**output, "traceback": [f"{FAILED_INDEPENDENTLY}: {message}"]}))


def outcome(cell, auto_score, verdict: Verdict | None) -> tuple[str, str]:
    """The outcome of a graded cell of the autograded notebook, and feedback safe to show the student."""
    if auto_score is None:
        return "pending", "graded by a person"
    if cell is None or not is_test(cell):
        return "passed", ""
    failures = errors(cell)
    if failures:
        error = failures[-1]
        if error.ename == FAILED_INDEPENDENTLY:
            return "flagged", error.evalue
        if error.ename == "CellTimeoutError":
            return "timeout", "the cell did not finish in time"
        if verdict and verdict.status == "failed":
            return "failed", verdict.reason
        if "BEGIN HIDDEN TESTS" in cell.source:
            return "failed", f"a hidden test failed ({error.ename})"
        return "failed", f"{error.ename}: {error.evalue}".splitlines()[0][:300]
    if wrote_stderr(cell):
        return "failed", "the cell wrote to stderr (for example a warning); nbgrader gives such a cell zero"
    if verdict is None or verdict.status == "unverifiable":
        why = f": {verdict.reason}" if verdict else ""
        return "passed", f"not verified independently{why}"
    return "passed", ""
