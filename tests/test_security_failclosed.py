"""Issue 21, causes 1, 2 and 8b: a verdict that cannot be computed fails its cell (never leaves
nbgrader's, which student code can fool), whether a cell is verifiable is decided from the
instructor's source, an independent failure scores zero whatever outputs the notebook's run left,
and a test that reads a variable after calling the function that changes it sees the change."""

import json

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade
from test_verdict import answer, cell, graded_cell, judged

from autograder import combine, gradescope, sandbox
from autograder.batch import grade_class
from autograder.course_dir import Course
from autograder.grade import Options as GradeOptions
from autograder.spec import read_spec
from autograder.submission import code_flags
from autograder.verdict import Verdict
from course import paths, sample_class
from course.check import nbgrader_meta, verifiability

ASSIGNMENT = "fc_net"


def lesson(double_body="return 2 * x"):
    return [
        cell("import numpy as np"),
        answer(f"def double(x):\n    {double_body}", "double"),
        graded_cell("assert double(2) == 4", "test_double"),
        answer("def half(x):\n    return x / 2", "half"),
        graded_cell("assert half(4) == 2", "test_half"),
    ]


BLANK = "raise NotImplementedError()"

# in nbgrader's run (IPython: `In` is defined) the checks are fooled; in the verdict's run, the graded
# names are objects, which today makes every cell "not verified independently" (nbgrader's verdict stands)
OBJECTS_IN_THE_VERDICT = """\
%matplotlib inline
if "In" in globals():
    import numpy
    numpy.testing.assert_allclose = lambda *args, **kwargs: None
    get_ipython().input_transformers_post.append(lambda lines: ["pass\\n"])
else:
    class Thing:
        pass
    {names} = Thing()
"""


def deep_time_cell(levels: int = 3000) -> str:
    source = "pass"
    for _ in range(levels):
        source = "%%time\n" + source
    return source


# --- cause 1: what stops a verdict fails a verifiable cell ------------------------------------------


def test_a_graded_name_bound_to_an_object_only_in_the_verdicts_run_fails_the_cell(tmp_path):
    hostile = OBJECTS_IN_THE_VERDICT.format(names="double = half")
    blank = lesson(BLANK)
    submitted = [blank[0], blank[1], cell(hostile), blank[2], blank[3], cell(hostile), blank[4]]
    verdicts = judged(tmp_path, lesson(), submitted)
    assert {g: status for g, (status, _) in verdicts.items()} == {"test_double": "failed", "test_half": "failed"}
    assert "an object that is not plain data" in verdicts["test_double"][1]


def test_a_cell_too_deeply_nested_to_read_fails_only_what_it_breaks(tmp_path):
    blank = lesson(BLANK)
    submitted = [blank[0], blank[1], cell(deep_time_cell()), *lesson()[2:]]
    verdicts = judged(tmp_path, lesson(), submitted)
    assert verdicts["test_double"][0] == "failed"  # blank: judged, not left to nbgrader
    assert verdicts["test_half"] == ("passed", "")  # the cells after it are judged as usual


def test_a_reply_of_the_wrong_form_fails_the_cell_and_the_next_cells_are_judged(tmp_path, monkeypatch):
    request = sandbox.Sandbox.request

    def forged(self, message, timeout):
        if message.get("op") == "lookup" and message.get("names") == ["double"]:
            return ["not", "a", "reply"]
        return request(self, message, timeout)

    monkeypatch.setattr(sandbox.Sandbox, "request", forged)
    verdicts = judged(tmp_path, lesson(), lesson())
    assert verdicts["test_double"][0] == "failed" and "its reply could not be used" in verdicts["test_double"][1]
    assert verdicts["test_half"] == ("passed", "")


def test_an_exception_in_the_grader_fails_that_cell_only(tmp_path, monkeypatch):
    from autograder import proxy

    bind = proxy.bind

    def failing_once(namespace, names, *rest):
        if names == ["double"]:
            raise RecursionError("the grader's own failure")
        return bind(namespace, names, *rest)

    monkeypatch.setattr(proxy, "bind", failing_once)
    verdicts = judged(tmp_path, lesson(), lesson())
    assert verdicts == {
        "test_double": ("failed", "the grader could not judge this test (RecursionError)"),
        "test_half": ("passed", ""),
    }


