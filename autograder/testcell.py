"""Running one test cell's code in the grader, and what its failure may tell the student.

The cell runs whole, as in a kernel (hidden tests may sit anywhere, in a loop or a function); its
hidden lines are known from the source, so a failure on a hidden line says only "a hidden test
failed" (never the hidden code, its values, or what the student's code said while it ran). As in
nbgrader, the cell passes when it raises nothing and nothing reaches stderr; a value shown by its
last line would be nbgrader's partial credit, which only the faithful run can give.

Data the student's code sent back is bounded (autograder.replies), but the test's own code may still
spend it lavishly (a loop, a broadcast): the cell runs under a time limit and an address-space
limit of its own, and a test that exceeds either fails instead of stopping the grader.
"""

import ast
import io
import os
import resource
import signal
import threading
import warnings
from contextlib import contextmanager, redirect_stderr, redirect_stdout

from autograder.proxy import Unverifiable
from autograder.reads import parse
from autograder.session import StudentCodeError
from autograder.spec import TestCell

HIDDEN = "a hidden test failed"
TEST_MEMORY_BYTES = 2**30  # what a test cell may map beyond what the grader has mapped when it starts


def failing_line(error: BaseException, label: str) -> int:
    """The line of the test cell where the error passed last (0 if it did not pass through the cell)."""
    line, trace = 0, error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == label:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def execute(test: TestCell, namespace: dict, label: str) -> None:
    tree = parse(test.source)  # the tree the spec read, not parsed again for every submission
    if tree is None:
        raise SyntaxError(f"{label} is not Python")
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = ast.Module(body=tree.body[:-1] if last else tree.body, type_ignores=[])
    exec(compile(body, label, "exec"), namespace)  # noqa: S102 (the instructor's test code)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), label, "eval"), namespace)
        if value is not None:
            raise Unverifiable("its last line shows a value, which nbgrader takes as partial credit")


class GraderTimeout(BaseException):
    """The test cell ran here longer than its limit (on data the student's code sent back)."""


@contextmanager
def time_limit(seconds: float):
    """Raise GraderTimeout in this thread after `seconds` (only the main thread can receive the alarm)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise GraderTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def mapped_bytes() -> int:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def memory_limit(extra_bytes: int):
    """Let this process map at most `extra_bytes` more while the block runs (beyond that, MemoryError).
    Only the soft limit changes, so the sandboxes a restart starts meanwhile set their own."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mapped_bytes() + extra_bytes
    for bound in (soft, hard):
        if bound != resource.RLIM_INFINITY:
            limit = min(limit, bound)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run(test: TestCell, namespace: dict, seconds: float) -> str:
    """Run the test cell; return why it failed, in words safe to show the student ('' if it passed).
    StudentCodeError, Unverifiable and GraderTimeout (after `seconds`) propagate; running out of
    memory (TEST_MEMORY_BYTES) fails the test."""
    label = f"<{test.grade_id}>"
    stderr = io.StringIO()
    with (
        time_limit(seconds),
        memory_limit(TEST_MEMORY_BYTES),
        redirect_stdout(io.StringIO()),
        redirect_stderr(stderr),
        warnings.catch_warnings(record=True) as caught,
    ):
        # shown as in a fresh kernel: once per place, and not the categories Python hides by default
        warnings.simplefilter("default")
        for hidden in (ResourceWarning, ImportWarning, PendingDeprecationWarning):
            warnings.simplefilter("ignore", hidden)
        try:
            execute(test, namespace, label)
        except StudentCodeError as error:
            if failing_line(error, label) in test.hidden_lines:
                raise StudentCodeError("it failed during a hidden test", error.timed_out) from None
            raise
        except Exception as error:  # noqa: BLE001 (any failure of a test is a failed test)
            if failing_line(error, label) in test.hidden_lines:
                return HIDDEN
            return f"{type(error).__name__}: {str(error)[:2000]}"
    if caught or stderr.getvalue():
        first = str(caught[0].message) if caught else stderr.getvalue().strip().splitlines()[0]
        return f"a warning was written to stderr ({first}); nbgrader gives such a cell zero"
    return ""
