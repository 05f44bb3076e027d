"""The student's path in a real browser: JupyterLab with nbgrader's extension, over a copy of release/,
driven by Playwright in Debian's Chromium.

Every release notebook opens, renders, and its kernel starts and runs the first code cell; every
figure it shows loads, and a screenshot of each is kept, as the student sees it. The fc_net
notebook answered with the solutions runs all its cells and nbgrader's Validate button reports
success; the untouched notebook's Validate lists every test cell as failing. Each step leaves a
screenshot in build/screenshots/student/ (CI keeps build/screenshots/).
"""

import re
import shutil

import nbformat
import pytest
from jupyter_lab import Lab, Steps, chromium, running_lab
from playwright.sync_api import Page, expect
from test_figures import shown_images

from course import paths, sample_class
from course.check import is_solution_cell, is_test_cell

ASSIGNMENTS = paths.assignments()
ANSWERED = "fc_net"  # the notebook answered and run in the browser: it runs in seconds

UI_TIMEOUT = 60_000  # ms, for anything the page shows
OPEN_TIMEOUT = 120_000  # ms, for JupyterLab to load and show a notebook, and for its kernel to start
RUN_TIMEOUT = 180_000  # ms, for running a whole notebook (Run All, Validate): fc_net takes about 10 s


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on loopback with a token, over a copy of release/ (links resolved), nbgrader's
    extension on. It runs in a folder holding the course's nbgrader_config.py, which is where
    nbgrader's validate handler reads its configuration (Execute.timeout, ...)."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "release"
    shutil.copytree(paths.RELEASE, root, symlinks=False)
    shutil.copy(paths.NBGRADER_CONFIG, base / "nbgrader_config.py")
    with running_lab(root, cwd=base, home=base / "jupyter") as lab:
        yield lab


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def screenshots():
    """Screenshots of this run only, in build/screenshots/student/ (the formgrader's test, which may run
    at the same time, keeps its own beside it)."""
    folder = paths.SCREENSHOTS / "student"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def page(browser, lab, screenshots, request):
    """A fresh page; at the end a last screenshot (the state a failure left), and no kernel left running."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(UI_TIMEOUT)
    page = context.new_page()
    yield page
    name = re.sub(r"\W+", "-", request.node.name).strip("-")
    try:
        page.screenshot(path=screenshots / f"{name}-end.png")
    finally:
        context.close()
    for session in lab.api("api/sessions"):
        lab.api(f"api/sessions/{session['id']}", "DELETE")


def status_item(page: Page, pattern: str):
    return page.locator(".jp-StatusBar-TextItem").filter(has_text=re.compile(pattern))


def kernel_status(page: Page):
    return status_item(page, r"\| (Idle|Busy|Starting|Initializing|Connecting|Unknown|Restarting|Dead)")


def open_notebook(page: Page, lab: Lab, notebook: str, nb) -> None:
    """Open the notebook, check that it rendered, and wait for its kernel to be idle."""
    page.goto(lab.url(notebook, re.sub(r"\W", "-", notebook)))
    panel, dialog = page.locator(".jp-NotebookPanel"), page.locator(".jp-Dialog")
    # The first Markdown cell rendered (its title), or a dialog such as JupyterLab's "File Load Error".
    heading = panel.locator(".jp-MarkdownCell .jp-RenderedMarkdown h1").first
    expect(heading.or_(dialog), f"{notebook} did not open").to_be_visible(timeout=OPEN_TIMEOUT)
    if dialog.count():
        title, body = dialog.locator(".jp-Dialog-header").inner_text(), dialog.locator(".jp-Dialog-body").inner_text()
        pytest.fail(f"{notebook}: {title.strip()}: {body.strip()}")
    first_markdown = next(c for c in nb.cells if c.cell_type == "markdown")
    expect(heading).to_contain_text(first_markdown.source.splitlines()[0].lstrip("# "))
    # Every cell of the file is in the notebook (the status bar counts them), and the first code
    # cell's source is in its editor.
    expect(status_item(page, r"^Cell \d+/\d+$")).to_have_text(f"Cell 1/{len(nb.cells)}")
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    expect(panel.locator(".jp-CodeCell .cm-content").first).to_contain_text(first_code.source.splitlines()[0])
    expect(dialog, "a dialog opened with the notebook").to_have_count(0)
    kernel = nb.metadata.kernelspec.display_name
    expect(kernel_status(page), "the kernel did not start").to_have_text(f"{kernel} | Idle", timeout=OPEN_TIMEOUT)


# Polled in the page: "done" once the notebook's execution indicator says that every code cell ran;
# "stopped" once the kernel is idle with an error or stderr output in the notebook (Run All stops at an error).
RUN_ALL_STATE = """(cells) => {
    const panel = document.querySelector(".jp-NotebookPanel");
    const progress = panel.querySelector(".jp-Notebook-ExecutionIndicator-tooltip");
    if (progress && progress.textContent.includes(`Executed ${cells} cells`)) return "done";
    const idle = [...document.querySelectorAll(".jp-StatusBar-TextItem")].some(e => / \\| Idle$/.test(e.textContent));
    const stderr = panel.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
    return idle && stderr ? "stopped" : null;
}"""


def run_all(page: Page, notebook: str, code_cells: int) -> None:
    """Run > Run All Cells, then wait until the kernel has run every code cell and is idle again."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel").filter(has_text=re.compile(r"^Run All Cells$")).click()
    state = page.wait_for_function(RUN_ALL_STATE, arg=code_cells, timeout=RUN_TIMEOUT).json_value()
    if state == "stopped":
        error = page.locator('.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        pytest.fail(f"Run All in {notebook}: a cell failed or wrote to stderr:\n{error.first.inner_text()}")
    expect(kernel_status(page)).to_have_text(re.compile(r"\| Idle$"))


def validate(page: Page):
    """Press nbgrader's Validate button; returns the message of the results dialog."""
    button = page.locator(".jp-NotebookPanel-toolbar .validate-button")
    # By now the notebook's toolbar is complete: no need to wait long.
    expect(button, "nbgrader's Validate button is not in the notebook's toolbar").to_be_visible(timeout=10_000)
    button.click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog, "Validate showed no dialog").to_be_visible(timeout=RUN_TIMEOUT)
    title, body = dialog.locator(".jp-Dialog-header").inner_text(), dialog.locator(".jp-Dialog-body").inner_text()
    assert title.strip() == "Validation Results", f"Validate showed {title.strip()!r}: {body.strip()}"
    return dialog.locator("#validation-message")


