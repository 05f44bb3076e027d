"""Grading one submission: the student's cells run in the sandbox, the source's tests run here.

The test cells of the source notebook run in this process, in a namespace built from the source's
setup cells. Each name an answer cell defines is replaced by a proxy that calls the student's
function in the sandbox and brings back plain data (autograder.wire), with the changes it made to
its arguments and to numpy's global random state. So the expected values and the comparisons
never live in the process that runs the student's code.

A test cell earns its points when every part of it runs without an exception and nothing is
written to stderr, by the student's code or by the test: the rule nbgrader applies, so honest
submissions get the same scores as with `nbgrader autograde`.
"""

import builtins
import io
import sys
import time
import warnings
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder import wire
from autograder.sandbox import Limits, Sandbox, SandboxError, SandboxTimeout
from autograder.spec import AssignmentSpec, TestCell
from autograder.submission import read_submission


@dataclass
class CellResult:
    grade_id: str
    points: float
    score: float
    outcome: str  # "passed", "failed", "error", "timeout" or "not run"
    feedback: str = ""  # safe to show the student: never hidden test code or expected values


@dataclass
class Result:
    student: str
    assignment: str
    status: str  # "graded", "missing" or "unreadable"
    message: str = ""
    cells: list[CellResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.cells)


class StudentCodeError(Exception):
    """The student's code raised, ran out of time, or ended its process, during a test."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


def student_error(type_name: str, message: str) -> StudentCodeError:
    """A StudentCodeError that is also the builtin exception the student's code raised, if it was one,
    so that a test's `except ValueError` catches it as it would in one process."""
    builtin = getattr(builtins, type_name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception) and builtin is not StudentCodeError:
        try:
            return type(type_name, (StudentCodeError, builtin), {})(f"{type_name}: {message}")
        except TypeError:  # a builtin whose layout forbids the mix (OSError and its family)
            pass
    return StudentCodeError(f"{type_name}: {message}")


def copy_back(original, after) -> None:
    """Give an argument the changes the student's function made to its copy in the sandbox."""
    if type(original) is np.ndarray and type(after) is np.ndarray and original.shape == after.shape:
        if original.flags.writeable:
            np.copyto(original, after, casting="unsafe")
    elif type(original) is dict and type(after) is dict:
        for key in [k for k in original if k not in after]:
            del original[key]
        for key, value in after.items():
            if key in original and type(original[key]) is np.ndarray:
                copy_back(original[key], value)
            else:
                original[key] = value
    elif type(original) is list and type(after) is list:
        original[:] = after
    elif type(original) is tuple and type(after) is tuple and len(original) == len(after):
        for item, item_after in zip(original, after, strict=True):
            copy_back(item, item_after)


class Session:
    """One submission's sandbox and the student cells run in it so far (replayed after a restart)."""

    def __init__(self, helpers: list[Path], slot: int, limits: Limits, timeout: float):
        self.sandbox = Sandbox(helpers, limits, slot)
        self.timeout = timeout
        self.history: list[tuple[str, str]] = []
        self.deadline = 0.0
        self.wrote_stderr = False

    def restart(self) -> None:
        self.sandbox.stop()
        survivors = []
        for label, source in self.history:
            try:
                self.sandbox.request({"op": "exec", "name": label, "source": source}, self.timeout)
                survivors.append((label, source))
            except SandboxError:
                self.sandbox.stop()
        self.history = survivors

    def run_cell(self, label: str, source: str) -> str:
        """Run a cell in the sandbox; return what went wrong, or an empty string."""
        try:
            reply = self.sandbox.request({"op": "exec", "name": label, "source": source}, self.timeout)
        except SandboxError as error:
            self.restart()
            return f"{label}: {error}"
        self.history.append((label, source))
        if not reply.get("ok"):
            return f"{label}: {reply['error']['type']}: {reply['error']['message']}"
        return ""

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def ask(self, message: dict) -> dict:
        try:
            reply = self.sandbox.request(message, self.remaining())
        except SandboxError as error:
            self.restart()
            raise StudentCodeError(str(error), timed_out=isinstance(error, SandboxTimeout)) from None
        self.wrote_stderr = self.wrote_stderr or bool(reply.get("wrote_stderr"))
        if not reply.get("ok"):
            error = reply.get("error", {})
            raise student_error(str(error.get("type", "Error")), str(error.get("message", "")))
        return reply

    def lookup(self, names: list[str]) -> dict:
        return self.ask({"op": "lookup", "names": names})["names"]

    def close(self) -> None:
        self.sandbox.close()


