"""The independent verdict: each test cell of the source run in the grader, outside the student's process.

The student's cells run in the sandbox (autograder.session); the source's test cells run here, in a
namespace built from the source's setup cells and imports, where each name a test reads from the
student's notebook is a proxy or plain data brought back from the sandbox (autograder.proxy). Test
cells whose code needs the student's own process (autograder.verifiable) are "unverifiable" and
left to the faithful run. With the course setting `Verdict.reference_for_other_functions`
(nbgrader_config.py), a test cell's verdict uses the instructor's reference for the other graded
functions (autograder.reference): the test's own calls to them, and the calls the tested function
makes to those its reference solution calls.
"""

import builtins
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from autograder import magics, proxy, reference, testcell
from autograder.proxy import Unverifiable
from autograder.sandbox import Budget, Limits
from autograder.session import Session, StudentCodeError
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
    budget: Budget | None = None  # the submission's, when the faithful run shares it (autograder.faithful)
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

    def __init__(self, spec: AssignmentSpec, helpers: list[Path], slot: int, options: Options):
        self.spec, self.options = spec, options
        budget = options.timeout * (len(spec.steps) + 1) + BUDGET_CONSTANT
        if options.budget is not None:
            budget = options.budget.remaining()
        # the faithful run's sandbox, shared when it shares its budget: one student's two runs
        self.session = Session(helpers, slot, options.limits, options.timeout, budget, submission=options.budget)
        self.namespace = {"__name__": "__main__"}
        self.problems: list[str] = []
        self.from_student: set[str] = set(spec.answer_names)  # names the tests take from the sandbox
        if str(spec.source_dir) not in sys.path:  # the setup cells import the source's helpers (rnn_utils)
            sys.path.insert(0, str(spec.source_dir))
        exec(compile(spec.imports_read, "<imports>", "exec"), self.namespace)  # noqa: S102 (the source's)
        self.student_cell("IPython's builtins", KERNEL_BUILTINS)

    def student_cell(self, label: str, source: str) -> None:
        self.problems.append(self.session.run_cell(label, magics.plain_python(source)))

    def setup_cell(self, grade_id: str, source: str) -> None:
        exec(compile(source, f"<{grade_id}>", "exec"), self.namespace)  # noqa: S102 (the instructor's setup)
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
            direct, called = reference.helpers(self.spec, test.tested, test.reads)
            if direct or called:
                self.options.disclosure.quote = False  # from now on, the student's code has the reference's answers
                np.random.set_state(state)
                again = self.attempt(test, direct, called)
                if again.status == "passed":
                    used = ", ".join(sorted({*direct, *called}))
                    return replace(again, reason=f"passed with the instructor's {used} in place of yours")
                # failed again: the first attempt says why, in what was said before the reference answered
                return verdict if again.status == "failed" else again
        return verdict

    def attempt(self, test: TestCell, direct: dict, called: dict) -> Verdict:
        """Run the test cell, the names in `direct` being the instructor's, and the student's code
        calling the grader for those in `called`."""
        self.session.deadline = time.monotonic() + self.options.timeout
        self.session.wrote_stderr = False
        try:
            self.namespace.update(direct)
            proxy.bind(self.namespace, self.fetched(test, direct), self.session, reference.namespace(self.spec))
            self.session.serve(called)
            seconds, quote = self.options.timeout + GRADER_GRACE, self.options.disclosure.quote
            failure = testcell.run(test, self.namespace, seconds, quote)
        except Unverifiable as error:
            return Verdict(test.grade_id, "unverifiable", str(error))
        except testcell.GraderTimeout:
            self.session.restart()  # a reply may still be on its way: that worker is done
            reason = f"the test did not finish within {self.options.timeout + GRADER_GRACE:.0f} s"
            return Verdict(test.grade_id, "failed", reason, "timeout")
        except StudentCodeError as error:
            outcome = "timeout" if error.timed_out else "error"
            reason = f"your code failed during a test: {testcell.told(error)}"
            return Verdict(test.grade_id, "failed", reason, outcome)
        finally:
            self.session.serve({})
        if failure:
            return Verdict(test.grade_id, "failed", failure, "failed")
        if self.session.wrote_stderr:
            reason = "your code wrote to stderr (for example a numpy warning); nbgrader gives such a cell zero"
            return Verdict(test.grade_id, "failed", reason, "failed")
        return Verdict(test.grade_id, "passed", "", "passed")

    def close(self) -> None:
        # ends the student's processes, unless the submission's sandbox is shared (drop_zygote ends it)
        self.session.close()


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
    cells, cells the student added) runs in the sandbox as the student left it. Never raises; what
    the grader itself fails at is "unverifiable" (the faithful run's verdict then stands).
    """
    try:
        spec = spec_of(source_nb)
    except Exception:  # noqa: BLE001 (a source the grader cannot read has no verdict to give)
        return {}
    tests = {t.grade_id: t for t in spec.tests}
    setups = {s.grade_id: s.source for s in spec.steps if s.kind == "setup"}
    verdicts = {}
    try:
        run = Judge(spec, workdir_files, slot, options)
    except Exception as error:  # noqa: BLE001 (a failed start must not stop the batch, nor cost points)
        return {g: Verdict(g, "unverifiable", f"the grader could not start: {type(error).__name__}") for g in tests}
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
    except Exception as error:  # noqa: BLE001 (a grader bug on one notebook must not stop the batch, nor cost points)
        # the error's text may quote what the sandbox sent: only its type is said
        reason = f"the grader could not judge this notebook: {type(error).__name__}"
        verdicts.update({g: Verdict(g, "unverifiable", reason) for g in tests if g not in verdicts})
    finally:
        run.close()
    missing = "the submitted notebook has no such test cell"
    return {g: verdicts.get(g, Verdict(g, "failed", missing)) for g in tests}