def close_dialog(page: Page) -> None:
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(page.locator(".jp-Dialog")).to_have_count(0)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_release_notebook_renders_and_its_kernel_runs(lab, page, screenshots, assignment):
    notebook = f"{assignment}/{assignment}.ipynb"
    nb = nbformat.read(lab.root / notebook, as_version=4)
    steps = Steps(page, screenshots, f"open-{assignment}")
    open_notebook(page, lab, notebook, nb)
    steps.shot("opened")
    # Run the first code cell (its imports: rnn and lstm import rnn_utils.py from beside the notebook).
    first_code = page.locator(".jp-Notebook .jp-CodeCell").first
    first_code.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    expect(first_code.locator(".jp-InputPrompt")).to_have_text("[1]:")
    expect(kernel_status(page)).to_have_text(re.compile(r"\| Idle$"))
    stderr = first_code.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    if stderr.count():
        pytest.fail(f"{notebook}: the first code cell failed:\n{stderr.first.inner_text()}")
    steps.shot("first-cell-ran")


# Whether an image has loaded and has a size on the page (a missing file leaves naturalWidth at 0).
IMAGE_LOADED = "(image) => image.complete && image.naturalWidth > 0 && image.getBoundingClientRect().width > 0"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_figure_shows_in_jupyterlab(lab, page, screenshots, assignment):
    """Walk to each markdown cell that shows a figure; the figure loads; screenshot it as it appears."""
    notebook = f"{assignment}/{assignment}.ipynb"
    nb = nbformat.read(lab.root / notebook, as_version=4)
    figures = [(i, image) for i, c in enumerate(nb.cells) if c.cell_type == "markdown" for image in shown_images_of(c)]
    if not figures:
        pytest.skip(f"{notebook} shows no figure")
    open_notebook(page, lab, notebook, nb)
    page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputPrompt").click()
    position = 0
    for index, image in figures:
        for _ in range(index - position):  # command mode: the notebook scrolls to the active cell
            page.keyboard.press("ArrowDown")
        position = index
        active = page.locator(".jp-Notebook .jp-Cell.jp-mod-active")
        shown = active.locator(f'.jp-RenderedMarkdown img[src*="{image}"]')
        expect(shown, f"{notebook}: cell {index} does not show {image}").to_have_count(1)
        shown.scroll_into_view_if_needed()
        page.wait_for_function(IMAGE_LOADED, arg=shown.element_handle(), timeout=UI_TIMEOUT)
        active.screenshot(path=screenshots / f"figure-{assignment}-{image.replace('/', '-')}")


