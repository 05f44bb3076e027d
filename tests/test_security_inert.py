"""Nothing a student hands in runs on anyone's screen (issue 21, cause 5), without a browser: the
autograded notebook holds no active content (autograder.inert), honest notebooks are left as they
are, and what reaches a terminal or the CSV is escaped (autograder.report). The browser's side is
tests/test_formgrader_inert.py.
"""

import copy
import csv
import glob
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from inert_payloads import MARKDOWN, OUTPUTS, hand_in
from nbconvert.filters import markdown2html
from nbgrader.converters import Autograde
from nbgrader.preprocessors import SaveAutoGrades
from parity_courses import CASES, DOCS, FILES, FIXTURES, prepare

from autograder.faithful import chain
from autograder.grade import CellResult, Result
from autograder.inert import InertContent, active_in_html, active_in_markdown
from autograder.report import summary, table, write_csv

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = CASES["pyobjects"].assignment
# what a terminal obeys: set the window's title, clear the screen, reset, and the 8-bit CSI
ESCAPES = ("\x1b]0;owned\x07", "\x1bc", "\x9b2J")
HOSTILE_ID = "=2+3" + "".join(ESCAPES)


def inert(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    InertContent().preprocess(nb, {})
    return nb


def test_every_kind_of_active_markdown_is_found():
    assert {kind: bool(active_in_markdown(source)) for kind, source in MARKDOWN.items()} == dict.fromkeys(
        MARKDOWN, True
    )


def test_active_markdown_is_shown_as_the_text_the_student_wrote():
    nb = inert(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(s) for s in MARKDOWN.values()]))
    for cell, source in zip(nb.cells, MARKDOWN.values(), strict=True):
        assert cell.source.startswith("*The autograder shows this cell as text")
        assert source in cell.source  # in a code block, verbatim
        assert active_in_html(markdown2html(cell.source)) == ""


@pytest.mark.parametrize(
    "text",
    [
        "<a href='jav&#x09;ascript:alert(1)'>x</a>",  # the browser drops the tab
        "<!-- x --!> <img src=x onerror=alert(1)> -->",  # a browser ends the comment at --!>, Python does not
        "<p\x00 onclick=alert(1)>x</p>",
        "<b>ok</b><span",  # a tag left open at the end
        "<span style='background:url(//evil/x)'>x</span>",
    ],
)
def test_html_a_browser_may_read_otherwise_counts_as_active(text):
    assert active_in_html(text)


@pytest.mark.parametrize(
    "text",
    [
        "[x](other.SVG?a=1)",  # a file handed in beside the notebook, which the formgrader serves
        "![x](data:image/svg+xml;base64,AAAA)",
        "[x](JaVaScRiPt:alert(1))",
    ],
)
def test_links_that_could_run_something_count_as_active(text):
    assert active_in_markdown(text)


def test_active_outputs_are_removed_and_inert_ones_kept():
    png = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480 with 1 Axes>"}
    honest = [png, {"text/latex": "$x^2$", "text/plain": "x**2"}, {"text/html": "<b>bold</b> <em>text</em>"}]
    outputs = [nbformat.v4.new_output("display_data", data) for data in [*honest, *OUTPUTS.values()]]
    cell = nbformat.v4.new_code_cell("", outputs=outputs)
    nb = inert(hostile_notebook_of([cell]))
    kept = [output.data for output in nb.cells[0].outputs]
    assert kept[: len(honest)] == honest
    assert all(list(data) == ["text/plain"] and "active content" in data["text/plain"] for data in kept[len(honest) :])
    assert "widgets" not in nb.metadata


