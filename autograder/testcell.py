"""Running one test cell's code in the grader, and what its failure may tell the student.

The cell runs whole, as in a kernel (hidden tests may sit anywhere, in a loop or a function); its
hidden lines are known from the source, so a failure that passed through a hidden line (a visible
helper called from one included) says only "a hidden test failed". A failure elsewhere says what
the failing statement raised, quoting its message (`quote`), or, once the student's code may hold
what the instructor's reference answered it (autograder.verdict.Disclosure), only the visible
statement and the builtin exception: a message may format any value the student's code returned or
raised, and it reaches the student, who can resubmit. As in nbgrader, the cell passes when it raises
nothing and nothing reaches stderr; a value shown by its last line would be nbgrader's partial
credit, which only the faithful run can give.

Data the student's code sent back is bounded (autograder.replies), but the test's own code may still
spend it lavishly (a loop, a broadcast): the cell runs under a time limit and an address-space
limit of its own, and a test that exceeds either fails instead of stopping the grader.
"""

import ast
import builtins
import io
import os
import resource
import signal
import threading
import warnings
from contextlib import contextmanager, redirect_stderr, redirect_stdout

from autograder.proxy import Unverifiable
from autograder.reads import parse
from autograder.session import StudentCodeError, builtin_name
from autograder.spec import TestCell

HIDDEN = "a hidden test failed"
TEST_MEMORY_BYTES = 2**30  # what a test cell may map beyond what the grader has mapped when it starts
STATEMENT_CHARS = 1000  # of a failing visible statement, as quoted to the student


class TestFailure(StudentCodeError):
    """The student's code failed during a test; the message is what the student may be told of it."""


def exception_name(error: BaseException) -> str:
    """The builtin exception `error` is an instance of (the student's own raise is one of ours, see
    autograder.session.student_error), or "an exception"."""
    kinds = [k for k in type(error).__mro__ if getattr(builtins, k.__name__, None) is k]
    return builtin_name(kinds[0].__name__) if kinds else "an exception"


def cell_lines(error: BaseException, label: str) -> list[int]:
    """The lines of the test cell the error passed through, outermost first."""
    lines, trace = [], error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == label:
            lines.append(trace.tb_lineno)
        trace = trace.tb_next
    return lines


def failing_line(error: BaseException, label: str) -> int:
    """The line of the test cell where the error passed last (0 if it did not pass through the cell)."""
    lines = cell_lines(error, label)
    return lines[-1] if lines else 0


def through_hidden(error: BaseException, test: TestCell, label: str) -> bool:
    """Whether the error passed through a hidden line (a visible helper called from one counts too)."""
    return any(line in test.hidden_lines for line in cell_lines(error, label))


def statement_at(test: TestCell, line: int) -> str:
    """The visible statement of the test at `line` (a compound statement's header), as its source says it."""
    tree, first, last = parse(test.source), line, line
    spans = []
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.stmt):
            inner = [child.lineno for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)]
            spans.append((node.lineno, max(node.lineno, min(inner) - 1) if inner else node.end_lineno))
    containing = [(a, b) for a, b in spans if a <= line <= b]
    if containing:
        first, last = min(containing, key=lambda span: span[1] - span[0])
    if any(n in test.hidden_lines for n in range(first, last + 1)):
        first = last = line
    lines = test.source.splitlines()[first - 1 : last]
    return "\n".join(lines).strip()[:STATEMENT_CHARS]


def where(error: BaseException, test: TestCell, label: str) -> str:
    """Where in the test the error happened (not through a hidden line), as the source says it."""
    line = failing_line(error, label)
    return f"on line {line} of the test:\n{statement_at(test, line)}" if line else "in the test"


def failure(error: Exception, test: TestCell, label: str, quote: bool) -> str:
    """Why the test failed, in words safe to show the student."""
    if through_hidden(error, test, label):
        return HIDDEN
    if quote:
        return f"{type(error).__name__}: {str(error)[:2000]}"
    return f"{exception_name(error)} {where(error, test, label)}"


def student_failure(error: StudentCodeError, test: TestCell, label: str, quote: bool) -> TestFailure:
    """The student's code failing during the test, as the student may be told it."""
    if through_hidden(error, test, label):
        return TestFailure("it failed during a hidden test", error.timed_out)
    if quote:
        return TestFailure((str(error).splitlines() or [""])[0][:300], error.timed_out)
    what = "it did not finish in time" if error.timed_out else f"it raised {exception_name(error)}"
    return TestFailure(f"{what} {where(error, test, label)}", error.timed_out)


def told(error: StudentCodeError) -> str:
    """What the student may be told of a failure of its code (outside a test, only what kind it was)."""
    if isinstance(error, TestFailure):
        return str(error)
    return "it did not finish in time" if error.timed_out else "its reply could not be used"


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


def run(test: TestCell, namespace: dict, seconds: float, quote: bool = True) -> str:
    """Run the test cell; return why it failed, in words safe to show the student ('' if it passed),
    quoting the failure's message only with `quote`. The student's code failing raises TestFailure;
    Unverifiable and GraderTimeout (after `seconds`) propagate; running out of memory
    (TEST_MEMORY_BYTES) fails the test."""
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
            raise student_failure(error, test, label, quote) from None
        except Exception as error:  # noqa: BLE001 (any failure of a test is a failed test)
            return failure(error, test, label, quote)
    if caught or stderr.getvalue():
        what = f"a {caught[0].category.__name__}" if caught else "something"
        return f"the test wrote {what} to stderr; nbgrader gives such a cell zero"
    return ""