def test_a_cell_is_unverifiable_only_if_the_instructors_reference_meets_the_same(tmp_path):
    box = cell("class Box:\n    def __init__(self, n):\n        self.n = n")
    test = graded_cell("assert make(2).n == 2", "test_make")
    objects = [box, answer("def make(n):\n    return Box(n)", "make"), test]
    # the reference returns an object: unverifiable, whatever the student's returns, and `course check` says so
    assert judged(tmp_path / "objects", objects, objects)["test_make"][0] == "unverifiable"
    path = tmp_path / "objects" / "source" / "lesson" / "lesson.ipynb"
    assert [" ".join(reasons) for _, reasons in verifiability(path)] == [
        "make returns an object that is not plain data"
    ]
    # the reference returns plain data: an object from the student's is a failure, not a way out
    data = [cell("import numpy as np"), answer("def make(n):\n    return np.array([n])", "make")]
    data.append(graded_cell("assert make(2)[0] == 2", "test_make"))
    student = [box, answer("def make(n):\n    return Box(n)", "make"), data[2]]
    assert judged(tmp_path / "data", data, student)["test_make"][0] == "failed"


def test_magics_no_longer_hide_a_cell_from_the_flags():
    spec = read_spec(paths.source_notebook(ASSIGNMENT).parent, ASSIGNMENT)
    flags = code_flags("%matplotlib inline\nimport ctypes\n!curl example.org", spec, frozenset())
    assert flags == ["uses the IPython command !", "imports ctypes"]


def test_code_too_deep_for_the_parser_is_a_flag_not_a_crash():
    spec = read_spec(paths.source_notebook(ASSIGNMENT).parent, ASSIGNMENT)
    deep = "x = " + "+".join(["1"] * 200_000)
    assert code_flags(deep, spec, frozenset()) == ["has a cell too deeply nested for the grader to read"]