def hostile_notebook_of(cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


HONEST = sorted(
    {
        *glob.glob(str(ROOT / "source" / "*" / "*.ipynb")),
        *glob.glob(str(ROOT / "release" / "*" / "*.ipynb")),
        *glob.glob(str(FIXTURES / "*" / "*" / "*" / "*.ipynb")),
        *glob.glob(str(FIXTURES / "*" / "submitted" / "*" / "*" / "*.ipynb")),
        *glob.glob(str(DOCS / "source" / "*" / "*.ipynb")),
        *glob.glob(str(DOCS / "submitted" / "*" / "*" / "*.ipynb")),
        *glob.glob(str(FILES / "*.ipynb")),
    }
)


def test_honest_notebooks_are_left_as_they_are():
    """The course (figures as PNG outputs and released images, LaTeX, tables), the fixtures, and
    nbgrader's documentation course and autograde fixtures: InertContent changes nothing."""
    assert len(HONEST) > 60
    changed = []
    for path in HONEST:
        nb = nbformat.read(path, as_version=4)
        nb.metadata.pop("widgets", None)  # none of them has widget state; it would be dropped
        if inert(nb) != nb:
            changed.append(path)
    assert changed == []


def test_the_autograde_chain_makes_content_inert_after_the_grades_are_saved():
    steps = chain(Autograde.class_traits()["autograde_preprocessors"].default())
    assert steps.index(InertContent) > steps.index(SaveAutoGrades)


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory):
    """The pyobjects course with a student whose id would be a formula and change the terminal (refused
    before anything reads the folder), and one whose notebook carries every payload and a cell that
    nbgrader's validation error quotes."""
    root = tmp_path_factory.mktemp("inert-cli") / "course"
    prepare(CASES["pyobjects"], root)
    hand_in(root, ASSIGNMENT, "functions", honest_student="alice")
    shutil.copytree(root / "submitted" / "mallory", root / "submitted" / HOSTILE_ID)
    folder = root / "submitted" / "mallory"
    nb = nbformat.read(folder / ASSIGNMENT / "objects.ipynb", as_version=4)
    # nbgrader drops a grade id it does not know, then refuses the cell, quoting it
    quoted = {"solution": True, "grade": False, "locked": False, "grade_id": "mine", "schema_version": 3}
    nb.cells.append(
        nbformat.v4.new_markdown_cell(f"quoted by nbgrader: {''.join(ESCAPES)}", metadata={"nbgrader": quoted})
    )
    nbformat.write(nb, folder / ASSIGNMENT / "objects.ipynb")
    return root


def test_what_the_grader_prints_and_writes_is_escaped(hostile_course):
    command = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--root", str(hostile_course)]
    command += ["--student", HOSTILE_ID, "--student", "alice", "--student", "mallory"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed
    assert "quoted by nbgrader" in printed  # nbgrader's validation error, relayed
    assert not [escape for escape in ESCAPES if escape in printed]
    assert not re.search("[\x07\x1b\x9b]", printed)
    rows = list(csv.reader((hostile_course / "reports" / f"{ASSIGNMENT}.csv").open()))
    students = [row[0] for row in rows[1:]]
    assert sorted(students) == ["'=2+3\\x1b]0;owned\\x07\\x1bc\\x9b2J", "alice", "mallory"]


def test_the_csv_neutralises_formulas_but_not_numbers(tmp_path):
    cells = [CellResult("test_a", 5.0, 5.0, "passed"), CellResult("late penalty", 0.0, -1.0, "late")]
    results = [
        Result("@SUM(A1:A9)", "a", "graded", cells=cells, flags=["-1+cmd|' /C calc'!A0"]),
        Result("+1", "a", "graded", cells=cells, flags=['=HYPERLINK("http://evil")']),
        Result("-1", "a", "graded", cells=cells),
        Result("\tx", "a", "graded", cells=cells),
        Result("bob", "a", "graded", cells=cells, flags=["honest flag"]),
    ]
    path = tmp_path / "a.csv"
    write_csv(path, results)
    rows = {row[0]: row for row in list(csv.reader(path.open()))[1:]}
    assert sorted(rows) == ["'+1", "'-1", "'@SUM(A1:A9)", "\\tx", "bob"]
    assert all(row[1:4] == ["5", "-1", "4"] for row in rows.values())  # scores and totals stay numbers
    assert [rows[s][-1] for s in ("'@SUM(A1:A9)", "'+1", "bob")] == [
        "'-1+cmd|' /C calc'!A0",
        '\'=HYPERLINK("http://evil")',
        "honest flag",
    ]


def test_the_table_and_summary_escape_ids_messages_and_flags():
    hostile = "".join(ESCAPES) + "\nline"
    results = [Result(hostile, "a", "error", message=hostile, flags=[hostile])]
    printed = table(results) + summary(results)
    assert not re.search("[\x07\x1b\x9b]", printed)
    assert len(table(results).splitlines()) == 2  # one line a student, whatever the id holds
