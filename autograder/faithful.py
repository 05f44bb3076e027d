"""The faithful path: nbgrader's own Autograde converter grades each submission.

Its chain is nbgrader's, configured as the course configures it, with three changes: Execute is
replaced by autograder.executor.SandboxExecute, CombineVerdicts runs just before SaveAutoGrades, and
InertContent last (what a browser would run is shown as text in `autograded/`).
So the gradebook, `autograded/` (but active content), late penalties and manual cells are nbgrader's
by construction.
The converter runs in this process only (the gradebook has one writer); `execute_ahead` does the
slow part (running the notebooks, and the independent verdicts) in a pool worker beforehand.
"""

import logging
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde
from nbgrader.converters.base import NbGraderException
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, SaveAutoGrades
from nbgrader.utils import find_all_files, is_grade, is_solution
from traitlets.config import Config

from autograder import combine, nbgrader_speedups
from autograder.course_dir import Course, CourseError
from autograder.executor import Run, SandboxExecute, folder_items, run_notebook
from autograder.grade import CellResult, Options, Result
from autograder.inert import InertContent
from autograder.sandbox import Budget, autograde_environment, drop_zygote
from autograder.verdict import Disclosure

nbgrader_speedups.install()


class CombineVerdicts(NbGraderPreprocessor):
    """A test cell that failed independent verification scores zero; with the course setting
    `Verdict.reference_for_other_functions`, one that passed only with the instructor's other
    functions gets a pass (autograder.combine). A notebook run here without its verdicts (its worker
    failed) is judged here first: no test cell is left to nbgrader's verdict alone."""

    source: ClassVar[Path] = Path()  # the assignment's source folder
    options: ClassVar[Options] = Options()
    runs: ClassVar[dict[str, Run]] = {}  # by notebook: the runs whose verdicts this submission got

    def preprocess(self, nb, resources):
        run, name = resources["autograder"]["run"], resources["nbgrader"]["notebook"]
        if run.verdicts is None:
            items = folder_items(Path(resources["metadata"]["path"]))
            drop_zygote(SandboxExecute.slot)  # nbgrader's run here ran the hidden tests: the verdicts get a new one
            options = replace(self.options, disclosure=Disclosure())
            try:
                run.verdicts = combine.verdicts_for(
                    self.source / f"{name}.ipynb", nb, items, SandboxExecute.slot, options
                )
            finally:
                drop_zygote(SandboxExecute.slot)
        reference = Options.from_config(self.config, 0).reference_for_other_functions
        combine.apply_verdicts(nb, run.verdicts, reference)
        self.runs[name] = run
        return nb, resources


def chain(configured: list) -> list:
    """nbgrader's autograde chain with our executor, the verdicts before the grades are saved, and
    the student's active content made inert last, in what `autograded/` keeps (autograder.inert)."""
    steps = [SandboxExecute if step is Execute else step for step in configured]
    at = steps.index(SaveAutoGrades) if SaveAutoGrades in steps else len(steps)
    return [*steps[:at], CombineVerdicts, *steps[at:], InertContent]


def autograde_config(course: Course, options: Options) -> Config:
    config = Config(course.config)
    config.merge(Config())
    default = Autograde.class_traits()["autograde_preprocessors"].default()
    configured = course.config.Autograde.get("autograde_preprocessors", default)
    config.Autograde.autograde_preprocessors = chain(list(configured))
    config.Autograde.force = True
    config.Exporter.optimistic_validation = True  # the notebook is validated once, not after every step
    config.Execute.timeout = int(max(options.timeout, 1))
    return config


class Problems(logging.Handler):
    """Keeps the errors nbgrader logs while it grades one submission."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record) -> None:
        lines = [line for line in record.getMessage().splitlines() if line.strip()]
        # nbgrader logs some errors with their traceback: keep what it says, not where
        said = [line for line in lines if not line.startswith(("Traceback", " "))]
        if said:
            self.messages.append(said[0][:300])


class Converter:
    """nbgrader's Autograde for one assignment, one student at a time."""

    def __init__(self, course: Course, assignment: str, options: Options, slot: int = 0):
        config = autograde_config(course, options)
        self.coursedir = CourseDirectory(config=config)
        self.coursedir.root = str(course.root)
        self.coursedir.assignment_id = assignment
        self.autograde = Autograde(coursedir=self.coursedir, config=config)
        self.problems = Problems()
        self.autograde.log = logging.getLogger(f"autograder.nbgrader.{assignment}")
        self.autograde.log.propagate = False
        self.autograde.log.handlers = [self.problems]
        self.course, self.assignment = course, assignment
        SandboxExecute.limits, SandboxExecute.slot = options.limits, slot
        CombineVerdicts.source = course.path("source", ".", assignment)
        CombineVerdicts.options = replace(Options.from_config(course.config, options.timeout), limits=options.limits)

    def grade(self, student: str, runs: dict[str, Run], flags: list[str]) -> Result:
        """Autograde the student's submission (using the runs computed ahead) and read back the result."""
        self.coursedir.student_id = student
        SandboxExecute.ahead = {(student, name): run for name, run in runs.items()}
        CombineVerdicts.runs = {}
        self.problems.messages = []
        try:
            self.autograde.start()
        except NbGraderException:
            message = "; ".join(dict.fromkeys(self.problems.messages)) or "nbgrader could not grade it"
            return Result(student, self.assignment, "error", message, flags=flags)
        finally:
            SandboxExecute.ahead = {}
        return read_result(self.course, self.assignment, student, CombineVerdicts.runs, flags)


def notebook_names(course: Course, assignment: str) -> list[str]:
    with Gradebook(course.db_url) as gradebook:
        try:
            return [nb.name for nb in gradebook.find_assignment(assignment).notebooks]
        except MissingEntry:
            raise CourseError(
                f"the gradebook has no assignment {assignment}: run `nbgrader generate_assignment {assignment}` first"
            ) from None


