"""The sandbox side of the faithful path: a notebook's cells run in an IPython shell, as in a kernel.

Each cell's outputs come back as nbformat outputs, in the order and shape nbclient records from
an IPython kernel: `stream` (consecutive writes to one stream joined), `display_data`,
`execute_result` and `error`. So magics, `get_ipython()`, the display system and tracebacks
behave as under `nbgrader autograde`. The outputs are capped (Outputs): per cell, and for the whole
notebook, tracebacks included; what is cut is replaced by a note.
"""

import sys

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from autograder.replies import KEEP, NOTEBOOK_OUTPUT_CAP, OUTPUT_CAP, TRUNCATED, output_size


def cut(texts: list[str], limit: int) -> list[str]:
    """The texts in order, cut where their total length reaches `limit` (the ones after dropped)."""
    kept = []
    for text in texts:
        if limit <= 0:
            break
        kept.append(text[:limit])
        limit -= len(kept[-1])
    return kept


class Outputs:
    """The outputs of the cell running now, within a room of text: the cell's share (OUTPUT_CAP) of
    what is left of the notebook's (NOTEBOOK_OUTPUT_CAP). The first output nbgrader grades a cell by
    (an error, stderr, a result) is always kept, cut to KEEP characters if the room is spent, so
    that no flood of output changes a grade; anything else past the room is dropped, and a note
    says so. The grader measures the same way on receipt (autograder.replies.cell_allowance)."""

    def __init__(self):
        self.items: list[dict] = []
        self.notebook_room = NOTEBOOK_OUTPUT_CAP
        self.next_cell()

    def next_cell(self) -> None:
        self.room = min(OUTPUT_CAP, self.notebook_room)
        self.truncated = False
        self.graded = False  # whether an output nbgrader grades by is among the items

    def allowance(self, grades: bool) -> int:
        return max(self.room, KEEP) if grades and not self.graded else self.room

    def spend(self, size: int, grades: bool) -> None:
        self.room = max(self.room - size, 0)
        self.graded = self.graded or grades

    def stream(self, name: str, text: str) -> None:
        grades = name == "stderr"
        allowed = self.allowance(grades)
        if len(text) > allowed:
            text, self.truncated = text[:allowed], True
        if not text:
            return
        self.spend(len(text), grades)
        last = self.items[-1] if self.items else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def rich(self, output_type: str, data: dict, metadata: dict, **extra) -> None:
        grades = output_type == "execute_result"
        allowed = self.allowance(grades)
        if sum(len(str(v)) for v in data.values()) > allowed:
            self.truncated = True
            if not grades or self.graded:
                return
            data, metadata = {"text/plain": str(data.get("text/plain", ""))[:allowed]}, {}
        self.spend(sum(len(str(v)) for v in data.values()), grades)
        self.items.append({"output_type": output_type, "data": data, "metadata": metadata, **extra})

    def error(self, ename: str, evalue: str, traceback: list[str]) -> list[str]:
        """Record an error output; return the traceback kept (none if the error was dropped)."""
        output = {"output_type": "error", "ename": ename[:200], "evalue": evalue, "traceback": traceback}
        allowed = self.allowance(True)
        if output_size(output) > allowed:
            self.truncated = True
            if self.graded:
                return []
            rest = max(allowed - len(output["ename"]), 0)
            output["evalue"] = evalue[: rest // 2]
            output["traceback"] = cut(traceback, rest - len(output["evalue"]))
        self.spend(output_size(output), True)
        self.items.append(output)
        return output["traceback"]

    def clear(self) -> None:
        self.items.clear()
        self.graded = False

    def take(self) -> list[dict]:
        if self.truncated:
            self.items.append({"output_type": "stream", "name": "stdout", "text": TRUNCATED})
        items, self.items = self.items, []
        self.notebook_room -= sum(output_size(output) for output in items)
        self.next_cell()
        return items


class CellStream:
    """sys.stdout or sys.stderr while a cell runs."""

    encoding = "utf-8"

    def __init__(self, name: str, outputs: Outputs):
        self.name, self.outputs = name, outputs

    def write(self, text) -> int:
        text = str(text)
        self.outputs.stream(self.name, text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class ResultHook(DisplayHook):
    """Records a cell's value as an execute_result, as ipykernel's display hook sends it."""

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        count = self.shell.cell_count
        self.shell.outputs.rich("execute_result", format_dict, md_dict or {}, execution_count=count)


class Publisher(DisplayPublisher):
    """Records `display(...)` calls as display_data outputs; `clear_output` empties the cell's outputs."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        self.shell.outputs.rich("display_data", data, metadata or {})

    def clear_output(self, wait=False):
        self.shell.outputs.clear()


class CellShell(InteractiveShell):
    """An InteractiveShell that records each cell's outputs instead of printing them."""

    displayhook_class = ResultHook
    display_pub_class = Publisher

    def __init__(self, **kwargs):
        self.outputs = Outputs()
        self.cell_count = 0
        self.shown_error: tuple[BaseException | None, list[str]] = (None, [])
        super().__init__(**kwargs)

    def enable_gui(self, gui=None):
        """`%matplotlib inline` asks for no event loop; there is none to start here (as in ipykernel
        for inline figures), so this does nothing."""

    def _showtraceback(self, etype, evalue, stb):
        self.shown_error = evalue, self.outputs.error(etype.__name__, str(evalue), list(stb))

    def _format_exception_for_storage(self, exception, filename=None, running_compiled_code=False):
        """What IPython keeps of a failed cell for `%notebook`: the traceback the cell's output shows,
        which is the same text, instead of formatting it a second time (that was half of what a
        failing cell cost). A syntax error is formatted again: raised at run time, its output shows
        frames that IPython's stored copy leaves out."""
        shown, lines = self.shown_error
        if shown is exception and not isinstance(exception, SyntaxError):
            return {"ename": type(exception).__name__, "evalue": str(exception), "traceback": list(lines)}
        return super()._format_exception_for_storage(exception, filename, running_compiled_code)

    def run(self, source: str) -> dict:
        """Run one cell: its outputs and execution count, with the real streams put back after."""
        self.cell_count = self.execution_count
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = CellStream("stdout", self.outputs), CellStream("stderr", self.outputs)
        try:
            self.run_cell(source, store_history=True)
        finally:
            sys.stdout, sys.stderr = saved
        return {"ok": True, "outputs": self.outputs.take(), "execution_count": self.cell_count}


def shell_config() -> Config:
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.InteractiveShell.colors = "linux"
    config.InteractiveShell.autocall = 0
    return config


def make_shell() -> CellShell:
    """The process's shell; made once per process (in the zygote, before forking)."""
    remember_highlighting()
    return CellShell.instance(config=shell_config())


class RememberedHighlighting:
    """stack_data's highlighting of the function around a traceback's frame, kept for the next time.

    A traceback's text has the code of each frame's function highlighted with pygments, by a lexer
    class stack_data makes anew each time: 0.01 to 0.05 s a frame. The same functions (numpy's
    assert_allclose, the notebook's check helpers) come back in every failed test cell, so their
    highlighted lines are kept, by code, marked range and the formatter's colours: the text is
    the same as highlighting it again.
    """

    LIMIT = 512

    def __init__(self, highlight):
        self.highlight = highlight
        self.known: dict[tuple, list[str]] = {}

    def __call__(self, formatter, code, ranges):
        colours = getattr(formatter, "style_string", None)
        if not isinstance(colours, dict) or getattr(formatter, "linenos", True):
            return self.highlight(formatter, code, ranges)
        key = (type(formatter), tuple(sorted(colours.items())), code, tuple(tuple(r) for r in ranges))
        if key not in self.known:
            if len(self.known) >= self.LIMIT:
                self.known.clear()
            self.known[key] = self.highlight(formatter, code, ranges)
        return list(self.known[key])


def remember_highlighting() -> None:
    import stack_data.core

    if not isinstance(stack_data.core._pygmented_with_ranges, RememberedHighlighting):
        stack_data.core._pygmented_with_ranges = RememberedHighlighting(stack_data.core._pygmented_with_ranges)


def warm_tracebacks(shell: CellShell) -> None:
    """Format one traceback through numpy's testing functions and throw it away, so that the modules
    and source caches IPython formats tracebacks with are loaded before the zygote forks: a worker's
    first traceback then takes about 0.05 s instead of 0.2 to 0.6 s. No cell runs: the execution
    count, the history and `sys.last_traceback` stay as a new kernel's."""
    import numpy.testing

    try:
        numpy.testing.assert_allclose(0.0, 1.0)
    except AssertionError as error:
        shell.InteractiveTB.structured_traceback(type(error), error, error.__traceback__)


def run_cell(request: dict, namespace: dict) -> dict:
    return make_shell().run(request["source"])
