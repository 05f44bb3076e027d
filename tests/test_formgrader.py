"""The grader's path in a real browser: nbgrader's formgrader in JupyterLab, in Debian's Chromium, on
the `pyobjects` fixture course graded by `nbgrader autograde` and by `python -m autograder grade`.

The formgrader shows every submission as graded with the scores the fixture was written for
(tests/fixtures/pyobjects/expected_scores.json), the written answer left for a person as needing a
manual grade; a person opens that submission, sees the autograded cells' scores, gives the written
answer a grade, and the gradebook and the formgrader's list then hold it. Screenshots go to
build/screenshots/formgrader/.
"""

import json
import re
import shutil
import time

import nbformat
import pytest
from jupyter_lab import Lab, Steps, chromium, running_lab
from nbgrader.api import Gradebook
from parity_courses import CASES, FIXTURES, grade_with_ours, prepare
from playwright.sync_api import Page, expect

from course import paths
from course.nbgrader_cli import run_nbgrader

NAME = "pyobjects"
ASSIGNMENT = CASES[NAME].assignment
EXPECTED = json.loads((FIXTURES / NAME / "expected_scores.json").read_text())
MANUAL = ("alice", "objects", "explain_stack")  # the one written answer a student wrote: pending
UI_TIMEOUT = 60_000  # ms


def grade_with_nbgrader(root):
    run_nbgrader(["autograde", ASSIGNMENT, "--force"], root)


def grade_with_our_grader(root):
    result = grade_with_ours(root, ASSIGNMENT)
    if result.returncode != 0:
        pytest.fail(f"python -m autograder grade exited {result.returncode}:\n{result.stdout}{result.stderr}")


GRADERS = {"nbgrader": grade_with_nbgrader, "ours": grade_with_our_grader}


@pytest.fixture(scope="module", params=sorted(GRADERS))
def graded_course(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"formgrader-{request.param}")
    root = base / "course"
    prepare(CASES[NAME], root)
    GRADERS[request.param](root)
    return request.param, root


@pytest.fixture(scope="module")
def lab(graded_course):
    """JupyterLab started in the course directory: the formgrader reads its nbgrader_config.py there."""
    _, root = graded_course
    with running_lab(root, cwd=root, home=root.parent / "jupyter") as lab:
        yield lab


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def screenshots():
    folder = paths.SCREENSHOTS / "formgrader"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def page(browser, lab, screenshots, request):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(UI_TIMEOUT)
    page = context.new_page()
    page.goto(f"{lab.base_url}/lab?token={lab.token}")  # logs in: the token becomes a cookie
    yield page
    name = re.sub(r"\W+", "-", request.node.name).strip("-")
    try:
        page.screenshot(path=screenshots / f"{name}-end.png")
    finally:
        context.close()


def max_points(notebook: str) -> float:
    path = FIXTURES / NAME / "source" / ASSIGNMENT / f"{notebook}.ipynb"
    cells = nbformat.read(path, as_version=4).cells
    return sum(float(c.metadata.nbgrader["points"]) for c in cells if "points" in c.metadata.get("nbgrader", {}))


def shown(score: float, max_score: float) -> str:
    """A score as the formgrader writes it: `8 / 10`, `9.5 / 10`."""
    return f"{score:g} / {max_score:g}"


def expected_row(student: str, notebook: str) -> tuple[str, bool]:
    """(overall score as shown, needs a manual grade) that the fixture was written for."""
    scores = EXPECTED[student][notebook].values()
    return shown(sum(s for s in scores if s is not None), max_points(notebook)), None in scores


def open_notebook_list(page: Page, lab: Lab, notebook: str):
    """The formgrader's page listing every submission of one notebook; returns its table rows."""
    page.goto(f"{lab.base_url}/formgrader/gradebook/{ASSIGNMENT}/{notebook}")
    rows = page.locator("#main-table tr").filter(has=page.locator("td.score"))  # the table fills in after load
    expect(rows).to_have_count(len(EXPECTED), timeout=UI_TIMEOUT)
    expect(rows.first.locator(".score")).not_to_be_empty()
    return rows


