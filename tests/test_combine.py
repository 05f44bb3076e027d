"""Combining the faithful run with the independent verdicts, before nbgrader's SaveAutoGrades."""

from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

from autograder.combine import Verdict, apply_verdicts, outcome


def graded_cell(grade_id: str, outputs: list) -> object:
    cell = new_code_cell("assert f(2) == 4", outputs=outputs)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id, "points": 2}
    return cell


def graded(verdict: Verdict, outputs: list | None = None):
    nb = new_notebook(cells=[graded_cell(verdict.grade_id, outputs or [])])
    apply_verdicts(nb, {verdict.grade_id: verdict})
    cell = nb.cells[0]
    return cell, determine_grade(cell)[0]


def test_a_cell_that_passed_here_but_failed_independently_loses_its_points_and_is_flagged():
    verdict = Verdict("t1", "failed", "f(2) returned 5")
    cell, score = graded(verdict)
    assert score == 0
    assert outcome(cell, score, verdict)[0] == "flagged"
    assert "f(2) returned 5" in outcome(cell, score, verdict)[1]


def test_an_error_named_as_ours_without_a_failed_verdict_is_not_believed():
    # the student's code can raise an exception of any name, with any text, in nbgrader's run
    forged = new_output("error", ename="IndependentVerificationError", evalue="SECRET", traceback=[])
    cell, score = graded(Verdict("t1", "passed", ""), [forged])
    assert outcome(cell, score, Verdict("t1", "passed", "")) == (
        "failed",
        "the test raised an exception in your notebook",
    )


def test_an_unverifiable_cell_keeps_nbgraders_verdict_and_says_so():
    cell, score = graded(Verdict("t1", "unverifiable", "mocks print"))
    assert score == 2
    assert outcome(cell, score, Verdict("t1", "unverifiable", "mocks print")) == (
        "passed",
        "not verified independently: mocks print",
    )


def test_a_cell_that_failed_here_keeps_its_error_and_gets_the_verdicts_reason():
    error = new_output("error", ename="AssertionError", evalue="", traceback=[])
    verdict = Verdict("t1", "failed", "f(2) returned 5")
    cell, score = graded(verdict, [error])
    assert score == 0
    assert [o.ename for o in cell.outputs] == ["AssertionError"]
    assert outcome(cell, score, verdict) == ("failed", "f(2) returned 5")


def test_a_passed_verdict_leaves_the_cell_alone():
    cell, score = graded(Verdict("t1", "passed", ""))
    assert (score, cell.outputs, outcome(cell, score, Verdict("t1", "passed", ""))) == (2, [], ("passed", ""))


def test_with_the_reference_setting_a_cell_failed_only_by_a_wrong_helper_gets_full_points():
    error = new_output("error", ename="AssertionError", evalue="", traceback=[])
    verdict = Verdict("t1", "passed", "passed with the instructor's relu in place of yours")
    for reference, points in ((True, 2), (False, 0)):
        nb = new_notebook(cells=[graded_cell("t1", [error])])
        apply_verdicts(nb, {"t1": verdict}, reference)
        cell = nb.cells[0]
        score = determine_grade(cell)[0]
        assert score == points
        if reference:
            assert outcome(cell, score, verdict) == ("passed", verdict.reason)


def test_a_passed_verdict_without_the_instructors_functions_does_not_overturn_a_failure():
    error = new_output("error", ename="AssertionError", evalue="", traceback=[])
    nb = new_notebook(cells=[graded_cell("t1", [error])])
    apply_verdicts(nb, {"t1": Verdict("t1", "passed", "")}, reference=True)
    assert determine_grade(nb.cells[0])[0] == 0