def cell_name(names: list[str], assignment: str, notebook: str, grade_id: str) -> str:
    """A graded cell's name in results: its grade id, prefixed by its notebook's name when the
    assignment is not a single notebook named as the assignment."""
    return grade_id if names == [assignment] else f"{notebook}/{grade_id}"


def not_run_cells(course: Course, assignment: str) -> list[CellResult]:
    """Every graded cell of the assignment at zero, for a submission that could not be graded."""
    names = notebook_names(course, assignment)
    with Gradebook(course.db_url) as gradebook:
        return [
            CellResult(cell_name(names, assignment, nb.name, cell.name), cell.max_score, 0.0, "not run")
            for nb in gradebook.find_assignment(assignment).notebooks
            for cell in nb.grade_cells
        ]


def read_result(course: Course, assignment: str, student: str, runs: dict[str, Run], flags: list[str]) -> Result:
    """The student's scores as the gradebook holds them, with what failed, from the autograded notebooks."""
    result = Result(student, assignment, "graded", flags=list(flags))
    autograded = course.path("autograded", student, assignment)
    with Gradebook(course.db_url) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        names = [nb.name for nb in submission.assignment.notebooks]
        for nb in submission.notebooks:
            path = autograded / f"{nb.name}.ipynb"
            cells = cells_by_id(path)
            verdicts = runs[nb.name].verdicts if nb.name in runs else {}
            for grade in nb.grades:
                name = cell_name(names, assignment, nb.name, grade.name)
                outcome, feedback = combine.outcome(cells.get(grade.name), grade.auto_score, verdicts.get(grade.name))
                result.cells.append(CellResult(name, grade.max_score, grade.score, outcome, feedback))
                if outcome == "flagged":
                    result.flags.append(f"{name} passed in the notebook but failed independent verification")
        penalty = submission.late_submission_penalty or 0.0
        if penalty:
            result.cells.append(CellResult("late penalty", 0.0, -penalty, "late"))
    return result


def cells_by_id(path: Path) -> dict:
    if not path.exists():
        return {}
    nb = nbformat.read(path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if is_grade(c) or is_solution(c)}


def workdir_items(course: Course, assignment: str, student: str) -> list[Path]:
    """The files the notebooks see: the student's, then the source's copies over them (as nbgrader copies them)."""
    submitted = course.path("submitted", student, assignment)
    source = course.path("source", ".", assignment)
    items = [p for p in sorted(submitted.iterdir()) if p.suffix != ".ipynb" and not p.name.startswith(".")]
    ignore = list(course.directory.ignore) + ["*.ipynb"]
    shipped = {Path(f).relative_to(source).parts[0] for f in find_all_files(str(source), ignore)}
    # the instructor's links (a helper shared by assignments) are followed: the sandbox copies files only
    return items + [(source / name).resolve() for name in sorted(shipped)]


def sanitize(nb, course: Course, config: Config, assignment: str, student: str, name: str, folder: Path):
    """nbgrader's sanitize chain, as Autograde runs it before executing."""
    resources = {
        "nbgrader": {"student": student, "assignment": assignment, "notebook": name, "db_url": course.db_url},
        "metadata": {"path": str(folder)},
    }
    for step in Autograde(config=config).sanitize_preprocessors:
        nb, resources = step(config=config)(nb, resources)
    return nb


def execute_ahead(course: Course, assignment: str, student: str, slot: int, options: Options) -> dict[str, Run]:
    """Run each submitted notebook of the student (sanitized as nbgrader will), then compute its verdicts.

    nbgrader's run executes the hidden tests in the student's process, which may keep what they
    compare against: the verdicts run the student's code in a sandbox of their own (new namespaces
    and RAM disks, under bubblewrap; a new process and working copy after the slot's user has been
    swept, without), which has never seen a hidden test. Each of the two has a time budget of its
    own (sandbox.Budget: the timeout per graded cell, and a margin), so that slow honest cells that
    nbgrader's run needed leave the verdicts their whole budget; both bound the time spent on the
    submission. The student's process, in both, sees NBGRADER_EXECUTION as nbgrader's kernel does."""
    config = autograde_config(course, options)
    folder = course.path("submitted", student, assignment)
    items = workdir_items(course, assignment, student)
    on_timeout = dict(Execute(config=config).error_on_timeout)
    notebooks = {}
    for name in notebook_names(course, assignment):
        path = folder / f"{name}.ipynb"
        if not path.exists():
            continue
        try:
            notebooks[name] = sanitize(
                nbformat.read(path, as_version=4), course, config, assignment, student, name, folder
            )
        except Exception:  # noqa: BLE001, S112 (nbgrader reports it when it grades the submission)
            continue
    graded = sum(is_grade(cell) for nb in notebooks.values() for cell in nb.cells)
    runs = {}
    try:
        with autograde_environment():
            budget = Budget.for_cells(options.timeout, graded)
            for name, nb in notebooks.items():
                runs[name] = run_notebook(nb, items, slot, options.limits, options.timeout, on_timeout, budget)
            drop_zygote(slot)  # what nbgrader's run left: the verdicts' sandbox is a new one (its budget's)
            judging = replace(
                Options.from_config(course.config, options.timeout),
                limits=options.limits,
                budget=Budget.for_cells(options.timeout, graded),
            )
            for name, nb in notebooks.items():
                source_nb = course.path("source", ".", assignment) / f"{name}.ipynb"
                runs[name].verdicts = combine.verdicts_for(source_nb, nb, items, slot, judging)
    finally:
        drop_zygote(slot)  # the verdicts' sandbox, and what they left running
    return runs
