"""autograder.verdict: the independent verdict on any nbgrader notebook, verifiability, and the
grader taking from the sandbox only what it asked for."""

import resource
import time

import nbformat
import pytest

from autograder import reference
from autograder.proxy import checked_lookup
from autograder.sandbox import Limits
from autograder.session import Session, StudentCodeError
from autograder.spec import read_spec
from autograder.verdict import Options, judge
from course import paths
from course.check import verifiability

OPTIONS = Options(timeout=10)


def cell(source, grade_id=None, *, solution=False, grade=False, points=1):
    new = nbformat.v4.new_code_cell(source)
    if grade_id:
        meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution}
        new.metadata["nbgrader"] = {**meta, "points": points, "schema_version": 3} if grade else meta
    return new


def answer(source, grade_id):
    return cell(source, grade_id, solution=True)


def graded_cell(source, grade_id):
    return cell(source, grade_id, grade=True)


def write_source(tmp_path, cells):
    folder = tmp_path / "source" / "lesson"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lesson.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def judged(tmp_path, source_cells, submitted_cells, options=OPTIONS):
    path = write_source(tmp_path, source_cells)
    verdicts = judge(path, nbformat.v4.new_notebook(cells=submitted_cells), [], 0, options)
    return {g: (v.status, v.reason) for g, v in verdicts.items()}


HIDDEN_IN_LOOP = """\
for x in [1, 2]:
    assert double(x) == 2 * x, f"double({x}) is {double(x)}"
    ### BEGIN HIDDEN TESTS
    assert double(x + 10) == 2 * (x + 10), "secret"
    ### END HIDDEN TESTS
assert scale == 3
"""


def generic(double_body="return 2 * x", scale="3"):
    """An instructor-style notebook: an unmarked import cell, a data cell, an answer, a test."""
    return [
        cell("import numpy as np"),
        cell(f"scale = {scale}"),
        answer(f"def double(x):\n    {double_body}", "double"),
        graded_cell(HIDDEN_IN_LOOP, "test_double"),
    ]


def test_a_correct_generic_notebook_passes(tmp_path):
    assert judged(tmp_path, generic(), generic()) == {"test_double": ("passed", "")}


def test_a_hidden_failure_inside_a_loop_shows_nothing_hidden(tmp_path):
    wrong = generic(double_body="return 2 * x if x < 5 else 0")
    assert judged(tmp_path, generic(), wrong) == {"test_double": ("failed", "a hidden test failed")}


def test_a_visible_failure_shows_its_message(tmp_path):
    status, reason = judged(tmp_path, generic(), generic(double_body="return x"))["test_double"]
    assert status == "failed" and "double(1) is 1" in reason


def test_plain_values_of_unmarked_cells_are_fetched(tmp_path):
    status, reason = judged(tmp_path, generic(), generic(scale="4"))["test_double"]
    assert status == "failed" and reason.startswith("AssertionError")


def test_the_students_exception_text_in_a_hidden_part_is_not_shown(tmp_path):
    leaky = generic(double_body="if x > 5:\n        raise ValueError('LEAK ' + str(x))\n    return 2 * x")
    status, reason = judged(tmp_path, generic(), leaky)["test_double"]
    assert status == "failed" and "LEAK" not in reason and "hidden" in reason


def test_a_broken_submission_gives_failed_verdicts_not_an_exception(tmp_path):
    broken = [cell("import numpy as np"), answer("def double(x) return", "double"), graded_cell("", "test_double")]
    status, reason = judged(tmp_path, generic(), broken)["test_double"]
    assert status == "failed" and "double" in reason


def test_a_missing_test_cell_fails(tmp_path):
    assert judged(tmp_path, generic(), generic()[:3])["test_double"][0] == "failed"


def test_a_generator_met_at_run_time_is_unverifiable(tmp_path):
    source = [answer("def numbers(n):\n    return list(range(n))", "numbers")]
    source += [
        cell("def pairs(n):\n    yield from range(n)"),
        graded_cell("assert list(pairs(2)) == [0, 1]", "test_pairs"),
    ]
    status, reason = judged(tmp_path, source, source)["test_pairs"]
    assert status == "unverifiable" and "generator" in reason


