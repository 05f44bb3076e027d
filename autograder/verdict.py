"""The independent verdict: each test cell of the source run in the grader, outside the student's process.

The student's cells run in the sandbox (autograder.session); the source's test cells run here, in a
namespace built from the source's setup cells and imports, where each name a test reads from the
student's notebook is a proxy or plain data brought back from the sandbox (autograder.proxy). With
the course setting `Verdict.reference_for_other_functions` (nbgrader_config.py), a test cell's
verdict uses the instructor's reference for the other graded functions (autograder.reference): the
test's own calls to them, and the calls the tested function makes to those its reference solution calls.

Fail closed: whether a test cell can be judged here is decided from the instructor's source, never
from the student's run. Cells whose code needs the student's own process (autograder.verifiable)
are "unverifiable" and left to the faithful run; so is a cell that meets something only the
student's process could check (an object, a generator, a callback) when run on the instructor's
reference (`decided_by_reference`). For every other cell, whatever stops its verdict (an object
where the reference has plain data, a reply of the wrong form, an exception in the grader, a crash,
a timeout, a spent budget) fails it.
"""

import builtins
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from autograder import magics, proxy, reference, testcell, worker
from autograder.proxy import TestNamespace, Unverifiable
from autograder.sandbox import Budget, Limits
from autograder.session import Session, StudentCodeError, student_error
from autograder.spec import AssignmentSpec, TestCell, read_spec

BUDGET_CONSTANT = 30.0  # seconds a submission may take beyond timeout x cells
# what a kernel has and the sandbox's plain Python lacks: a `display(x)` left in an answer must not cost it
KERNEL_BUILTINS = "import builtins\nbuiltins.display = lambda *objects, **options: None"
GRADER_GRACE = 5.0  # seconds a test cell may run here beyond the student's time limit


@dataclass
class Disclosure:
    """Whether a failure may quote what the student's code returned or raised: not once the
    instructor's reference has answered it (its code may keep the answers, in its process or its
    files, and hand them back in a later test's message). One per submission, all its notebooks."""

    quote: bool = True


@dataclass(frozen=True)
class Options:
    timeout: float = 30.0
    limits: Limits = field(default_factory=Limits)
    reference_for_other_functions: bool = False  # issue 14's course setting
    budget: Budget | None = None  # the verdicts' own, shared by a submission's notebooks (autograder.faithful)
    disclosure: Disclosure = field(default_factory=Disclosure, compare=False)  # the submission's

    @classmethod
    def from_config(cls, config, timeout: float) -> "Options":
        """The options a course's nbgrader configuration sets (`c.Verdict.reference_for_other_functions`)."""
        return cls(
            timeout=timeout, reference_for_other_functions=bool(config.Verdict.get("reference_for_other_functions"))
        )

    @classmethod
    def for_course(cls, root: Path, timeout: float) -> "Options":
        """The options set by the course's nbgrader_config.py, if it has one."""
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        config = Config()
        if (root / "nbgrader_config.py").is_file():
            config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        return cls.from_config(config, timeout)


@dataclass(frozen=True)
class Verdict:
    grade_id: str
    status: str  # "passed", "failed" or "unverifiable"
    reason: str  # for "failed": what failed, safe to show the student; for "unverifiable": the construct;
    # for "passed": empty, or which of the instructor's functions it passed with (the course setting)
    outcome: str = ""  # finer, for reports: "error" or "timeout" when the student's code failed


