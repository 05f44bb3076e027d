"""Issue 21, cause 4 (channels out): nothing computed by a hidden test or by the instructor's reference
reaches the student, in any mode, across resubmissions. Each test is one channel: our feedback page
(what nbgrader's run left in the notebook), the independent verdict's messages, results.json after
a re-judge with the instructor's reference, and the feedback `nbgrader generate_feedback` makes."""

import html
import json
import subprocess
import sys

import nbformat
import pytest
from test_verdict import answer, cell, graded_cell, judged

from autograder.batch import grade_class
from autograder.course_dir import Course
from autograder.grade import Options
from course import paths, sample_class
from course.nbgrader_cli import run_nbgrader

ASSIGNMENT = "fc_net"
PRINTED = "PRINTED-WHILE-A-TEST-RAN"  # the answers print it in two parts: their source does not hold it

# In nbgrader's run (an IPython shell: `In` exists), the hidden tests run in the student's process,
# and IPython keeps the source of every cell it ran, hidden tests included. These answers hand that
# source back in an error's name and value, each as nbgrader's run and our combining step show
# errors: a plain one, and one that pretends to be our own IndependentVerificationError. In the
# independent verdict's run (no `In`) they behave, so that only nbgrader's outputs carry the source.
SEEN_SOURCE = """
import linecache as _linecache


def _seen():
    return "\\n".join(line for name in list(_linecache.cache) for line in _linecache.getlines(name))
"""
RAISES_THE_SOURCE = """
_own_update = update_parameters


def update_parameters(parameters, grads, learning_rate):
    print("PRINTED-WHILE" + "-A-TEST-RAN")
    if "In" in globals():
        raise type(_seen(), (Exception,), {{}})(_seen())
    return _own_update(parameters, grads, learning_rate)
"""
FORGES_OUR_ERROR = """
_own_backward = L_model_backward


def L_model_backward(AL, Y, caches):
    if "In" in globals():
        raise type("IndependentVerificationError", (Exception,), {{}})(_seen())
    return _own_backward(AL, Y, caches)
"""

# Gradescope's attack: linear_activation_forward records every input its tests give it, hidden ones
# included; L_model_forward fails with the student's own helper, so the cell is judged again with
# the instructor's linear_activation_forward served to it; it then asks the reference for its
# answers on the recorded inputs, and hands them back in its error; compute_cost, tested next, hands
# them back too, in its error or as its result (which the test's message prints).
RECORDS_INPUTS = """
_inputs = []
_own_layer = linear_activation_forward


def linear_activation_forward(A_prev, W, b, activation):
    _inputs.append((A_prev.copy(), W.copy(), b.copy(), activation))
    return _own_layer(A_prev, W, b, activation)


_recording = linear_activation_forward
"""
ASKS_THE_REFERENCE = """
_answers = []


def L_model_forward(X, parameters):
    if linear_activation_forward is _recording:
        raise ValueError("fail with my own helper, to be judged again with the instructor's")
    for inputs in _inputs:
        try:
            _answers.append(linear_activation_forward(*inputs)[0])
        except RuntimeError:  # the inputs a test gives to see it raise
            pass
    raise ValueError("LEAKED " + repr(_answers))
"""
HANDS_THEM_BACK = """
def compute_cost(AL, Y):
    {hand_back}
"""
IN_AN_ERROR = 'raise ValueError("LEAKED " + repr(_answers))'
AS_A_RESULT = "return float(4242.4242 + 0 * _answers[0].sum())"
PRINTS = """
_own_sigmoid = sigmoid


def sigmoid(Z):
    print("PRINTED-WHILE" + "-A-TEST-RAN")
    return _own_sigmoid(Z)
"""


def hidden_lines(assignment: str) -> set[str]:
    """Every hidden-test line of the source that the release does not show (ignoring `)` and the like)."""
    source = nbformat.read(paths.source_notebook(assignment), as_version=4)
    release = nbformat.read(paths.release_notebook(assignment), as_version=4)
    shown = {line.strip() for c in release.cells for line in c.source.splitlines()}
    lines, hidden = set(), False
    for c in source.cells:
        for line in c.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                hidden = "BEGIN HIDDEN TESTS" in line
            elif hidden and len(line.strip()) >= 8 and line.strip() not in shown:
                lines.add(line.strip())
    assert len(lines) > 50
    return lines


def leaked(text: str, lines: set[str]) -> list[str]:
    text = html.unescape(text)
    return sorted(line for line in lines if line in text)


