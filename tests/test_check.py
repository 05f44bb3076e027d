"""course.check: each rule fails on a notebook that breaks it, and the real notebooks pass."""

import nbformat
import pytest

from course import paths
from course.check import check_notebook


def code_cell(source, grade_id=None, grade=False, solution=False, points=None):
    cell = nbformat.v4.new_code_cell(source)
    if grade_id:
        meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3}
        meta.update(solution=solution, task=False)
        if points is not None:
            meta["points"] = points
        cell.metadata["nbgrader"] = meta
    return cell


def graded_cell(source, points=2, grade_id="test_f"):
    return code_cell(source, grade_id, grade=True, points=points)


def good_answer():
    return code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION", "f", solution=True)


def good_test():
    return graded_cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(3) == 6\n### END HIDDEN TESTS")


def write(tmp_path, cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    return path


def messages(tmp_path, cells, run=False):
    return [str(p) for p in check_notebook(write(tmp_path, cells), run=run)]


def test_a_correct_notebook_has_no_problem(tmp_path):
    assert messages(tmp_path, [good_answer(), good_test()], run=True) == []


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (graded_cell("assert True\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS", points=0), "needs points > 0"),
        (graded_cell("assert f(1) == 2"), "has no hidden tests"),
        (graded_cell("### BEGIN HIDDEN TESTS\nassert f(3) == 6"), "line 1 is never closed"),
        (
            graded_cell("### END HIDDEN TESTS\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS"),
            "line 1 has no ### BEGIN HIDDEN TESTS",
        ),
        (
            graded_cell("### BEGIN HIDDEN TESTS\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS"),
            "line 2 is inside the one opened on line 1",
        ),
        (code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x", "g", solution=True), "never closed"),
        (code_cell("x = 1\n### BEGIN SOLUTION\n### END SOLUTION", "setup"), "not a solution cell"),
        (code_cell("### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS"), "not a test cell"),
        (graded_cell("### BEGIN HIDDEN TESTS\nx = f(3)\n### END HIDDEN TESTS\nx == 6"), "bare expression `x == 6`"),
        (graded_cell("### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\nassert (("), "does not parse"),
    ],
)
def test_each_rule_names_the_notebook_and_the_cell(tmp_path, cell, expected):
    found = messages(tmp_path, [good_answer(), cell])
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'lesson.ipynb'}: cell 1")
    assert expected in found[0]


def test_duplicate_grade_ids_are_reported(tmp_path):
    found = messages(tmp_path, [good_answer(), good_test(), good_test()])
    assert found == [f"{tmp_path / 'lesson.ipynb'}: grade id test_f: used by 2 cells; grade ids must be unique"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("import sys\nprint('careful', file=sys.stderr)", "writes to stderr"),
        ("import numpy as np\nnp.log(np.zeros(1))", "writes to stderr"),
        ("raise KeyError('oops')", "raises KeyError"),
    ],
)
def test_running_reports_cells_that_fail_or_write_to_stderr(tmp_path, answer, expected):
    found = messages(tmp_path, [code_cell(answer, "f", solution=True), good_test()], run=True)
    assert any(expected in message and "cell 0 (f)" in message for message in found), found


def test_running_reports_a_test_cell_that_shows_a_value(tmp_path):
    shows_value = graded_cell("### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\nabs(-1)")
    found = messages(tmp_path, [good_answer(), shows_value], run=True)
    assert found == [
        f"{tmp_path / 'lesson.ipynb'}: cell 1 (test_f): the test cell shows a value, which nbgrader would take as its score"
    ]


@pytest.mark.parametrize("content", ["", "{not json", "{}", "[]"])
def test_a_broken_file_is_reported_not_raised(tmp_path, content):
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    [problem] = check_notebook(path)
    assert str(problem).startswith(f"{path}: the whole file: is not a readable notebook")


@pytest.mark.parametrize("assignment", paths.assignments())
def test_the_source_notebooks_pass_every_check(assignment):
    assert [str(p) for p in check_notebook(paths.source_notebook(assignment))] == []