class Judge:
    """Judges one submission: runs its cells in order, in the sandbox or (tests) here."""

    def __init__(self, spec: AssignmentSpec, helpers: list[Path], slot: int, options: Options, session=None):
        self.spec, self.options = spec, options
        self.session = session or self.sandbox_session(helpers, slot)
        self.namespace = TestNamespace({"__name__": "__main__"})
        self.problems: list[str] = []
        self.from_student: set[str] = set(spec.answer_names)  # names the tests take from the sandbox
        if str(spec.source_dir) not in sys.path:  # the setup cells import the source's helpers (rnn_utils)
            sys.path.insert(0, str(spec.source_dir))
        exec(compile(spec.imports_read, "<imports>", "exec"), self.namespace)  # noqa: S102 (the source's)
        self.student_cell("IPython's builtins", KERNEL_BUILTINS)

    def sandbox_session(self, helpers: list[Path], slot: int) -> Session:
        options = self.options
        budget = options.timeout * (len(self.spec.steps) + 1) + BUDGET_CONSTANT
        if options.budget is not None:
            budget = options.budget.remaining()
        # one sandbox for the verdicts of a submission's notebooks (never nbgrader's run's: it ran the hidden tests)
        return Session(helpers, slot, options.limits, options.timeout, budget, submission=options.budget)

    def student_cell(self, label: str, source: str) -> None:
        """Run a cell in the sandbox; what the grader fails at (a cell too deeply nested to read) is
        a problem of that cell, which is then not run: the tests after it judge what is left."""
        try:
            self.problems.append(self.session.run_cell(label, magics.plain_python(source)))
        except Exception as error:  # noqa: BLE001 (RecursionError, MemoryError: nothing here may stop the verdicts)
            self.problems.append(f"{label}: the grader could not run this cell ({type(error).__name__})")

    def setup_cell(self, grade_id: str, source: str) -> None:
        try:
            exec(compile(source, f"<{grade_id}>", "exec"), self.namespace)  # noqa: S102 (the instructor's setup)
        except Exception as error:  # noqa: BLE001 (the tests that need it fail)
            self.problems.append(f"{grade_id}: the setup cell failed in the grader ({type(error).__name__})")
        self.student_cell(grade_id, source)

    def fetched(self, test: TestCell, direct: dict) -> list[str]:
        """The names the test reads that come from the student's notebook."""
        names = [
            name
            for name in test.reads
            if name not in direct
            and (name in self.from_student or (name not in self.namespace and not hasattr(builtins, name)))
        ]
        self.from_student.update(names)
        return names

    def test_cell(self, test: TestCell) -> Verdict:
        """The verdict on a test cell. With the course setting, a cell that fails with the student's
        own versions of the other graded functions is judged again with the instructor's."""
        if test.unverifiable:
            return Verdict(test.grade_id, "unverifiable", "; ".join(test.unverifiable))
        state = np.random.get_state()
        verdict = self.attempt(test, {}, {})
        if verdict.status == "failed" and verdict.outcome != "timeout" and self.options.reference_for_other_functions:
            try:
                direct, called = reference.helpers(self.spec, test.tested, test.reads)
            except Exception:  # noqa: BLE001 (no reference to judge with: the first verdict stands)
                return verdict
            if direct or called:
                self.options.disclosure.quote = False  # from now on, the student's code has the reference's answers
                np.random.set_state(state)
                again = self.attempt(test, direct, called)
                if again.status == "passed":
                    used = ", ".join(sorted({*direct, *called}))
                    return replace(again, reason=f"passed with the instructor's {used} in place of yours")
        # otherwise the first attempt stands: it says why, in what was said before the reference answered
        return verdict

    def attempt(self, test: TestCell, direct: dict, called: dict) -> Verdict:
        """The verdict of one run of the test cell; a call back the grader refused or stopped fails it,
        whatever the student's code made of the refusal."""
        self.session.refused = ""
        verdict = self.run_test(test, direct, called)
        if self.session.refused:
            return Verdict(test.grade_id, "failed", self.session.refused, "error")
        return verdict

    def run_test(self, test: TestCell, direct: dict, called: dict) -> Verdict:
        """Run the test cell, the names in `direct` being the instructor's, and the student's code
        calling the grader for those in `called`; here too within what is left of the submission's budget."""
        self.session.deadline = time.monotonic() + self.options.timeout
        self.session.wrote_stderr = False
        seconds = self.session.left(self.options.timeout + GRADER_GRACE)
        try:
            self.namespace.update(direct)
            proxy.bind(self.namespace, self.fetched(test, direct), self.session)
            self.session.serve(called)
            failure = testcell.run(test, self.namespace, seconds, self.options.disclosure.quote)
        except Unverifiable as error:
            return self.met_unverifiable(test, error)
        except testcell.GraderTimeout:
            self.session.restart()  # a reply may still be on its way: that worker is done
            reason = f"the test did not finish within {max(seconds, 0):.0f} s"
            return Verdict(test.grade_id, "failed", reason, "timeout")
        except StudentCodeError as error:
            outcome = "timeout" if error.timed_out else "error"
            reason = f"your code failed during a test: {testcell.told(error)}"
            return Verdict(test.grade_id, "failed", reason, outcome)
        except Exception as error:  # noqa: BLE001 (the grader failing on this cell fails this cell only)
            return Verdict(test.grade_id, "failed", f"the grader could not judge this test ({type(error).__name__})")
        finally:
            self.session.serve({})
        if failure:
            return Verdict(test.grade_id, "failed", failure, "failed")
        if self.session.wrote_stderr:
            reason = "your code wrote to stderr (for example a numpy warning); nbgrader gives such a cell zero"
            return Verdict(test.grade_id, "failed", reason, "failed")
        return Verdict(test.grade_id, "passed", "", "passed")

    def met_unverifiable(self, test: TestCell, error: Unverifiable) -> Verdict:
        """The verdict on a cell that met, in the student's run, something only the student's own
        process could check: unverifiable if the instructor's reference meets it too, else failed."""
        reason = decided_by_reference(self.spec, self.options).get(test.grade_id)
        if reason:
            return Verdict(test.grade_id, "unverifiable", reason)
        return Verdict(test.grade_id, "failed", f"the test could not be judged with your code: {str(error)[:300]}")

    def close(self) -> None:
        # ends the student's processes, unless the submission's sandbox is shared (drop_zygote ends it)
        self.session.close()


