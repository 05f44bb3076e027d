"""nbgrader's Execute step, done in the sandbox: a notebook's code cells run in an IPython shell there.

`run_notebook` runs the code cells of a notebook up to its last graded cell (later cells cannot
change a score) and returns their outputs as nbclient would have recorded them. A cell that runs
out of time or ends the worker gets an error output (nbgrader's `Execute.error_on_timeout` for a
timeout), and the worker starts again and replays the cells before it, within one more timeout.

`SandboxExecute` is the preprocessor that takes Execute's place in nbgrader's Autograde chain. It
uses the outputs a pool worker computed ahead for the same cells (`SandboxExecute.ahead`), or runs
the notebook itself.
"""

import base64
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import nbformat
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade, is_solution, is_task

from autograder.notebook import valid_text
from autograder.replies import NOTEBOOK_OUTPUT_CAP, cell_allowance, check_reply, output_size
from autograder.sandbox import (
    ZYGOTE_TIMEOUT,
    Budget,
    Limits,
    Sandbox,
    SandboxDied,
    SandboxError,
    SandboxTimeout,
    drop_zygote,
)
from autograder.wire import WireError

# imported once per sandbox, before the notebook runs: IPython's shell, and most of a second of every
# plotting notebook (the last module is `%matplotlib inline`'s); the independent verdict needs none
NOTEBOOK_MODULES = ("autograder.shell", "matplotlib.pyplot", "matplotlib_inline.backend_inline")
DIED = {
    "ename": "DeadKernelError",
    "evalue": "the Python process running the notebook ended",
    "traceback": ["DeadKernelError: the Python process running the notebook ended (exit, crash or killed)"],
}


def as_valid_text(node):
    """An output with every string writable as UTF-8: printed text may hold lone surrogates, which
    would stop nbgrader's converter from saving the notebook (and cost every cell)."""
    if type(node) is str:
        return valid_text(node)
    if type(node) is list:
        return [as_valid_text(item) for item in node]
    if type(node) is dict:
        return {key: as_valid_text(value) for key, value in node.items()}
    return node


@dataclass
class Run:
    """The outputs of a notebook's code cells, in order, and the sources they came from."""

    sources: list[str]
    outputs: list[list[dict]] = field(default_factory=list)
    counts: list[int | None] = field(default_factory=list)
    verdicts: dict | None = None  # by grade id: autograder.verdict.Verdict (None: not judged yet)
    files: dict[str, bytes] = field(default_factory=dict)  # what the notebook wrote in its folder, by path