def source_answer(grade_id: str) -> str:
    source = nbformat.read(paths.source_notebook(ASSIGNMENT), as_version=4)
    return next(c.source for c in source.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def with_answers(extra: dict[str, str]):
    """The correct submission, with code added after the answers named."""
    return sample_class.solutions_filled_in(ASSIGNMENT, {g: source_answer(g) + code for g, code in extra.items()})


def test_our_feedback_page_shows_no_hidden_test_line_whatever_nbgraders_run_left(tmp_path):
    root = tmp_path / "course"
    sample_class.create(root, [ASSIGNMENT], ())
    hostile = with_answers(
        {
            "sigmoid_relu": SEEN_SOURCE,
            "update_parameters": RAISES_THE_SOURCE.format(),
            "L_model_backward": FORGES_OUR_ERROR.format(),
        }
    )
    folder = root / "submitted" / "hostile" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(hostile, folder / f"{ASSIGNMENT}.ipynb")
    course = Course(root)
    [result] = grade_class(course, ASSIGNMENT, options=Options(timeout=10), workers=1, progress=False)
    scores = {c.grade_id: c.score for c in result.cells}
    assert scores["test_update_parameters"] == scores["test_L_model_backward"] == 0, "nbgrader's run failed them"
    page = course.feedback_file("hostile", ASSIGNMENT).read_text()
    assert not leaked(page, hidden_lines(ASSIGNMENT)), leaked(page, hidden_lines(ASSIGNMENT))[:3]
    assert PRINTED not in page
    assert not any("failed independent verification" in flag for flag in result.flags), "a forged error is not ours"


def run_gradescope(submission, results):
    command = [sys.executable, "-m", "autograder", "gradescope", ASSIGNMENT, "--root", str(paths.ROOT)]
    command += ["--submission", str(submission), "--results", str(results), "--timeout", "10"]
    subprocess.run(command, check=True, capture_output=True, cwd=paths.ROOT)
    return json.loads(results.read_text())


@pytest.mark.parametrize(("hand_back", "mark"), [(IN_AN_ERROR, "LEAKED"), (AS_A_RESULT, "4242.4242")])
def test_the_references_answers_do_not_reach_results_json(tmp_path, hand_back, mark):
    submission = tmp_path / "submission"
    submission.mkdir()
    hostile = sample_class.solutions_filled_in(
        ASSIGNMENT,
        {
            "linear_activation_forward": source_answer("linear_activation_forward") + RECORDS_INPUTS,
            "L_model_forward": ASKS_THE_REFERENCE,
            "compute_cost": HANDS_THEM_BACK.format(hand_back=hand_back),
        },
    )
    nbformat.write(hostile, submission / f"{ASSIGNMENT}.ipynb")
    results = run_gradescope(submission, tmp_path / "results.json")
    shown = json.dumps({"output": results["output"], "tests": results["tests"]})
    tests = {t["name"]: t for t in results["tests"]}
    assert tests["test_L_model_forward"]["score"] == tests["test_compute_cost"]["score"] == 0
    assert mark not in tests["test_compute_cost"]["output"], "a later test, after the reference answered"
    assert "LEAKED" not in tests["test_L_model_forward"]["output"], "the re-judge with the reference"
    assert "LEAKED" not in shown and mark not in shown, shown[:3000]
    said = tests["test_L_model_forward"]["output"]
    assert "fail with my own helper" in said, "what failed before the reference answered is said"
    assert " of the test:\n" in tests["test_compute_cost"]["output"], "the student still learns which line failed"


CHECKS_IN_A_HELPER = """\
def check(x):
    assert double(x) == 2 * x, f"double({x}) is {double(x)}"


check(1)
### BEGIN HIDDEN TESTS
check(13)
### END HIDDEN TESTS
"""


def test_a_visible_helper_called_from_a_hidden_line_shows_nothing(tmp_path):
    source = [cell("import numpy as np"), answer("def double(x):\n    return 2 * x", "double")]
    source.append(graded_cell(CHECKS_IN_A_HELPER, "test_double"))
    wrong = [source[0], answer("def double(x):\n    return 2 * x if x < 10 else -1", "double"), source[2]]
    assert judged(tmp_path, source, wrong) == {"test_double": ("failed", "a hidden test failed")}


def test_nbgraders_feedback_shows_no_hidden_test_line_and_no_output(tmp_path):
    """nbgrader's generate_feedback after our grading, with this course's configuration (by default,
    nbgrader shows the hidden tests, and every output the student's code left)."""
    root = tmp_path / "course"
    sample_class.create(root, [ASSIGNMENT], ("blank",))
    printer = with_answers({"sigmoid_relu": PRINTS})
    folder = root / "submitted" / "printer" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(printer, folder / f"{ASSIGNMENT}.ipynb")
    grade_class(Course(root), ASSIGNMENT, options=Options(timeout=10), workers=1, progress=False)
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--force"], root)
    lines = hidden_lines(ASSIGNMENT)
    for student in ("blank", "printer"):
        page = (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        assert "test_sigmoid" in page, "the feedback is still nbgrader's, cell by cell"
        assert not leaked(page, lines), (student, leaked(page, lines)[:3])
        assert PRINTED not in page, student