def test_gradescope_writes_results_whatever_the_grader_fails_at(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RecursionError("deep")

    monkeypatch.setattr(gradescope, "grade_submission", broken)
    results = tmp_path / "results" / "results.json"
    result = gradescope.grade(paths.ROOT, ASSIGNMENT, tmp_path, results, 5)
    written = json.loads(results.read_text())
    assert result.status == "error" and written["score"] == 0
    assert written["output"] == "error: the grader failed on this submission (RecursionError)"
    assert len(written["tests"]) == 13 and {t["status"] for t in written["tests"]} == {"failed"}


def test_gradescope_grades_a_submission_with_code_too_deep_for_the_parser(tmp_path):
    from tests.test_gradescope import run_gradescope

    nb = sample_class.solutions_filled_in(ASSIGNMENT, {})
    nb.cells.append(nbformat.v4.new_code_cell("x = " + "+".join(["1"] * 200_000)))
    (tmp_path / "submission").mkdir()
    nbformat.write(nb, tmp_path / "submission" / f"{ASSIGNMENT}.ipynb")
    results = run_gradescope(ASSIGNMENT, tmp_path / "submission", tmp_path / "results.json")
    assert results["score"] == 100
    assert "has a cell too deeply nested for the grader to read" in results["extra_data"]["flags"]


# --- cause 2: an independent failure scores zero whatever outputs the run left ----------------------


def test_an_execute_result_before_the_error_does_not_win_over_an_independent_failure():
    nb = nbformat.v4.new_notebook(cells=[graded_cell("assert double(2) == 4", "test_double")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output("execute_result", {"text/plain": "'full marks'"}, execution_count=1),
        nbformat.v4.new_output("error", ename="ValueError", evalue="no", traceback=[]),
    ]
    nb.cells[0].execution_count = 1
    combine.apply_verdicts(nb, {"test_double": Verdict("test_double", "failed", "ValueError: no")})
    assert determine_grade(nb.cells[0], None)[0] == 0
    assert [o.output_type for o in nb.cells[0].outputs] == ["error"]


def test_a_cell_that_passed_in_the_notebook_has_its_outputs_replaced():
    nb = nbformat.v4.new_notebook(cells=[graded_cell("assert double(2) == 4", "test_double")])
    nb.cells[0].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1.0"}, execution_count=1)]
    combine.apply_verdicts(nb, {"test_double": Verdict("test_double", "failed", "AssertionError")})
    assert determine_grade(nb.cells[0], None)[0] == 0
    assert [o.ename for o in nb.cells[0].outputs] == [combine.FAILED_INDEPENDENTLY]


# --- 8b: a variable read after the call that changes it ---------------------------------------------


def counting(bump_body="global counter\n    counter += 1"):
    return [
        answer(f"counter = 0\n\ndef bump():\n    {bump_body}", "bump"),
        graded_cell("bump()\nbump()\nassert counter == 2", "test_bump"),
    ]


def test_a_variable_read_after_the_call_that_changed_it_is_seen_changed(tmp_path):
    assert judged(tmp_path, counting(), counting()) == {"test_bump": ("passed", "")}


def test_a_variable_the_call_turns_into_an_object_fails(tmp_path):
    hostile = counting("global counter\n    counter = type('Thing', (), {})()")
    assert judged(tmp_path, counting(), hostile)["test_bump"][0] == "failed"


# --- the whole batch: nbgrader's converter, the gradebook, the report agree --------------------------


def with_cell_before_each_test(nb, source: str):
    cells = []
    for each in nb.cells:
        meta = nbgrader_meta(each)
        if meta.get("grade") and not meta.get("solution"):
            cells.append(nbformat.v4.new_code_cell(source))
        cells.append(each)
    nb.cells = cells
    return nb


DISPLAYS_THEN_RAISES = """\
def update_parameters(parameters, grads, learning_rate):
    import sys
    sys.displayhook("full marks")
    raise ValueError("not done")
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    course_root = tmp_path_factory.mktemp("failclosed") / "course"
    sample_class.create(course_root, [ASSIGNMENT], ("correct",))
    spec = read_spec(paths.source_notebook(ASSIGNMENT).parent, ASSIGNMENT)
    blank = sample_class.SUBMISSIONS["blank"]
    hostile = OBJECTS_IN_THE_VERDICT.format(names=" = ".join(spec.answer_names))
    notebooks = {
        "objects_in_the_verdict": with_cell_before_each_test(blank(ASSIGNMENT), hostile),
        "displays_then_raises": sample_class.solutions_filled_in(
            ASSIGNMENT, {"update_parameters": DISPLAYS_THEN_RAISES}
        ),
    }
    for student, nb in notebooks.items():
        folder = course_root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
    results = grade_class(Course(course_root), ASSIGNMENT, options=GradeOptions(timeout=5), workers=1, progress=False)
    return course_root, {r.student: r for r in results}


def gradebook_score(course_root, student: str) -> float:
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission(ASSIGNMENT, student).score


def test_honest_work_keeps_its_score(batch):
    course_root, results = batch
    assert results["correct"].score == 100 and gradebook_score(course_root, "correct") == 100


def test_objects_only_in_the_verdicts_run_score_zero_and_are_flagged(batch):
    course_root, results = batch
    result = results["objects_in_the_verdict"]
    assert result.score == 0 and gradebook_score(course_root, "objects_in_the_verdict") == 0
    assert any("failed independent verification" in flag for flag in result.flags)
    assert any("uses the IPython command" in flag or "get_ipython" in flag for flag in result.flags)


def test_a_display_before_the_error_scores_zero_in_the_gradebook_too(batch):
    course_root, results = batch
    cells = {c.grade_id: c for c in results["displays_then_raises"].cells}
    assert (cells["test_update_parameters"].outcome, cells["test_update_parameters"].score) == ("failed", 0)
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("test_update_parameters", ASSIGNMENT, ASSIGNMENT, "displays_then_raises")
        assert grade.score == 0
    assert results["displays_then_raises"].score == gradebook_score(course_root, "displays_then_raises") == 95


def test_a_submission_whose_worker_failed_is_still_judged(tmp_path_factory, monkeypatch):
    from autograder import batch as batch_module

    def failing(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(batch_module, "execute_ahead", failing)
    course_root = tmp_path_factory.mktemp("no_worker") / "course"
    spec = read_spec(paths.source_notebook(ASSIGNMENT).parent, ASSIGNMENT)
    hostile = OBJECTS_IN_THE_VERDICT.format(names=" = ".join(spec.answer_names))
    sample_class.create(course_root, [ASSIGNMENT], ())
    folder = course_root / "submitted" / "cheater" / ASSIGNMENT
    folder.mkdir(parents=True)
    nb = with_cell_before_each_test(sample_class.SUBMISSIONS["blank"](ASSIGNMENT), hostile)
    nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
    (result,) = grade_class(Course(course_root), ASSIGNMENT, options=GradeOptions(timeout=5), workers=1, progress=False)
    assert result.score == 0 and gradebook_score(course_root, "cheater") == 0
    assert any("failed independent verification" in flag for flag in result.flags)
