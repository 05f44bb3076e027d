"""Grading one submission on today's path: its answers and added cells, judged by autograder.verdict.

The submission contributes only its answers and the code cells the student added; the setup cells
and tests are the source's. Each test cell's independent verdict decides its score: passed gives
its points, anything else zero (an unverifiable cell cannot be scored here, only by the faithful
run). The rule is nbgrader's: a test cell earns its points when it runs without an exception and
nothing is written to stderr, so honest submissions get the same scores as with `nbgrader autograde`.
"""

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.spec import AssignmentSpec
from autograder.submission import read_submission
from autograder.verdict import Disclosure, Judge, Options, Verdict, unjudged

__all__ = ["CellResult", "Options", "Result", "grade_submission"]


@dataclass
class CellResult:
    grade_id: str
    points: float
    score: float
    outcome: str  # "passed", "failed", "error", "timeout", "unverifiable" or "not run"
    feedback: str = ""  # safe to show the student: never hidden test code or expected values


@dataclass
class Result:
    student: str
    assignment: str
    status: str  # "graded", "missing", "unreadable", "refused" (a name nbgrader would misread) or "error"
    message: str = ""
    cells: list[CellResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.cells)


def cell_result(verdict: Verdict, points: float) -> CellResult:
    if verdict.status == "passed":
        return CellResult(verdict.grade_id, points, points, "passed", verdict.reason)
    if verdict.status == "unverifiable":
        feedback = f"this cell cannot be graded here ({verdict.reason}); it needs nbgrader's own run"
        return CellResult(verdict.grade_id, points, 0.0, "unverifiable", feedback)
    return CellResult(verdict.grade_id, points, 0.0, verdict.outcome or "failed", verdict.reason)


def grade_submission(spec: AssignmentSpec, released, folder: Path, student: str, slot: int, options: Options) -> Result:
    """Grade the submission in `folder`; the folder itself is only read."""
    started = time.monotonic()
    submission = read_submission(folder, student, spec, released)
    if submission.status != "ok":
        cells = [CellResult(t.grade_id, t.points, 0.0, "not run") for t in spec.tests]
        return Result(student, spec.name, submission.status, submission.message, cells, submission.flags)
    result = Result(student, spec.name, "graded", flags=submission.flags)
    try:
        run = Judge(spec, spec.extra_files, slot, replace(options, disclosure=Disclosure()))
    except Exception as error:  # noqa: BLE001 (a sandbox that does not start fails the cells, it never stops grading)
        verdicts = unjudged(
            spec, [t.grade_id for t in spec.tests], f"the grader could not start: {type(error).__name__}"
        )
        result.cells = [cell_result(verdicts[t.grade_id], t.points) for t in spec.tests]
        result.flags.append("the grader could not start the sandbox; every cell it could judge failed")
        return result
    try:
        for i, source in enumerate(submission.added.get("", [])):
            run.student_cell(f"added cell {i}", source)
        for step in spec.steps:
            if step.kind == "setup":
                run.setup_cell(step.grade_id, step.source)
            elif step.kind == "answer":
                for source in submission.answers.get(step.grade_id, []):
                    run.student_cell(step.grade_id, source)
            else:
                result.cells.append(cell_result(run.test_cell(step.test), step.test.points))
            for source in submission.added.get(step.grade_id, []):
                run.student_cell(f"cell added after {step.grade_id}", source)
    finally:
        run.close()
    unverifiable = [c.grade_id for c in result.cells if c.outcome == "unverifiable"]
    result.flags += [f"could not judge {', '.join(unverifiable)} independently"] if unverifiable else []
    result.message = "; ".join(p for p in run.problems if p)[:2000]
    result.seconds = time.monotonic() - started
    return result
