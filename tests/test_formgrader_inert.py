"""Nothing a student hands in runs in the instructor's browser (issue 21, cause 5), in Debian's Chromium.

A submission of the `pyobjects` fixture course carries every kind of active content a notebook can
hold (tests/inert_payloads.py: script, an `onerror` image, a `javascript:` link, an `iframe srcdoc`,
SVG with script, HTML, JavaScript, SVG, markdown and widget outputs, a link to an HTML file handed in
beside the notebook). Our grader grades it; the instructor opens it in nbgrader's formgrader (on the
Jupyter server, logged in), then the page `nbgrader generate_feedback` writes and ours, and follows
every link the student wrote. Nothing ran: no request to the server's API or to the payload's marker,
no terminal on the server, no dialog, no console message of the payload. Screenshots go to
build/screenshots/inert/.
"""

import shutil

import pytest
from inert_payloads import LINK_TEXT, MARKER, STUDENT, hand_in
from jupyter_lab import Steps, chromium, running_lab
from nbgrader.api import Gradebook
from parity_courses import CASES, grade_with_ours, prepare
from playwright.sync_api import expect

from course import paths
from course.nbgrader_cli import run_nbgrader

ASSIGNMENT = CASES["pyobjects"].assignment
NOTEBOOK = "functions"
UI_TIMEOUT = 60_000  # ms
SETTLE = 2_000  # ms for images to fail, frames to load and scripts to run


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("inert") / "course"
    prepare(CASES["pyobjects"], root)
    hand_in(root, ASSIGNMENT, NOTEBOOK, honest_student="alice")
    result = grade_with_ours(root, ASSIGNMENT)
    assert result.returncode == 0, result.stdout + result.stderr
    run_nbgrader(["generate_feedback", ASSIGNMENT, "--student", STUDENT], root)
    return root


@pytest.fixture(scope="module")
def lab(course):
    with running_lab(course, cwd=course, home=course.parent / "jupyter") as lab:
        yield lab


@pytest.fixture(scope="module")
def screenshots():
    folder = paths.SCREENSHOTS / "inert"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


class Watched:
    """A logged-in page, and what happened in it from `start()` on."""

    def __init__(self, page):
        self.page, self.requests, self.dialogs, self.console = page, [], [], []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda message: self.console.append(message.text))
        page.context.on("page", lambda popup: popup.on("request", lambda r: self.requests.append(r.url)))

    def start(self, lab):
        self.requests.clear()
        self.terminals_before = lab.api("api/terminals")

    def follow_every_link(self):
        """Click every link the student wrote, as a person might, coming back after each."""
        links = self.page.locator("a", has_text=LINK_TEXT)
        for i in range(links.count()):
            url = self.page.url
            links.nth(i).click(timeout=UI_TIMEOUT, no_wait_after=True)
            self.page.wait_for_timeout(SETTLE)
            if self.page.url != url:
                self.page.goto(url)

    def what_ran(self, lab) -> dict:
        return {
            "requests to the server's API": [u for u in self.requests if u.startswith(f"{lab.base_url}/api/")],
            "marker requests": [u for u in self.requests if MARKER in u],
            "dialogs": self.dialogs,
            "console messages": [m for m in self.console if MARKER in m],
            "new terminals": [t for t in lab.api("api/terminals") if t not in self.terminals_before],
        }


@pytest.fixture
def watched(lab):
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(UI_TIMEOUT)
        page = context.new_page()
        watch = Watched(page)
        page.goto(f"{lab.base_url}/lab?token={lab.token}")  # logs in, as the instructor: token and XSRF cookies
        expect(page.locator(".jp-LabShell")).to_be_visible(timeout=UI_TIMEOUT)
        page.goto("about:blank")
        yield watch
        context.close()


def assert_nothing_ran(watch, lab):
    what_ran = watch.what_ran(lab)
    print(what_ran)  # pytest shows it when the test fails: which payloads ran
    assert what_ran == {key: [] for key in what_ran}


def test_the_formgrader_shows_a_hostile_submission_inert(course, lab, watched, screenshots):
    steps = Steps(watched.page, screenshots, "formgrader")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, STUDENT).id
    watched.start(lab)
    watched.page.goto(f"{lab.base_url}/formgrader/submissions/{submission}/")
    expect(watched.page.locator("h1", has_text="Functions as values")).to_be_visible(
        timeout=UI_TIMEOUT
    )  # honest markdown renders
    watched.page.wait_for_timeout(SETTLE)
    steps.shot("submission")
    watched.follow_every_link()
    steps.shot("links-followed")
    assert_nothing_ran(watched, lab)
    expect(watched.page.get_by_text("The autograder shows this cell as text").first).to_be_visible()


@pytest.mark.parametrize("page_of", ["nbgrader-feedback", "our-feedback"])
def test_the_feedback_pages_show_a_hostile_submission_inert(course, lab, watched, screenshots, page_of):
    pages = {
        "nbgrader-feedback": course / "feedback" / STUDENT / ASSIGNMENT / f"{NOTEBOOK}.html",
        "our-feedback": course / "reports" / ASSIGNMENT / "feedback" / f"{STUDENT}.html",
    }
    steps = Steps(watched.page, screenshots, page_of)
    watched.start(lab)
    watched.page.goto(pages[page_of].as_uri())
    watched.page.wait_for_timeout(SETTLE)
    steps.shot("page")
    watched.follow_every_link()
    steps.shot("links-followed")
    assert_nothing_ran(watched, lab)