def row_of(rows, student: str):
    # Names are hidden by default; the hidden link's text is the student id (no names in this course).
    return rows.filter(has=rows.page.locator(".name-shown", has_text=re.compile(rf"^{student}$")))


def saved_grade(root, key, wait=20.0):
    """(manual score, needs a manual grade) in the gradebook, once the formgrader's save has reached it."""
    student, notebook, grade_id = key
    deadline = time.monotonic() + wait
    while True:
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
            grade = gradebook.find_grade(grade_id, notebook, ASSIGNMENT, student)
            state = grade.manual_score, grade.needs_manual_grade
        if state[0] is not None or time.monotonic() > deadline:
            return state
        time.sleep(0.5)


def listed(rows, student: str) -> tuple[str, bool]:
    row = row_of(rows, student)
    expect(row).to_have_count(1)
    return row.locator(".score").inner_text().strip(), row.locator(".needs-manual-grade .glyphicon-ok").count() == 1


@pytest.mark.parametrize("notebook", sorted(EXPECTED["alice"]))
def test_the_formgrader_lists_every_submission_as_graded(graded_course, lab, page, screenshots, notebook):
    grader, _ = graded_course
    steps = Steps(page, screenshots, f"{grader}-list-{notebook}")
    rows = open_notebook_list(page, lab, notebook)
    steps.shot("listed")
    got = {student: listed(rows, student) for student in EXPECTED}
    assert got == {student: expected_row(student, notebook) for student in EXPECTED}


def test_a_person_grades_the_written_answer(graded_course, lab, page, screenshots):
    grader, root = graded_course
    student, notebook, grade_id = MANUAL
    steps = Steps(page, screenshots, f"{grader}-manual-grade")
    rows = open_notebook_list(page, lab, notebook)
    assert listed(rows, student)[1], "the written answer should be waiting for a manual grade"

    # Open the submission from the list, as a person does, and see the autograded cells' scores.
    row_of(rows, student).locator("a.name-hidden").click()
    score_input = page.locator(f"input.score#{grade_id}")
    expect(score_input).to_be_visible(timeout=UI_TIMEOUT)
    expect(score_input).to_have_class(re.compile(r"\bneeds_manual_grade\b"))
    for test_id, score in EXPECTED[student][notebook].items():
        if score is not None:
            expect(page.locator(f"input.score#{test_id}")).to_have_attribute("placeholder", f"{score:g}")
    steps.shot("submission")

    score_input.fill("1.5")
    score_input.press("Enter")  # the formgrader saves a score when its input changes
    expect(score_input).not_to_have_class(re.compile(r"\bneeds_manual_grade\b"))
    steps.shot("graded")
    assert saved_grade(root, MANUAL) == (1.5, False)

    rows = open_notebook_list(page, lab, notebook)
    score, _ = expected_row(student, notebook)
    auto_total = float(score.split(" / ")[0])
    assert listed(rows, student) == (shown(auto_total + 1.5, max_points(notebook)), False)
    steps.shot("listed-after")


def test_the_formgrader_opens_from_jupyterlabs_menu(graded_course, lab, page, screenshots):
    grader, _ = graded_course
    steps = Steps(page, screenshots, f"{grader}-lab-menu")
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Nbgrader$")).click(timeout=UI_TIMEOUT)
    page.locator(".lm-Menu-itemLabel").filter(has_text=re.compile(r"^Formgrader$")).click()
    formgrader = page.frame_locator(".jp-MainAreaWidget iframe")
    formgrader.locator("a", has_text="Manual Grading").click(timeout=UI_TIMEOUT)
    row = formgrader.locator("#main-table tr").filter(has=formgrader.locator("a", has_text=ASSIGNMENT))
    expect(row).to_be_visible(timeout=UI_TIMEOUT)
    expect(row.locator("td").nth(2), "the number of submissions").to_have_text(str(len(EXPECTED)))
    steps.shot("formgrader-tab")