def test_a_callback_met_at_run_time_is_unverifiable(tmp_path):
    source = [answer("def apply(f, x):\n    return f(x)", "apply")]
    source += [graded_cell("import math\nassert apply(math.sqrt, 4) == 2", "test_apply")]
    status, reason = judged(tmp_path, source, source)["test_apply"]
    assert status == "unverifiable" and "into apply" in reason


def test_an_ndarray_subclass_where_the_reference_returns_an_array_fails(tmp_path):
    source = [cell("import numpy as np"), answer("def zeros(n):\n    return np.zeros(n)", "zeros")]
    source += [graded_cell("assert (zeros(2) == 0).all()", "test_zeros")]
    liar = "class Liar(np.ndarray):\n    pass\n\ndef zeros(n):\n    return np.ones(n).view(Liar)"
    status, _ = judged(tmp_path, source, [*source[:1], answer(liar, "zeros"), source[2]])["test_zeros"]
    assert status == "failed"


@pytest.mark.parametrize(
    ("code", "construct"),
    [
        ("from unittest.mock import patch\nwith patch('builtins.print'):\n    f(1)", "mocks"),
        ("import io, contextlib\nwith contextlib.redirect_stdout(io.StringIO()):\n    f(1)", "captures printed output"),
        ("del g\nassert f(1) == 2", "deletes g"),
        ("%timeit f(1)", "IPython magic"),
        ("assert f.__doc__", "inspects the student's f"),
        ("assert hasattr(g, 'x')", "inspects the student's g"),
        ("assert f(lambda v: v) == 2", "passes a function into f"),
        ("def h(v):\n    return v\nassert f(h) == 2", "passes a function into f"),
        ("obj = Thing()\nassert obj.n == 1", "uses the student's class Thing"),
        ("assert list(gen(2)) == [0, 1]", "uses the generator function gen"),
        ("rate = 2\nassert f(1) == 2", "sets rate, which the student's code reads as module state"),
        ("import numpy as np\nassert f(np.load('x.npy')) == 2", "reads or writes files"),
        ("import random\nrandom.seed(0)\nassert f(1) == 2", "Python's random module"),
        ("### AUTOTEST f(1)", "AUTOTEST"),
        ("import matplotlib.pyplot as plt\nf(1)\nassert plt.gcf().axes", "matplotlib"),
    ],
)
def test_each_construct_makes_a_test_cell_unverifiable(tmp_path, code, construct):
    answers = answer("rate = 1\n\ndef f(x):\n    return 2 * x * rate\n\ndef g(x):\n    return f(x)", "f")
    more = answer("class Thing:\n    n = 1\n\ndef gen(n):\n    yield from range(n)", "more")
    path = write_source(tmp_path, [answers, more, graded_cell(code, "test_f")])
    [(grade_id, reasons)] = verifiability(path)
    assert grade_id == "test_f" and any(construct in r for r in reasons), reasons


def test_a_plain_test_cell_is_verifiable(tmp_path):
    path = write_source(
        tmp_path, [answer("def f(x):\n    return 2 * x", "f"), graded_cell("assert f(1) == 2", "test_f")]
    )
    assert verifiability(path) == [("test_f", ())]


@pytest.mark.parametrize("assignment", paths.assignments())
def test_every_test_cell_of_the_course_is_verifiable(assignment):
    assert [(g, r) for g, r in verifiability(paths.source_notebook(assignment)) if r] == []


@pytest.mark.parametrize(
    "reply",
    [
        {"names": {"f": {"kind": "callable"}, "check_array": {"kind": "callable"}}},
        {"names": {}},
        {"names": {"f": {"kind": "module"}}},
        {"names": {"f": {"kind": "callable", "value": {"t": "none"}}}},
        {"names": {"f": {"kind": "value"}}},
        {"names": ["f"]},
    ],
)
def test_the_grader_accepts_only_answers_to_the_names_it_asked(reply):
    with pytest.raises(StudentCodeError):
        checked_lookup(reply, ["f"])


def test_only_the_functions_the_tested_reference_uses_are_served():
    spec = read_spec(paths.source_notebook("fc_net").parent, "fc_net")
    direct, called = reference.helpers(spec, "sigmoid_relu", ("relu", "linear_activation_forward"))
    assert (sorted(direct), called) == (["linear_activation_forward"], {})
    direct, called = reference.helpers(spec, "L_model_forward", ("L_model_forward",))
    assert (direct, sorted(called)) == ({}, ["linear_activation_forward"])