def shown_images_of(cell) -> list[str]:
    return shown_images(nbformat.v4.new_notebook(cells=[cell]))


def test_validate_lists_every_test_of_the_untouched_notebook_as_failing(lab, page, screenshots):
    notebook = f"{ANSWERED}/{ANSWERED}.ipynb"
    nb = nbformat.read(lab.root / notebook, as_version=4)
    steps = Steps(page, screenshots, f"validate-untouched-{ANSWERED}")
    open_notebook(page, lab, notebook, nb)
    steps.shot("opened")
    message = validate(page)
    steps.shot("validated")
    expect(message).to_have_class(re.compile(r"\bvalidation-failed\b"))
    tests = [c.source.strip() for c in nb.cells if is_test_cell(c)]
    expect(message.locator("p", has_text="The following cell failed:")).to_have_count(len(tests))
    shown = message.locator(".jp-RenderedText pre").all_inner_texts()  # source, error, source, error...
    assert [s.strip() for s in shown[0::2]] == tests
    assert all("NotImplementedError" in error for error in shown[1::2])
    close_dialog(page)


def test_validate_passes_the_notebook_answered_with_the_solutions(lab, page, screenshots):
    """As a student would: the answers are in (written into the file, as typing them would take
    minutes), the student runs all cells, then presses Validate."""
    folder = lab.root / "answered" / ANSWERED
    shutil.copytree(lab.root / ANSWERED, folder)
    nb = sample_class.solutions_filled_in(ANSWERED, {})
    nbformat.write(nb, folder / f"{ANSWERED}.ipynb")
    notebook = f"answered/{ANSWERED}/{ANSWERED}.ipynb"
    steps = Steps(page, screenshots, f"validate-answered-{ANSWERED}")
    open_notebook(page, lab, notebook, nb)
    steps.shot("opened")

    # Walk down to the first answer cell (the notebook scrolls to it) and see the answer in it.
    first_answer = next(i for i, c in enumerate(nb.cells) if is_solution_cell(c))
    page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputPrompt").click()
    for _ in range(first_answer):
        page.keyboard.press("ArrowDown")
    active = page.locator(".jp-Notebook .jp-Cell.jp-mod-active")
    expect(active.locator(".cm-content")).to_contain_text(nb.cells[first_answer].source.splitlines()[0])
    steps.shot("first-answer")

    code_cells = sum(c.cell_type == "code" for c in nb.cells)
    run_all(page, notebook, code_cells)
    steps.shot("ran-all")
    message = validate(page)
    steps.shot("validated")
    expect(message).to_have_class(re.compile(r"\bvalidation-success\b"))
    expect(message).to_have_text("Success! Your notebook passes all the tests.")
    close_dialog(page)

    # Validate saved the notebook first: what the browser ran is on disk, every code cell run once, in
    # order, without an error or anything on stderr.
    saved = nbformat.read(folder / f"{ANSWERED}.ipynb", as_version=4)
    code = [c for c in saved.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    problems = [
        (c.execution_count, o.get("ename") or o.get("name"))
        for c in code
        for o in c.outputs
        if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")
    ]
    assert not problems, f"cells with an error or stderr output: {problems}"