def code_sources(nb) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def last_graded(nb) -> int:
    """How many code cells to run: up to the last graded one, or all when a person grades some cell
    (the person reads the outputs) or none is graded."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    graded = [i for i, cell in enumerate(code) if is_grade(cell)]
    if not graded or any(is_task(cell) or (is_grade(cell) and is_solution(cell)) for cell in nb.cells):
        return len(code)
    return graded[-1] + 1


def folder_items(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix != ".ipynb" and not p.name.startswith("."))


class Executor:
    """Runs cells in one sandbox, replaying the ones before after a restart."""

    def __init__(self, items: list[Path], slot: int, limits: Limits, timeout: float, on_timeout: dict, budget: Budget):
        self.sandbox = Sandbox(items, limits, slot, budget, submission=budget, preload=NOTEBOOK_MODULES)
        self.timeout = timeout
        self.on_timeout = on_timeout
        self.done: list[str] = []
        self.room = NOTEBOOK_OUTPUT_CAP  # of the notebook's outputs, measured here as the sandbox measures it

    def ask(self, request: dict, timeout: float) -> dict:
        """The worker's reply, if it answers `request` in the worker's format; SandboxDied otherwise."""
        reply = self.sandbox.request(request, timeout)
        try:
            return check_reply(request, reply)
        except WireError as error:
            self.sandbox.stop()
            raise SandboxDied(f"the process running the notebook sent a reply the grader does not accept: {error}")

    def run(self, source: str) -> tuple[list[dict], int | None]:
        try:
            reply = self.ask({"op": "shell", "source": source}, self.timeout)
        except SandboxError as error:
            failure = self.on_timeout if isinstance(error, SandboxTimeout) else DIED
            self.restart()
            return [{"output_type": "error", **failure}], None
        self.done.append(source)
        if not reply.get("ok"):
            return self.bounded([{"output_type": "error", **reply_error(reply)}]), None
        return self.bounded(reply["outputs"]), reply["execution_count"]

    def bounded(self, outputs: list[dict]) -> list[dict]:
        """The cell's outputs if they are within what the sandbox lets through (autograder.shell caps
        them there, but nothing from the sandbox is trusted); otherwise an error in their place."""
        size, allowed = sum(output_size(output) for output in outputs), cell_allowance(self.room)
        if size > allowed:
            message = f"the cell's outputs hold {size} characters, more than the grader accepts ({allowed})"
            outputs = [{"output_type": "error", "ename": "OutputLimitError", "evalue": message, "traceback": [message]}]
        self.room -= sum(output_size(output) for output in outputs)
        return [as_valid_text(output) for output in outputs]

    def restart(self) -> None:
        """A fresh worker, with the cells that ran before replayed (their outputs dropped) for one timeout."""
        self.sandbox.stop()
        try:  # a fresh sandbox first: its start-up is not the replayed cells' time
            self.sandbox.request({"op": "lookup", "names": []}, ZYGOTE_TIMEOUT)
        except SandboxError:
            self.sandbox.stop()
            return
        deadline = time.monotonic() + self.timeout
        for source in self.done:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise SandboxTimeout("no time left to replay")
                self.sandbox.request({"op": "shell", "source": source}, left)
            except SandboxError:
                self.sandbox.stop()
                return

    def files(self) -> dict[str, bytes]:
        """The files the notebook left in its working folder (none if the worker cannot say)."""
        try:
            reply = self.ask({"op": "files"}, self.timeout)
        except SandboxError:
            return {}
        return decode_files(reply) if reply.get("ok") else {}

    def close(self) -> None:
        self.sandbox.close()


def reply_error(reply: dict) -> dict:
    error = reply.get("error", {})
    name, message = str(error.get("type", "Error")), str(error.get("message", ""))
    return {"ename": name, "evalue": message, "traceback": [f"{name}: {message}"]}


def decode_files(reply: dict) -> dict[str, bytes]:
    found = {}
    for name, text in reply.get("files", {}).items():
        try:
            found[name] = base64.b64decode(text, validate=True)
        except ValueError:
            continue
    return found


def write_files(files: dict[str, bytes], folder: Path) -> None:
    """Put the files the notebook wrote into `folder` (its autograded copy), as nbgrader's kernel leaves
    them there; a path that would leave the folder, or replace a notebook, is skipped."""
    for name, data in files.items():
        path = Path(name)
        if path.is_absolute() or ".." in path.parts or path.suffix == ".ipynb":
            continue
        target = folder / path
        if target.is_symlink() or (target.is_file() and target.read_bytes() == data):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def run_notebook(
    nb, items: list[Path], slot: int, limits: Limits, timeout: float, on_timeout: dict, budget: Budget | None = None
) -> Run:
    """Run the notebook's code cells (up to its last graded one) in a sandbox holding copies of `items`.
    `budget` bounds the whole run, restarts included (by default: the timeout per cell run, and a margin)."""
    sources = code_sources(nb)
    run = Run(sources)
    budget = budget or Budget.for_cells(timeout, last_graded(nb))
    executor = Executor(items, slot, limits, timeout, on_timeout, budget)
    try:
        for index, source in enumerate(sources):
            if index >= last_graded(nb) or not source.strip():
                outputs, count = [], None
            else:
                outputs, count = executor.run(source)
            run.outputs.append(outputs)
            run.counts.append(count)
        run.files = executor.files()
    finally:
        executor.close()
    return run


def apply(nb, run: Run) -> None:
    """Write the run's outputs into the notebook's code cells, as nbclient does."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell, outputs, count in zip(code, run.outputs, run.counts, strict=True):
        cell.outputs = [nbformat.from_dict(output) for output in outputs]
        cell.execution_count = count


class SandboxExecute(Execute):
    """Execute, with the cells run in the sandbox instead of a Jupyter kernel.

    Reads nbgrader's Execute configuration (timeout, error_on_timeout). `ahead` holds the runs a
    pool computed, by (student, notebook): used when the cells are the same as this notebook's.
    """

    ahead: ClassVar[dict[tuple[str, str], Run]] = {}
    slot = 0
    limits = Limits()

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        run = self.ahead.pop((info["student"], info["notebook"]), None)
        if run is None or run.sources != code_sources(nb):
            items = folder_items(Path(resources["metadata"]["path"]))
            try:
                run = run_notebook(nb, items, self.slot, self.limits, self.timeout or 30, dict(self.error_on_timeout))
            finally:
                drop_zygote(self.slot)
        apply(nb, run)
        write_files(run.files, Path(resources["metadata"]["path"]))
        resources.setdefault("autograder", {})["run"] = run
        return nb, resources
