"""One submission's sandbox, seen from the grader: requests, restarts, time budget, and calls back.

The student's cells run in the sandbox in order and are kept, so that after the worker is lost
(a timeout, a crash) a fresh one gets them replayed. No sequence of restarts outlasts the
submission's budget: every request waits at most what is left of it. While the sandbox answers a
request, the student's code may call a function the grader serves (the instructor's reference, see
autograder.reference); only the names the grader chose to serve for the current test are answered.
"""

import builtins
import time

from autograder import calls, reference
from autograder.replies import check_reply
from autograder.sandbox import Limits, Sandbox, SandboxDied, SandboxError, SandboxTimeout
from autograder.wire import WireError


class StudentCodeError(Exception):
    """The student's code raised, ran out of time, or ended its process, during a test."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


def builtin_name(name: str) -> str:
    """`name` if it names a builtin exception, else "an exception": a name the student's code chose
    may carry anything it saw (what the grader tells the student never quotes the student's code)."""
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, BaseException) and kind not in (Exception, BaseException):
        return name
    return "an exception"


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


class Session:
    def __init__(self, helpers: list, slot: int, limits: Limits, timeout: float, budget: float, submission=None):
        self.sandbox = Sandbox(helpers, limits, slot, submission=submission)
        self.timeout = timeout
        self.budget_end = time.monotonic() + budget
        self.history: list[tuple[str, str]] = []
        self.deadline = 0.0
        self.wrote_stderr = False
        self.served: dict = {}  # name -> the grader's function that the sandbox may call back
        self.calls = 0  # calls of the student's functions so far (autograder.proxy fetches values after them)
        self.refused = ""  # why a call back was refused or stopped (the test then fails, whatever the code did)

    def left(self, limit: float) -> float:
        return min(limit, self.budget_end - time.monotonic())

    def restart(self) -> None:
        self.sandbox.stop()
        self.served = {}
        survivors = []
        for label, source in self.history:
            if self.left(self.timeout) <= 0:
                break
            try:
                self.exchange({"op": "exec", "name": label, "source": source}, self.left(self.timeout))
                survivors.append((label, source))
            except SandboxError:
                self.sandbox.stop()
        self.history = survivors

    def exchange(self, message: dict, timeout: float) -> dict:
        """Send a request; answer the calls back it causes, all within `timeout`; return its reply, if
        it has the form of an answer to `message` (autograder.replies); SandboxDied otherwise."""
        end = time.monotonic() + timeout
        reply = self.sandbox.request(message, timeout)
        while type(reply) is dict and "callback" in reply:
            if time.monotonic() >= end:
                self.sandbox.stop()
                raise SandboxTimeout(f"your code did not finish within {timeout:.0f} s")
            reply = self.sandbox.request(self.call_back(reply), end - time.monotonic())
        try:
            return check_reply(message, reply)
        except WireError as error:
            self.sandbox.stop()
            raise SandboxDied(f"the sandbox sent a reply the grader does not accept: {error}") from None

    def call_back(self, message: dict) -> dict:
        name = message["callback"]
        function = self.served.get(name) if type(name) is str else None
        if function is None:
            return {"ok": False, "error": f"{str(name)[:100]!r} is not served"}
        from autograder.testcell import memory_limit  # here: testcell imports this module

        try:
            with memory_limit(reference.MEMORY_BYTES):
                return {"ok": True, **calls.answer(function, message, reference.admit)}
        except (reference.Refused, MemoryError) as error:
            why = str(error) if isinstance(error, reference.Refused) else "it needed more memory than it may use"
            self.refused = self.refused or f"the grader did not run its {name} for your code: {why}"
            return {"ok": False, "error": self.refused}
        except Exception as error:  # noqa: BLE001 (the reference raising, or a malformed request)
            return {"ok": False, "error": f"{type(error).__name__}: {str(error)[:200]}"}

    def run_cell(self, label: str, source: str) -> str:
        """Run a cell in the sandbox; return what went wrong, in words safe to show the student (never
        what the student's code raised: it may carry what the code saw in a hidden test), or ''."""
        if self.left(self.timeout) <= 0:
            return f"{label}: not run, the submission's time budget is spent"
        try:
            reply = self.exchange({"op": "exec", "name": label, "source": source}, self.left(self.timeout))
        except SandboxError as error:
            self.restart()
            # a timeout says only our numbers; another failure's text may quote what the sandbox sent
            return f"{label}: {error if isinstance(error, SandboxTimeout) else 'the process running it ended'}"
        self.history.append((label, source))
        if not reply.get("ok"):
            error = reply.get("error", {})
            return f"{label}: raised {builtin_name(str(error.get('type')))}"
        return ""

    def ask(self, message: dict) -> dict:
        try:
            reply = self.exchange(message, self.left(self.deadline - time.monotonic()))
        except SandboxError as error:
            self.restart()
            raise StudentCodeError(str(error), timed_out=isinstance(error, SandboxTimeout)) from None
        self.wrote_stderr = self.wrote_stderr or reply["wrote_stderr"]
        if reply["ok"] is not True:
            raise student_error(reply["error"]["type"], reply["error"]["message"])
        return reply

    def serve(self, functions: dict) -> None:
        """From now on, the student's code calls these functions of the grader instead of its own."""
        if not functions and not self.served:
            return
        self.served = functions
        try:
            self.exchange({"op": "reference", "names": sorted(functions)}, self.left(self.timeout))
        except SandboxError:
            self.restart()  # a fresh worker has the student's own functions

    def close(self) -> None:
        self.sandbox.close()
