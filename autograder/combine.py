"""Combining the faithful run with the independent verdicts, and saying what happened in each cell.

A test cell whose independent verdict is "failed" scores zero, whatever outputs the notebook's run
left: nbgrader's SaveAutoGrades scores a cell by its first `execute_result` (which student code
can place before its error), so such outputs are removed, and a cell that passed in the notebook
has its outputs replaced by one error output, and the result is flagged. An "unverifiable" verdict
(decided from the source, see autograder.verdict) leaves nbgrader's verdict standing, and the
cell's feedback says it was not verified independently. A notebook the grader cannot judge at all
fails its test cells.

With the course setting `Verdict.reference_for_other_functions`, a test cell that failed in the
notebook but passed independently with the instructor's reference for the other graded functions
its function calls (the verdict's reason names them) gets full points: its outputs are replaced by
a note saying so, which nbgrader's SaveAutoGrades scores as a pass. This is where scores differ
from nbgrader's on purpose: a wrong helper costs its own cells only.
"""

from pathlib import Path

import nbformat
from nbgrader.utils import is_grade, is_solution

from autograder import testcell
from autograder.session import builtin_name
from autograder.verdict import Options, Verdict, judge

FAILED_INDEPENDENTLY = "IndependentVerificationError"
PASSED_WITH_REFERENCE = "Passed independently of your other functions"


def verdicts_for(source_nb: Path, submitted, items: list[Path], slot: int, options: Options) -> dict:
    """The independent verdicts of a notebook's test cells: failed ones if the judge itself fails."""
    try:
        return judge(source_nb, submitted, items, slot, options)
    except Exception as error:  # noqa: BLE001 (a verdict that cannot be computed fails its cell)
        reason = f"the grader could not judge this notebook ({type(error).__name__})"
        ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in submitted.cells if is_test(cell)]
        return {g: Verdict(g, "failed", reason) for g in ids}


def is_test(cell) -> bool:
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def wrote_stderr(cell) -> bool:
    return any(o.output_type == "stream" and o.name == "stderr" for o in cell.get("outputs", []))


def passed_with_reference(cell, verdict: Verdict | None) -> bool:
    """Whether the cell failed here, but passed independently with the instructor's other functions."""
    failed = errors(cell) or wrote_stderr(cell)
    return bool(failed and verdict and verdict.status == "passed" and verdict.reason)


def apply_verdicts(nb, verdicts: dict, reference: bool = False) -> None:
    """Zero each test cell that failed independently; with `reference` (the course setting), pass each
    that failed here but passed with the instructor's other functions."""
    for cell in nb.cells:
        verdict = verdicts.get(cell.metadata.get("nbgrader", {}).get("grade_id")) if is_test(cell) else None
        if reference and passed_with_reference(cell, verdict):
            note = f"{PASSED_WITH_REFERENCE}: {verdict.reason}\n"
            cell.outputs = [nbformat.from_dict({"output_type": "stream", "name": "stdout", "text": note})]
        elif verdict and verdict.status == "failed":
            zero(cell, verdict)


def zero(cell, verdict: Verdict) -> None:
    """Outputs nbgrader's SaveAutoGrades scores zero: the cell's own error (or stderr) with no
    execute_result before it, or, if it passed here, the independent failure alone."""
    if errors(cell) or wrote_stderr(cell):
        cell.outputs = [output for output in cell.outputs if output.output_type != "execute_result"]
        return
    message = failed_independently(verdict)
    output = {"output_type": "error", "ename": FAILED_INDEPENDENTLY, "evalue": message}
    cell.outputs = [nbformat.from_dict({**output, "traceback": [f"{FAILED_INDEPENDENTLY}: {message}"]})]


def failed_independently(verdict: Verdict) -> str:
    return f"the test failed when run independently of your notebook: {verdict.reason}"


def outcome(cell, auto_score, verdict: Verdict | None) -> tuple[str, str]:
    """The outcome of a graded cell of the autograded notebook, and feedback safe to show the student.

    The feedback never quotes the notebook's outputs: the student's process ran the hidden tests
    there, and its code can leave anything it saw in an error's name or value (an error output
    named FAILED_INDEPENDENTLY included). It says what the verdicts say, or the builtin exception."""
    if auto_score is None:
        return "pending", "graded by a person"
    if cell is None or not is_test(cell):
        return "passed", ""
    failures = errors(cell)
    if failures:
        error = failures[-1]
        failed = verdict is not None and verdict.status == "failed"
        if error.ename == FAILED_INDEPENDENTLY and failed:
            return "flagged", failed_independently(verdict)
        if error.ename == "CellTimeoutError":
            return "timeout", "the cell did not finish in time"
        if failed:
            return "failed", verdict.reason
        if "BEGIN HIDDEN TESTS" in cell.source:
            return "failed", testcell.HIDDEN
        return "failed", f"the test raised {builtin_name(error.ename)} in your notebook"
    if wrote_stderr(cell):
        return "failed", "the cell wrote to stderr (for example a warning); nbgrader gives such a cell zero"
    if verdict is None or verdict.status == "unverifiable":
        why = f": {verdict.reason}" if verdict else ""
        return "passed", f"not verified independently{why}"
    return "passed", verdict.reason
