"""The sandboxed executor against nbclient (a real IPython kernel), and the faithful path on
nbgrader's own documentation course: same outputs, same scores, nbgrader's tools work after us."""

import json
import shutil
from pathlib import Path

import nbgrader
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.api import Gradebook

from autograder.batch import grade_class
from autograder.course_dir import Course
from autograder.executor import apply, run_notebook
from autograder.sandbox import Limits
from course.nbgrader_cli import run_nbgrader

USER_GUIDE = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"
ON_TIMEOUT = {"ename": "CellTimeoutError", "evalue": "", "traceback": ["CellTimeoutError"]}

CELLS = [
    "x = 6 * 7\nprint('a')\nprint('b')\nx",
    "import sys\nprint('to stderr', file=sys.stderr)",
    "from IPython.display import display\ndisplay({'k': 1})\n0.5",
    "%time y = x + 1",
    "get_ipython().user_ns['y']",
    "import warnings\nwarnings.warn('careful')",
    "1 / 0",
    "def f():\n    raise ValueError('bad value')\nf()",
    "y = x\nprint(y); y",
]


def essentials(output) -> dict:
    """What nbgrader's grading reads of an output (tracebacks and timings differ in their details)."""
    kept = {"output_type": output["output_type"]}
    if output["output_type"] == "stream":
        kept["name"] = output["name"]
        kept["text"] = output["text"] if "time" not in output["text"] else "(timing)"
        kept["text"] = kept["text"].split(":")[-1] if "Warning" in kept["text"] else kept["text"]
    elif output["output_type"] == "error":
        kept.update(ename=output["ename"], evalue=output["evalue"])
    else:
        kept["data"] = dict(output["data"])
        kept["execution_count"] = output.get("execution_count")
    return kept


def ours(cells: list[str], timeout: float = 10.0):
    nb = new_notebook(cells=[new_code_cell(source) for source in cells])
    run = run_notebook(nb, [], 0, Limits(), timeout, ON_TIMEOUT)
    apply(nb, run)
    return nb


def test_outputs_are_the_ones_nbclient_records_from_a_kernel():
    nb = new_notebook(cells=[new_code_cell(source) for source in CELLS])
    NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3").execute()
    mine = ours(CELLS)
    for theirs, our in zip(nb.cells, mine.cells, strict=True):
        assert [essentials(o) for o in our.outputs] == [essentials(o) for o in theirs.outputs], our.source
        assert our.execution_count == theirs.execution_count


def test_a_failed_cells_traceback_is_kept_for_the_notebook_magic_as_in_a_kernel():
    read_back = (
        "import json\n"
        "errors = [o for c in json.load(open('session.ipynb'))['cells'] for o in c.get('outputs', [])]\n"
        "print(json.dumps([[o['ename'], o['evalue'], o['traceback']] for o in errors]))"
    )
    nb = ours(["1 / 0", "%notebook session.ipynb", read_back])
    shown = nb.cells[0].outputs[0]
    kept = [["ZeroDivisionError", "division by zero", shown["traceback"]]]
    assert json.loads(nb.cells[2].outputs[0]["text"]) == kept


def test_the_traceback_kept_for_a_failed_cell_is_the_one_ipython_formats():
    from IPython.core.interactiveshell import InteractiveShell

    from autograder.shell import CellShell, shell_config

    shell = CellShell(config=shell_config())
    failing = [
        "1 / 0",
        "def f():\n    raise ValueError('bad value')\nf()",
        "import numpy as np\nnp.testing.assert_allclose([1.0], [2.0])",
        "def g():\n    return g()\ng()",
        "x = (",
        "compile('x = (', 'made at run time', 'exec')",
    ]
    for source in failing:
        shell.run(source)
        kept = shell.history_manager.exceptions[shell.execution_count - 1]
        error = shell.last_execution_result.error_in_exec or shell.last_execution_result.error_before_exec
        assert kept == InteractiveShell._format_exception_for_storage(shell, error), source


def test_a_cell_that_runs_too_long_gets_nbgraders_timeout_error_and_the_rest_runs_on():
    nb = ours(["x = 41", "while True:\n    pass", "x + 1"], timeout=2.0)
    assert [o["ename"] for o in nb.cells[1].outputs] == ["CellTimeoutError"]
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "42"


