"""Courses graded twice, once by `nbgrader autograde` and once by `python -m autograder grade`.

Each case lays out a course directory (nbgrader_config.py, source/, submitted/): the assignments of
tests/fixtures/, nbgrader's documentation course and nbgrader's own autograde fixtures, the last two
used in place from the installed package. `graded(case)` builds the two identical courses once per
test session and grades one with each grader.
"""

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import nbgrader
from inert_payloads import hand_in

from course.nbgrader_cli import run_nbgrader

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NBGRADER = Path(nbgrader.__file__).resolve().parent
DOCS = NBGRADER / "docs" / "source" / "user_guide"
FILES = NBGRADER / "tests" / "apps" / "files"

CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "parity"
c.Execute.timeout = 30
"""
LATE_IS_ZERO = 'c.LateSubmissionPlugin.penalty_method = "zero"\n'


@dataclass(frozen=True)
class Case:
    assignment: str
    lay_out: Callable[[Path], None]  # fills an empty course directory
    duedate: str = ""
    # students whose submissions are made from the release, after generate_assignment
    from_release: Callable[[Path], None] | None = None


@dataclass(frozen=True)
class Graded:
    name: str  # the case's name in CASES
    assignment: str
    nbgrader: Path  # the course graded by `nbgrader autograde`
    ours: Path  # an identical course graded by `python -m autograder grade`
    ours_log: str  # what our command printed
    ours_exit: int


def fixture(name: str) -> Case:
    def lay_out(root: Path) -> None:
        # expected_scores.json and duedate.txt describe the fixture: they are not course files
        ignore = shutil.ignore_patterns("expected_scores.json", "duedate.txt")
        shutil.copytree(FIXTURES / name, root, ignore=ignore, dirs_exist_ok=True)

    duedate = FIXTURES / name / "duedate.txt"
    return Case(name, lay_out, duedate.read_text().strip() if duedate.exists() else "")


def copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)


def docs_ps1(root: Path) -> None:
    """nbgrader's documentation course as its tutorial grades it: two notebooks, two students, late ones."""
    (root / "nbgrader_config.py").write_text(CONFIG)
    shutil.copytree(DOCS / "source" / "ps1", root / "source" / "ps1")
    for student in ("bitdiddle", "hacker"):
        shutil.copytree(DOCS / "submitted" / student / "ps1", root / "submitted" / student / "ps1")


def docs_ps1_autotest(root: Path) -> None:
    (root / "nbgrader_config.py").write_text(CONFIG)
    copy(DOCS / "autotests.yml", root / "autotests.yml")
    shutil.copytree(DOCS / "source" / "ps1_autotest", root / "source" / "ps1_autotest")


def instructor_and_blank(assignment: str) -> Callable[[Path], None]:
    """Two students: `instructor` hands in the source notebooks, `blank` the untouched release."""

    def make(root: Path) -> None:
        shutil.copytree(root / "source" / assignment, root / "submitted" / "instructor" / assignment)
        shutil.copytree(root / "release" / assignment, root / "submitted" / "blank" / assignment)

    return make


def files_ps1(root: Path) -> None:
    """nbgrader's fixtures for plain test cells, changed cells, relative files and side effects; late
    submissions score zero (`test_late_submission_penalty_zero` of nbgrader's tests)."""
    (root / "nbgrader_config.py").write_text(CONFIG + LATE_IS_ZERO)
    source = root / "source" / "ps1"
    copy(FILES / "submitted-unchanged.ipynb", source / "p1.ipynb")
    copy(FILES / "open_relative_file.ipynb", source / "p2.ipynb")
    copy(FILES / "data.txt", source / "data.txt")
    copy(FILES / "side-effects.ipynb", source / "p3.ipynb")
    students = {
        "foo": ("submitted-unchanged", "2015-02-02 14:58:23.948203 America/Los_Angeles"),
        "bar": ("submitted-changed", "2015-02-02 15:58:23.948203 America/Los_Angeles"),
        "baz": ("submitted-grade-cell-changed", ""),
        "qux": ("submitted-locked-cell-changed", ""),
    }
    for student, (p1, timestamp) in students.items():
        folder = root / "submitted" / student / "ps1"
        copy(FILES / f"{p1}.ipynb", folder / "p1.ipynb")
        copy(FILES / "open_relative_file.ipynb", folder / "p2.ipynb")
        copy(FILES / "side-effects.ipynb", folder / "p3.ipynb")
        if timestamp:
            (folder / "timestamp.txt").write_text(timestamp)


def files_autotest(root: Path) -> None:
    """nbgrader's AUTOTEST fixtures, four notebooks of one assignment (as in nbgrader's own tests)."""
    (root / "nbgrader_config.py").write_text(CONFIG)
    copy(FILES / "autotests.yml", root / "autotests.yml")
    kinds = ["simple", "hashed", "multi", "hidden"]
    for i, kind in enumerate(kinds, 1):
        copy(FILES / f"autotest-{kind}.ipynb", root / "source" / "ps1" / f"p{i}.ipynb")
    students = {
        "foo": ["simple-unchanged", "hashed-unchanged", "multi-unchanged", "hidden-unchanged"],
        "bar": ["simple-changed", "hashed-changed", "multi-changed", "hidden-changed-right"],
        "baz": ["simple-unchanged", "hashed-changed", "multi-unchanged", "hidden-changed-wrong"],
    }
    for student, files in students.items():
        for i, name in enumerate(files, 1):
            copy(FILES / f"autotest-{name}.ipynb", root / "submitted" / student / "ps1" / f"p{i}.ipynb")


def with_active_content(case: Case) -> Case:
    """A fixture course with one more student, whose notebook carries every kind of active content
    (tests/inert_payloads.py): autograded/ then differs from nbgrader's on purpose (autograder.inert)."""

    def lay_out(root: Path) -> None:
        case.lay_out(root)
        hand_in(root, case.assignment, "functions", honest_student="alice")

    return replace(case, lay_out=lay_out)


CASES = {
    "pyobjects": fixture("pyobjects"),
    "pyobjects-active-content": with_active_content(fixture("pyobjects")),
    "io_checks": fixture("io_checks"),
    "autotests": fixture("autotests"),
    "docs-ps1": Case("ps1", docs_ps1, duedate="2015-02-02 17:00:00 UTC"),
    "docs-ps1_autotest": Case("ps1_autotest", docs_ps1_autotest, from_release=instructor_and_blank("ps1_autotest")),
    "files-ps1": Case("ps1", files_ps1, duedate="2015-02-02 14:58:23.948203 America/Los_Angeles"),
    "files-autotest": Case("ps1", files_autotest),
}


def prepare(case: Case, root: Path) -> None:
    """The course up to the students' submissions: laid out, in the gradebook, released."""
    root.mkdir(parents=True)
    case.lay_out(root)
    if case.duedate:
        run_nbgrader(["db", "assignment", "add", case.assignment, f"--duedate={case.duedate}"], root)
    run_nbgrader(["generate_assignment", case.assignment, "--force"], root)
    if case.from_release:
        case.from_release(root)


def grade_with_ours(root: Path, assignment: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", "grade", assignment, "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )


def graded(name: str, base: Path) -> Graded:
    case = CASES[name]
    theirs, ours = base / "nbgrader", base / "ours"
    prepare(case, theirs)
    shutil.copytree(theirs, ours)
    run_nbgrader(["autograde", case.assignment, "--force"], theirs)
    result = grade_with_ours(ours, case.assignment)
    return Graded(name, case.assignment, theirs, ours, result.stdout + result.stderr, result.returncode)
