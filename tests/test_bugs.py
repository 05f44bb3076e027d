"""Each plausible bug of tests/bugs/ fails its function's visible test with a message naming the likely
cause, and at grading costs that test cell's points and no other cell's (see tests/bugs/__init__.py)."""

import nbformat
import pytest
from bugs import Bug, bugs_of

from autograder.batch import grade_class
from autograder.course_dir import Course
from course import paths, sample_class
from course.build import copy_course, generate

ASSIGNMENTS = paths.assignments()
CASES = [(a, bug) for a in ASSIGNMENTS for bug in bugs_of(a)]


def student_id(bug: Bug) -> str:
    return f"bug-{bug.answer}-{bug.name}"


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory):
    """Every bug's submission of one assignment (the parameter) graded by the autograder: {student: Result}."""
    assignment = request.param
    root = tmp_path_factory.mktemp(f"bugs-{assignment}")
    copy_course([assignment], root)
    generate(assignment, root, gradebook=True)
    for bug in bugs_of(assignment):
        folder = root / "submitted" / student_id(bug) / assignment
        folder.mkdir(parents=True)
        notebook = sample_class.solutions_filled_in(assignment, {bug.answer: bug.code})
        nbformat.write(notebook, folder / f"{assignment}.ipynb")
    return {result.student: result for result in grade_class(Course(root), assignment, progress=False)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_has_five_bugs(assignment):
    nb = nbformat.read(paths.source_notebook(assignment), as_version=4)
    roles = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    tests = [r["grade_id"] for r in roles if r.get("grade")]
    answers = {r["grade_id"] for r in roles if r.get("solution")}
    for bug in bugs_of(assignment):
        assert bug.answer in answers, f"{bug.name}: {bug.answer} is not an answer cell of {assignment}"
        assert bug.test in tests, f"{bug.name}: {bug.test} is not a test cell of {assignment}"
    counts = {test: sum(bug.test == test for bug in bugs_of(assignment)) for test in tests}
    assert all(n >= 5 for n in counts.values()), f"fewer than five bugs for {[t for t, n in counts.items() if n < 5]}"
    names = [bug.name for bug in bugs_of(assignment)]
    assert len(names) == len(set(names)), "bug names must be unique within an assignment"


# scope: one grading per assignment for all its bugs' tests (pytest would take each bug for a new one)
@pytest.mark.parametrize(
    ("graded", "bug"), CASES, ids=[f"{a}-{b.name}" for a, b in CASES], indirect=["graded"], scope="module"
)
def test_the_visible_test_catches_the_bug(graded, bug):
    cells = {c.grade_id: c for c in graded[student_id(bug)].cells}
    caught = cells[bug.test]
    assert caught.score == 0, f"{bug.test} gave {caught.score} points to the bug {bug.name}"
    assert caught.feedback != "a hidden test failed", f"only a hidden test catches {bug.name}"
    assert bug.message in caught.feedback, f"{bug.test}'s message does not name the cause: {caught.feedback!r}"


@pytest.mark.parametrize(
    ("graded", "bug"), CASES, ids=[f"{a}-{b.name}" for a, b in CASES], indirect=["graded"], scope="module"
)
def test_one_bug_costs_its_points_once(graded, bug):
    lost = [c.grade_id for c in graded[student_id(bug)].cells if c.score < c.points]
    assert lost == [bug.test], f"{bug.name} cost the points of {lost}"
