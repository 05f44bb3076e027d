"""A sample class graded end to end by nbgrader: a temporary course, submissions, autograde, scores.

Students of the sample class, for every assignment:
- `reference`: the instructor's source notebook, solutions and hidden tests included;
- `correct`: the release notebook with every answer filled in from the solutions;
- `blank`: the release notebook untouched;
- `partial`: like `correct`, except a few answers that are wrong in ways students get them wrong
  (see course.samples);
- `cheater`: the untouched release with one added cell that tells IPython to run every later cell
  as `pass` and patches numpy's checks: nbgrader then runs no test at all and gives full marks.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from course import paths, samples
from course.build import copy_course, generate
from course.check import is_solution_cell, nbgrader_meta
from course.nbgrader_cli import run_nbgrader

CHEAT = """\
import numpy
numpy.testing.assert_allclose = lambda *args, **kwargs: None
get_ipython().input_transformers_post.append(lambda lines: ["pass\\n"])
"""


@dataclass(frozen=True)
class CellScore:
    grade_id: str
    score: float
    max_score: float


def solutions_filled_in(assignment: str, replacements: dict[str, str]):
    """The release notebook with each answer cell taken from the source, or from `replacements`."""
    release = nbformat.read(paths.release_notebook(assignment), as_version=4)
    source = nbformat.read(paths.source_notebook(assignment), as_version=4)
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in source.cells if is_solution_cell(c)}
    for cell in release.cells:
        if is_solution_cell(cell):
            grade_id = nbgrader_meta(cell)["grade_id"]
            cell.source = replacements.get(grade_id, answers[grade_id])
    return release


def cheating_attempt(assignment: str):
    release = nbformat.read(paths.release_notebook(assignment), as_version=4)
    first_locked = next(i for i, cell in enumerate(release.cells) if nbgrader_meta(cell))
    release.cells.insert(first_locked + 1, nbformat.v4.new_code_cell(CHEAT))
    return release


SUBMISSIONS = {
    "reference": lambda a: nbformat.read(paths.source_notebook(a), as_version=4),
    "correct": lambda a: solutions_filled_in(a, {}),
    "blank": lambda a: nbformat.read(paths.release_notebook(a), as_version=4),
    "partial": lambda a: solutions_filled_in(a, samples.wrong_answers(a).cells),
    "cheater": cheating_attempt,
}
HONEST = ("reference", "correct", "blank", "partial")
EVERYONE = (*HONEST, "cheater")
MIXED = ("correct", "partial", "blank")  # the benchmarks' class: right, partly wrong and blank in turn


def create(
    course_root: Path, assignments: list[str], students: tuple[str, ...] | dict[str, str], db_url: str = ""
) -> None:
    """Make a course directory with a gradebook and a submission per student.

    `students` names sample students (see SUBMISSIONS), or maps student ids to those names.
    `db_url` puts the gradebook in that database instead of the course's SQLite file.
    """
    kinds = students if isinstance(students, dict) else {name: name for name in students}
    if course_root.exists():
        shutil.rmtree(course_root)
    copy_course(assignments, course_root)
    if db_url:
        with (course_root / "nbgrader_config.py").open("a") as config:
            config.write(f"c.CourseDirectory.db_url = {db_url!r}\n")
    for assignment in assignments:
        generate(assignment, course_root, gradebook=True)
        notebooks = {kind: SUBMISSIONS[kind](assignment) for kind in set(kinds.values())}
        for student, kind in kinds.items():
            folder = course_root / "submitted" / student / assignment
            folder.mkdir(parents=True)
            nbformat.write(notebooks[kind], folder / f"{assignment}.ipynb")


def autograde(course_root: Path, assignment: str) -> None:
    run_nbgrader(["autograde", assignment, "--force"], course_root)


def cell_scores(course_root: Path, assignment: str, student: str) -> list[CellScore]:
    """The autograded score of every graded cell of a submission, as nbgrader's gradebook has it."""
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(assignment, assignment, student)
        return [CellScore(g.name, g.score, g.max_score) for g in sorted(notebook.grades, key=lambda g: g.name)]