def test_the_reference_runs_what_the_answers_use_and_not_the_notebooks_demonstrations(tmp_path):
    source = [
        cell("import numpy as np\nimport time"),
        cell("SCALE = 3"),
        answer("def triple(x):\n    return SCALE * np.asarray(x)", "triple"),
        cell("started = time.perf_counter()\nDEMONSTRATED = triple([1, 2])"),  # binds nothing an answer reads
        graded_cell("assert triple(1) == 3", "test_triple"),
    ]
    path = write_source(tmp_path, source)
    names = reference.namespace(read_spec(path.parent, "lesson"))
    assert names["triple"](2) == 6
    assert "DEMONSTRATED" not in names


def test_with_the_setting_a_wrong_helper_does_not_cost_its_callers(tmp_path):
    source = [
        answer("def inner(x):\n    return x + 1", "inner"),
        graded_cell("assert inner(1) == 2", "test_inner"),
        answer("def outer(x):\n    return 2 * inner(x)", "outer"),
        graded_cell("assert outer(1) == 4", "test_outer"),
    ]
    wrong = [answer("def inner(x):\n    return x", "inner"), *source[1:]]
    off = judged(tmp_path / "off", source, wrong)
    on = judged(tmp_path / "on", source, wrong, Options(timeout=10, reference_for_other_functions=True))
    assert [off["test_inner"][0], off["test_outer"][0]] == ["failed", "failed"]
    assert [on["test_inner"][0], on["test_outer"]] == [
        "failed",
        ("passed", "passed with the instructor's inner in place of yours"),
    ]


def test_magics_in_the_students_cells_do_not_cost_points(tmp_path):
    with_magics = generic(double_body="return 2 * x")
    with_magics[0] = cell("%matplotlib inline\nimport numpy as np\n!echo hello")
    with_magics[2] = answer("%%time\ndisplay('hello')\ndef double(x):\n    return 2 * x", "double")
    assert judged(tmp_path, generic(), with_magics) == {"test_double": ("passed", "")}
    assert judged(tmp_path / "magics", with_magics, with_magics) == {"test_double": ("passed", "")}


def test_a_test_that_hangs_in_the_grader_fails_in_bounded_time(tmp_path):
    source = [answer("def f(n):\n    return n", "f"), graded_cell("x = f(1)\nwhile x:\n    pass", "test_f")]
    status, reason = judged(tmp_path, source, source, Options(timeout=1))["test_f"]
    assert (status, reason) == ("failed", "the test did not finish within 6 s")


def test_a_test_that_runs_out_of_memory_on_student_data_fails_and_the_grader_goes_on(tmp_path):
    # 16 GiB that the machine would map (and never touch) without the grader's limit
    source = [
        answer("def size():\n    return 2 ** 31", "size"),
        graded_cell("import numpy as np\nassert np.empty(size()).size", "test_size"),
        graded_cell("assert size() > 0", "test_positive"),
    ]
    before = resource.getrlimit(resource.RLIMIT_AS)
    verdicts = judged(tmp_path, source, source)
    assert verdicts["test_size"][0] == "failed"
    assert verdicts["test_size"][1].startswith("MemoryError: Unable to allocate 16.0 GiB")
    assert verdicts["test_positive"] == ("passed", "")
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def test_no_sequence_of_hanging_cells_outlasts_the_budget():
    session = Session([], 0, Limits(), timeout=1, budget=2.5)
    started = time.monotonic()
    try:
        problems = [session.run_cell(f"cell {i}", "while True:\n    pass") for i in range(6)]
    finally:
        session.close()
    assert time.monotonic() - started < 5
    assert "time budget is spent" in problems[-1]


def test_a_call_back_for_a_name_not_served_is_refused():
    session = Session([], 0, Limits(), timeout=1, budget=5)
    session.served = {"inner": abs}
    reply = session.call_back({"callback": "open", "args": [], "kwargs": {}})
    assert reply == {"ok": False, "error": "'open' is not served"}
    session.close()


def test_a_notebook_the_grader_cannot_walk_fails_its_verifiable_cells(tmp_path):
    path = write_source(tmp_path, generic())
    verdicts = judge(path, {"cells": {"not": "a list"}}, [], 0, OPTIONS)
    assert [(v.status, v.reason) for v in verdicts.values()] == [
        ("failed", "the grader could not judge this notebook (AttributeError)")
    ]
