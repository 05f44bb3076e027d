"""nbgrader's Execute step, done in the sandbox: a notebook's code cells run in an IPython shell there.

`run_notebook` runs the code cells of a notebook up to its last graded cell (later cells cannot
change a score) and returns their outputs as nbclient would have recorded them. A cell that runs
out of time or ends the worker gets an error output (nbgrader's `Execute.error_on_timeout` for a
timeout), and the worker starts again and replays the cells before it, within one more timeout.

`SandboxExecute` is the preprocessor that takes Execute's place in nbgrader's Autograde chain. It
uses the outputs a pool worker computed ahead for the same cells (`SandboxExecute.ahead`), or runs
the notebook itself.
"""

import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import nbformat
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade, is_solution, is_task

from autograder.sandbox import Limits, Sandbox, SandboxError, SandboxTimeout

DIED = {
    "ename": "DeadKernelError",
    "evalue": "the Python process running the notebook ended",
    "traceback": ["DeadKernelError: the Python process running the notebook ended (exit, crash or killed)"],
}


@dataclass
class Run:
    """The outputs of a notebook's code cells, in order, and the sources they came from."""

    sources: list[str]
    outputs: list[list[dict]] = field(default_factory=list)
    counts: list[int | None] = field(default_factory=list)
    verdicts: dict = field(default_factory=dict)  # by grade id: autograder.verdict.Verdict


class FolderSandbox(Sandbox):
    """A sandbox whose working folder starts as a copy of the notebook's folder (subfolders too)."""

    def copy_helpers(self, workdir: Path) -> None:
        for item in self.helpers:
            if item.is_dir():
                shutil.copytree(item, workdir / item.name, dirs_exist_ok=True)
            else:
                shutil.copy2(item, workdir)


_closing: threading.Thread | None = None


def close_later(sandbox: Sandbox) -> None:
    """Clear the sandbox in the background (87 ms); the next notebook waits for it only when it starts."""
    global _closing
    _closing = threading.Thread(target=sandbox.close)
    _closing.start()


def wait_closed() -> None:
    if _closing is not None:
        _closing.join()


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

    def __init__(self, items: list[Path], slot: int, limits: Limits, timeout: float, on_timeout: dict):
        wait_closed()
        self.sandbox = FolderSandbox(items, limits, slot)
        self.timeout = timeout
        self.on_timeout = on_timeout
        self.done: list[str] = []

    def run(self, source: str) -> tuple[list[dict], int | None]:
        try:
            reply = self.sandbox.request({"op": "shell", "source": source}, self.timeout)
        except SandboxError as error:
            failure = self.on_timeout if isinstance(error, SandboxTimeout) else DIED
            self.restart()
            return [{"output_type": "error", **failure}], None
        self.done.append(source)
        if not reply.get("ok"):
            return [{"output_type": "error", **reply_error(reply)}], None
        return reply["outputs"], reply["execution_count"]

    def restart(self) -> None:
        """A fresh worker, with the cells that ran before replayed (their outputs dropped) for one timeout."""
        self.sandbox.stop()
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

    def close(self) -> None:
        close_later(self.sandbox)


def reply_error(reply: dict) -> dict:
    error = reply.get("error", {})
    name, message = str(error.get("type", "Error")), str(error.get("message", ""))
    return {"ename": name, "evalue": message, "traceback": [f"{name}: {message}"]}


def run_notebook(nb, items: list[Path], slot: int, limits: Limits, timeout: float, on_timeout: dict) -> Run:
    """Run the notebook's code cells (up to its last graded one) in a sandbox holding copies of `items`."""
    sources = code_sources(nb)
    run = Run(sources)
    executor = Executor(items, slot, limits, timeout, on_timeout)
    try:
        for index, source in enumerate(sources):
            if index >= last_graded(nb) or not source.strip():
                outputs, count = [], None
            else:
                outputs, count = executor.run(source)
            run.outputs.append(outputs)
            run.counts.append(count)
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
            run = run_notebook(nb, items, self.slot, self.limits, self.timeout or 30, dict(self.error_on_timeout))
        apply(nb, run)
        resources.setdefault("autograder", {})["run"] = run
        return nb, resources