class ReferenceSession:
    """In place of the sandbox's Session: the instructor's reference answers, run here."""

    def __init__(self, names: dict):
        self.names = names
        self.calls, self.deadline, self.wrote_stderr, self.refused = 0, 0.0, False, ""

    def left(self, limit: float) -> float:
        return limit  # no budget: the reference is the instructor's

    def ask(self, message: dict) -> dict:
        handler = {"lookup": worker.lookup, "call": worker.call}[message["op"]]
        try:
            return handler(message, self.names)
        except Exception as error:  # noqa: BLE001 (the reference raising, as the student's code may)
            raise student_error(type(error).__name__, str(error)[:2000]) from None

    def run_cell(self, label: str, source: str) -> str:
        return ""  # the reference's namespace is built already (autograder.reference)

    def serve(self, functions: dict) -> None:
        pass

    def restart(self) -> None:
        pass

    def close(self) -> None:
        pass


class ReferenceJudge(Judge):
    """Judges the instructor's reference as if it were a submission: what it meets is the source's."""

    def __init__(self, spec: AssignmentSpec, options: Options):
        super().__init__(spec, [], 0, options, ReferenceSession(reference.namespace(spec)))

    def met_unverifiable(self, test: TestCell, error: Unverifiable) -> Verdict:
        return Verdict(test.grade_id, "unverifiable", str(error))


_decided: dict = {}


def decided_by_reference(spec: AssignmentSpec, options: Options) -> dict[str, str]:
    """For each test cell the static rules leave verifiable, what it meets when run on the instructor's
    reference that only a student's own process could check ("" for nothing): a function that returns
    a generator or an object, a callback the test passes in, a value shown as partial credit. Decided
    once per process and source, from the source alone."""
    key = (spec.source_dir, spec.name, spec.reference, tuple(spec.tests))
    if key not in _decided:
        state = np.random.get_state()
        run = ReferenceJudge(spec, replace(options, reference_for_other_functions=False, budget=None))
        reasons = {}
        for step in spec.steps:
            if step.kind == "setup":
                run.setup_cell(step.grade_id, step.source)
            elif step.kind == "test" and not step.test.unverifiable:
                verdict = run.test_cell(step.test)
                reasons[step.grade_id] = verdict.reason if verdict.status == "unverifiable" else ""
        np.random.set_state(state)
        _decided[key] = reasons
    return _decided[key]


def unjudged(spec: AssignmentSpec, grade_ids, reason: str) -> dict[str, Verdict]:
    """Verdicts for test cells the grader could not judge at all: failed, unless unverifiable by their source."""
    tests = {t.grade_id: t for t in spec.tests}
    return {
        g: Verdict(g, "unverifiable", "; ".join(tests[g].unverifiable))
        if g in tests and tests[g].unverifiable
        else Verdict(g, "failed", reason)
        for g in grade_ids
    }


_specs: dict = {}


def spec_of(source_nb: Path) -> AssignmentSpec:
    key = (source_nb.resolve(), source_nb.stat().st_mtime_ns)
    if key not in _specs:
        _specs[key] = read_spec(source_nb.parent, source_nb.stem, source_nb)
    return _specs[key]


def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def judge(source_nb: Path, submitted, workdir_files: list[Path], slot: int, options: Options) -> dict[str, Verdict]:
    """A verdict for each test cell of the source notebook, from the notebook nbgrader sanitized.

    Test cells and locked setup cells are the source's; every other code cell (answers, unmarked
    cells, cells the student added) runs in the sandbox as the student left it. Never raises: what
    the grader itself fails at fails the cells it stops (those unverifiable by their source aside).
    """
    spec = spec_of(source_nb)
    tests = {t.grade_id: t for t in spec.tests}
    setups = {s.grade_id: s.source for s in spec.steps if s.kind == "setup"}
    verdicts = {}
    try:
        run = Judge(spec, workdir_files, slot, options)
    except Exception as error:  # noqa: BLE001 (a failed start must not stop the batch)
        return unjudged(spec, tests, f"the grader could not start: {type(error).__name__}")
    try:
        cells = [c for c in submitted.get("cells", []) if c.get("cell_type") == "code"]
        for index, cell in enumerate(cells):
            if len(verdicts) == len(tests):
                break  # later cells cannot change a score
            grade_id = nbgrader_meta(cell).get("grade_id")
            if grade_id in tests and grade_id not in verdicts:
                verdicts[grade_id] = run.test_cell(tests[grade_id])
            elif grade_id in setups:
                run.setup_cell(grade_id, setups[grade_id])
            elif grade_id not in tests:
                run.student_cell(grade_id or f"cell {index}", cell.get("source", ""))
    except Exception as error:  # noqa: BLE001 (a notebook the grader cannot walk fails the cells left)
        reason = f"the grader could not judge this notebook ({type(error).__name__})"
        verdicts.update(unjudged(spec, [g for g in tests if g not in verdicts], reason))
    finally:
        run.close()
    missing = "the submitted notebook has no such test cell"
    return {g: verdicts.get(g, Verdict(g, "failed", missing)) for g in tests}