def test_a_cell_that_ends_the_process_gets_an_error_and_earlier_cells_are_replayed():
    nb = ours(["x = 41", "import os\nos._exit(3)", "x + 1"])
    assert [o["ename"] for o in nb.cells[1].outputs] == ["DeadKernelError"]
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "42"


def test_output_is_bounded():
    nb = ours(["print('x' * 10_000_000)"])
    text = "".join(o["text"] for o in nb.cells[0].outputs)
    assert len(text) < 300_000
    assert "output truncated" in text


@pytest.fixture(scope="module")
def docs_course(tmp_path_factory):
    """nbgrader's documentation course (ps1: two notebooks, manual cells, timestamps), graded by us."""
    root = tmp_path_factory.mktemp("docs-course")
    for folder in ("source", "submitted"):
        shutil.copytree(USER_GUIDE / folder, root / folder)
    (root / "nbgrader_config.py").write_text("c = get_config()\n")
    run_nbgrader(["generate_assignment", "ps1"], root)
    results = {r.student: r for r in grade_class(Course(root), "ps1", progress=False)}
    return root, results


def test_the_docs_course_gets_nbgraders_scores(docs_course):
    _, results = docs_course
    # nbgrader's own grades.csv for this course (raw_score): bitdiddle 1.5, hacker 3.0
    assert {s: r.score for s, r in results.items()} == {"bitdiddle": 1.5, "hacker": 3.0}
    assert {r.status for r in results.values()} == {"graded"}


def test_the_gradebook_is_left_as_nbgrader_leaves_it(docs_course):
    root, results = docs_course
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student in results:
            for notebook in gradebook.find_submission("ps1", student).notebooks:
                assert (root / "autograded" / student / "ps1" / f"{notebook.name}.ipynb").exists()
                for grade in notebook.grades:
                    assert grade.needs_manual_grade == (grade.auto_score is None), grade.name
    pending = [c for c in results["hacker"].cells if c.outcome == "pending"]
    assert {c.grade_id for c in pending} >= {"problem2/part-a", "problem2/part-b"}


def test_nbgraders_feedback_and_export_work_after_us(docs_course):
    root, _ = docs_course
    run_nbgrader(["generate_feedback", "ps1"], root)
    assert (root / "feedback" / "hacker" / "ps1" / "problem1.html").exists()
    run_nbgrader(["export", "--to", str(root / "grades.csv")], root)
    assert "hacker" in (root / "grades.csv").read_text()


def test_late_penalties_are_nbgraders(tmp_path):
    """timestamp.txt, the gradebook's due date and the course's LateSubmissionPlugin decide the penalty."""
    for folder in ("source", "submitted"):
        shutil.copytree(USER_GUIDE / folder, tmp_path / folder)
    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    run_nbgrader(["generate_assignment", "ps1"], tmp_path)
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_assignment("ps1", duedate="2015-02-02 12:00:00 UTC")
    results = {r.student: r for r in grade_class(Course(tmp_path), "ps1", workers=1, progress=False)}
    # hacker submitted on 2015-02-01 (on time), bitdiddle on 2015-02-02 at 22:58 UTC (late: "zero")
    assert results["hacker"].score == 3.0
    assert results["bitdiddle"].score == 0.0
    assert [c.score for c in results["bitdiddle"].cells if c.grade_id == "late penalty"] == [-1.5]


def test_a_traceback_reads_the_same_with_highlighting_remembered(monkeypatch):
    import numpy as np
    import stack_data.core
    from IPython.core.ultratb import VerboseTB

    from autograder.shell import RememberedHighlighting

    try:
        np.testing.assert_allclose([1.0, 2.0], [1.0, 2.5])
    except AssertionError as error:
        caught = error
    formatter = VerboseTB(theme_name="linux")

    def text() -> list[str]:
        return formatter.structured_traceback(type(caught), caught, caught.__traceback__)

    highlight = stack_data.core._pygmented_with_ranges
    highlight = getattr(highlight, "highlight", highlight)  # the library's own, if a shell was made here
    monkeypatch.setattr(stack_data.core, "_pygmented_with_ranges", highlight)
    fresh = text()
    assert "\x1b[" in "".join(fresh), "the traceback is highlighted"
    remembered = RememberedHighlighting(highlight)
    monkeypatch.setattr(stack_data.core, "_pygmented_with_ranges", remembered)
    assert text() == fresh
    assert remembered.known
    assert text() == fresh