class StudentFunction:
    """Stands in the test's namespace for a function the student defined.

    What the function returns arrives with its identities: a part of the result that is one of the
    arguments (`cache[3] is parameters`) is the test's own object, changed as the function changed it.
    """

    def __init__(self, name: str, session: Session):
        self.name = name
        self.session = session

    def __repr__(self) -> str:
        return f"<your function {self.name}>"

    def __call__(self, *args, **kwargs):
        encoder = wire.Encoder()
        request = {"op": "call", "name": self.name, "args": [encoder.encode(a) for a in args]}
        request["kwargs"] = {k: encoder.encode(v) for k, v in kwargs.items()}
        request["random_state"] = wire.encode(np.random.get_state())
        reply = self.session.ask(request)
        try:
            decoder = wire.Decoder()
            passed = [*args, *kwargs.values()]
            returned = [*reply["args"], *(reply["kwargs"][k] for k in kwargs)]
            for original, node in zip(passed, returned, strict=True):
                copy_back(original, decoder.decode(node))
                decoder.adopt(original, node)
            np.random.set_state(wire.decode(reply["random_state"]))
            return decoder.decode(reply["value"])
        except (KeyError, TypeError, ValueError) as error:
            raise StudentCodeError(f"the sandbox sent back something unreadable ({error})") from None


def bind_answers(namespace: dict, names: tuple[str, ...], session: Session) -> None:
    """Put the student's current definitions of the answer names into the test namespace."""
    for name, found in session.lookup(list(names)).items():
        if found.get("kind") == "callable":
            namespace[name] = StudentFunction(name, session)
        elif found.get("kind") == "value":
            namespace[name] = wire.decode(found["value"])
        else:
            namespace.pop(name, None)


def run_part(code: str, label: str, namespace: dict) -> str:
    """Run one part of a test cell; return how it failed ('' if it passed)."""
    stderr = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(stderr), warnings.catch_warnings(record=True) as caught:
        # shown as in a fresh kernel: once per place, and not the categories Python hides by default
        warnings.simplefilter("default")
        for hidden in (ResourceWarning, ImportWarning, PendingDeprecationWarning):
            warnings.simplefilter("ignore", hidden)
        try:
            exec(compile(code, f"<{label}>", "exec"), namespace)  # noqa: S102 (the instructor's test code)
        except StudentCodeError:
            raise
        except Exception as error:  # noqa: BLE001 (any failure of a test is a failed test)
            return f"{type(error).__name__}: {error}"
    if caught or stderr.getvalue():
        first = str(caught[0].message) if caught else stderr.getvalue().strip().splitlines()[0]
        return f"a warning was written to stderr ({first}); nbgrader gives such a cell zero"
    return ""


def run_test(test: TestCell, namespace: dict, session: Session, answer_names: tuple[str, ...]) -> CellResult:
    session.deadline = time.monotonic() + session.timeout
    session.wrote_stderr = False
    result = CellResult(test.grade_id, test.points, 0.0, "failed")
    try:
        bind_answers(namespace, answer_names, session)
        for code, hidden in test.parts:
            failure = run_part(code, test.grade_id, namespace)
            if failure:
                result.feedback = "a hidden test failed" if hidden else failure
                return result
    except StudentCodeError as error:
        result.outcome = "timeout" if error.timed_out else "error"
        result.feedback = f"your code failed during a test: {str(error).splitlines()[0][:300]}"
        return result
    if session.wrote_stderr:
        result.feedback = "your code wrote to stderr (for example a numpy warning); nbgrader gives such a cell zero"
        return result
    result.score, result.outcome, result.feedback = test.points, "passed", ""
    return result


@dataclass(frozen=True)
class Options:
    timeout: float = 30.0
    limits: Limits = field(default_factory=Limits)


def grade_submission(spec: AssignmentSpec, released, folder: Path, student: str, slot: int, options: Options) -> Result:
    """Grade the submission in `folder`; the folder itself is only read."""
    started = time.monotonic()
    submission = read_submission(folder, student, spec, released)
    if submission.status != "ok":
        cells = [CellResult(t.grade_id, t.points, 0.0, "not run") for t in spec.tests]
        return Result(student, spec.name, submission.status, submission.message, cells, submission.flags)
    result = Result(student, spec.name, "graded", flags=submission.flags)
    if str(spec.source_dir) not in sys.path:  # the setup cells import the source's helpers (rnn_utils)
        sys.path.insert(0, str(spec.source_dir))
    session = Session(spec.extra_files, slot, options.limits, options.timeout)
    namespace = {"__name__": "__main__"}
    try:
        problems = [session.run_cell(f"added cell {i}", s) for i, s in enumerate(submission.added.get("", []))]
        for step in spec.steps:
            if step.kind == "setup":
                exec(compile(step.source, f"<{step.grade_id}>", "exec"), namespace)  # noqa: S102 (the instructor's setup)
                problems.append(session.run_cell(step.grade_id, step.source))
            elif step.kind == "answer":
                problems += [session.run_cell(step.grade_id, s) for s in submission.answers.get(step.grade_id, [])]
            else:
                result.cells.append(run_test(step.test, namespace, session, spec.answer_names))
            added = submission.added.get(step.grade_id, [])
            problems += [session.run_cell(f"cell added after {step.grade_id}", s) for s in added]
    finally:
        session.close()  # ends the student's processes before the next submission
    result.message = "; ".join(p for p in problems if p)[:2000]
    result.seconds = time.monotonic() - started
    return result
