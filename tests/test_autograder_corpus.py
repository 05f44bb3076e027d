"""The corpus: submissions that try every way we know to break, fool or escape the autograder,
each with the score, status and flag it must get. They are graded together, in one batch, by the
real pipeline (sandbox, workers, gradebook), on the fc_net assignment (100 points; the
update_parameters cell, which nothing else depends on, is worth 5)."""

import errno
import hashlib
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveAutoGrades

from autograder import sandbox
from autograder.batch import grade_class
from autograder.course_dir import Course
from autograder.grade import Options
from autograder.sandbox import bubblewrap_works
from course import paths, sample_class
from course.check import nbgrader_meta

ASSIGNMENT = "fc_net"
FILE = f"{ASSIGNMENT}.ipynb"


def correct():
    return sample_class.solutions_filled_in(ASSIGNMENT, {})


def blank():
    return nbformat.read(paths.release_notebook(ASSIGNMENT), as_version=4)


def update_parameters_as(body: str):
    code = "def update_parameters(parameters, grads, learning_rate):\n" + body
    return sample_class.solutions_filled_in(ASSIGNMENT, {"update_parameters": code})


def with_cell(nb, source: str):
    """The notebook with a code cell of the student's added after the setup cells."""
    tools = next(i for i, cell in enumerate(nb.cells) if nbgrader_meta(cell).get("grade_id") == "tools")
    nb.cells.insert(tools + 1, nbformat.v4.new_code_cell(source))
    return nb


def changed(nb, grade_id: str, change):
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            change(cell)
    return nb


def without_tests(nb):
    nb.cells = [c for c in nb.cells if not nbgrader_meta(c).get("grade")]
    return nb


def swapped(nb, first: str, second: str):
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells]
    i, j = ids.index(first), ids.index(second)
    nb.cells[i], nb.cells[j] = nb.cells[j], nb.cells[i]
    return nb


def as_markdown(cell):
    cell.update(nbformat.v4.new_markdown_cell(cell.source, id=cell.id, metadata=cell.metadata))
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


def notebook(nb, name: str = FILE) -> dict:
    return {name: nbformat.writes(nb).encode()}


@dataclass(frozen=True)
class Case:
    name: str
    files: dict
    score: float | tuple[float, ...]  # a tuple: any of these
    status: str = "graded"
    flag: str = ""  # a part of one of the flags it must get; "" means no flag at all


SOURCE_COPY = """\
import json
for cell in json.load(open({path!r}))["cells"]:
    if cell["metadata"].get("nbgrader", {{}}).get("solution"):
        exec("".join(cell["source"]))
"""


def corpus(course_root: Path, port: int) -> list[Case]:
    solutions = course_root / "source" / ASSIGNMENT / FILE
    classmate = course_root / "submitted" / "correct" / ASSIGNMENT / FILE
    return [
        Case("correct", notebook(correct()), 100),
        Case("blank", notebook(blank()), 0),
        # time and memory
        Case("infinite_loop", notebook(update_parameters_as("    while True:\n        pass\n")), 95),
        Case("sleeping", notebook(update_parameters_as("    import time\n    time.sleep(600)\n")), 95),
        # 4 GiB: more than the sandbox's address space, much less than the machine has
        Case("huge_allocation", notebook(update_parameters_as("    return np.ones(2**29)\n")), 95),
        Case(
            "output_flood",
            notebook(
                with_cell(
                    correct(), "import os\nfor _ in range(10**5):\n    print('x' * 1000)\nos.write(1, b'y' * 10**7)"
                )
            ),
            100,
        ),
        # the forking cell runs into the process cap and the time limit; whether the replays after it fit in the
        # submission's budget depends on the machine's load, so it may lose its own points, and only its own
        Case(
            "fork_bomb",
            notebook(with_cell(correct(), "import os\nwhile True:\n    os.fork()")),
            (0, 100),
            flag="os.fork",
        ),
        Case("top_level_loop", notebook(with_cell(correct(), "while True:\n    pass")), 100),
        # process tricks
        Case("sys_exit", notebook(update_parameters_as("    import sys\n    sys.exit(0)\n")), 95, flag="sys"),
        Case("os_exit", notebook(update_parameters_as("    import os\n    os._exit(1)\n")), 95, flag="os._exit"),
        Case(
            "kill_parent",
            notebook(update_parameters_as("    import os\n    os.kill(os.getppid(), 9)\n    os.kill(1, 9)\n")),
            95,
            flag="os.kill",
        ),
        Case(
            "segfault",
            notebook(update_parameters_as("    import ctypes\n    ctypes.string_at(0)\n")),
            95,
            flag="ctypes",
        ),
        # fooling the checks
        Case("ipython_and_numpy_patches", notebook(sample_class.cheating_attempt(ASSIGNMENT)), 0, flag="get_ipython"),
        Case(
            "builtins_patched",
            notebook(with_cell(blank(), "import builtins\nbuiltins.AssertionError = type('Never', (Exception,), {})")),
            0,
            flag="patches builtins.AssertionError",
        ),
        Case(
            "lying_eq",
            notebook(
                update_parameters_as(
                    "    class Liar(np.ndarray):\n        def __eq__(self, other):\n            return True\n"
                    "    return {k: np.zeros(v.shape).view(Liar) for k, v in parameters.items()}\n"
                )
            ),
            95,
        ),
        Case(
            "numpy_shadowed",
            {**notebook(blank()), "numpy.py": b"from sys import exit\nexit()\n"},
            0,
            flag="added numpy.py",
        ),
        Case(
            "hard_coded", notebook(sample_class.SUBMISSIONS["partial"](ASSIGNMENT)), 65, flag="copied from the visible"
        ),
        # tampering with the notebook
        Case(
            "tests_edited",
            notebook(changed(blank(), "test_sigmoid", lambda c: c.update(source="pass"))),
            0,
            flag="edited the locked cell test_sigmoid",
        ),
        # as nbgrader does: deleted test cells are left for a person to grade
        Case("tests_deleted", notebook(without_tests(correct())), 0, flag="deleted the cell test_relu"),
        Case(
            "test_duplicated",
            notebook(duplicated_test(correct())),
            0,
            status="error",  # nbgrader refuses the notebook, and says why
            flag="duplicated the cell test_relu",
        ),
        Case("tests_reordered", notebook(swapped(correct(), "test_sigmoid", "test_relu")), 100, flag="reordered"),
        Case(
            "points_changed",
            notebook(changed(correct(), "test_sigmoid", lambda c: nbgrader_meta(c).update(points=500))),
            100,
            flag="changed the points of test_sigmoid from 5 to 500",
        ),
        Case(
            "grade_id_changed",
            notebook(changed(correct(), "test_sigmoid", lambda c: nbgrader_meta(c).update(grade_id="test_mine"))),
            0,
            status="error",  # nbgrader refuses the notebook, and says why
            flag="unknown grade id test_mine",
        ),
        Case(
            "cell_type_changed",
            notebook(changed(correct(), "test_sigmoid", as_markdown)),
            100,
            flag="changed the cell test_sigmoid from code to markdown",
        ),
        # as nbgrader does: only the notebook of the released name is graded
        Case("notebook_renamed", notebook(correct(), "my_homework.ipynb"), 0, status="missing", flag="renamed"),
        Case("invalid_json", {FILE: b'{"cells": [ {"cell_type": '}, 0, status="unreadable"),
        Case("empty_file", {FILE: b""}, 0, status="unreadable"),
        Case("no_notebook", {"notes.txt": b"I forgot"}, 0, status="missing"),
        # reaching outside
        Case("reads_solutions", notebook(with_cell(blank(), SOURCE_COPY.format(path=str(solutions)))), 0, flag="open"),
        Case("copies_classmate", notebook(with_cell(blank(), SOURCE_COPY.format(path=str(classmate)))), 0, flag="open"),
        Case(
            "writes_outside",
            notebook(
                with_cell(
                    correct(),
                    f"import sqlite3\nopen({str(course_root / 'hacked.txt')!r}, 'w').write('x')\n"
                    f"sqlite3.connect({str(course_root / 'gradebook.db')!r}).execute('delete from grade')",
                )
            ),
            100,
            flag="open",
        ),
        Case(
            "network",
            notebook(
                with_cell(correct(), f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)")
            ),
            100,
            flag="socket",
        ),
    ]


def duplicated_test(nb):
    index = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == "test_relu")
    nb.cells.insert(index, nbformat.from_dict({**nb.cells[index], "id": "copy-of-test-relu"}))
    return nb


def fingerprint(folder: Path) -> dict:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


class Listener:
    """A loopback server that counts the connections it accepts."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course_root = tmp_path_factory.mktemp("corpus") / "course"
    sample_class.create(course_root, [ASSIGNMENT], ("correct",))
    listener = Listener()
    cases = corpus(course_root, listener.port)
    for case in cases:
        folder = course_root / "submitted" / case.name / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in case.files.items():
            (folder / name).write_bytes(content)
    before = fingerprint(course_root / "submitted")
    results = grade_class(Course(course_root), ASSIGNMENT, options=Options(timeout=5), workers=2, progress=False)
    listener.server.close()
    return course_root, cases, {r.student: r for r in results}, before, listener


def test_bubblewrap_is_what_ci_tests():
    assert bubblewrap_works(), "install bubblewrap (apt-get install bubblewrap): the corpus must run in the sandbox"


def test_every_case_gets_its_score_status_and_flag(graded):
    _, cases, results, _, _ = graded
    wrong = []
    for case in cases:
        result = results[case.name]
        got = (result.status, result.score)
        lost = [(c.grade_id, c.feedback[:80]) for c in result.cells if c.score < c.points]
        scores = case.score if isinstance(case.score, tuple) else (case.score,)
        if result.status != case.status or result.score not in scores:
            wrong.append(
                f"{case.name}: {got}, expected {(case.status, case.score)}; {result.message[:200]}; lost {lost}"
            )
        elif case.flag and not any(case.flag in flag for flag in result.flags):
            wrong.append(f"{case.name}: no flag with {case.flag!r} in {result.flags}")
        elif not case.flag and result.flags:
            wrong.append(f"{case.name}: unexpected flags {result.flags}")
    assert not wrong, "\n".join(wrong)
    # a missing, unreadable or refused submission is 0 out of the assignment's points, not 0 out of 0
    assert {case.name: results[case.name].max_score for case in cases} == {case.name: 100 for case in cases}
    messages = [results[case.name].message for case in cases]
    assert not [m for m in messages if "Traceback" in m], "a raw traceback reached a result's message"


def test_submitted_files_are_never_modified(graded):
    course_root, _, _, before, _ = graded
    assert fingerprint(course_root / "submitted") == before


def test_nothing_outside_the_sandbox_was_written_or_reached(graded):
    course_root, _, results, _, listener = graded
    assert not (course_root / "hacked.txt").exists()
    assert listener.connections == 0
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, "correct").score == 100
        assert gradebook.find_submission(ASSIGNMENT, "writes_outside").score == results["writes_outside"].score


LEAVES_TRACES = """\
import os
import time
open("/tmp/trace", "w").write("left behind")
open("trace", "w").write("left behind")
if os.fork() == 0:
    os.setsid()
    time.sleep(600)
    os._exit(0)
"""

# Loses update_parameters' 5 points if anything of an earlier submission is still there:
# a file in /tmp or in the working folder, or a process besides bwrap's, the slot's sandbox process,
# the submission's zygote and its own.
CHECKS_TRACES = """\
def update_parameters(parameters, grads, learning_rate):
    import os
    names = [open(f"/proc/{p}/comm").read().strip() for p in os.listdir("/proc") if p.isdigit()]
    others = [name for name in names if name != "bwrap"]
    if os.path.exists("/tmp/trace") or os.path.exists("trace") or len(others) > 3:
        return {}
    return {key: value - learning_rate * grads["d" + key] for key, value in parameters.items()}
"""


def test_nothing_of_one_submission_is_left_for_the_next(tmp_path):
    course_root = tmp_path / "course"
    sample_class.create(course_root, [ASSIGNMENT], ())
    submissions = {
        "a_leaves_traces": with_cell(correct(), LEAVES_TRACES),
        "b_checks_traces": sample_class.solutions_filled_in(ASSIGNMENT, {"update_parameters": CHECKS_TRACES}),
    }
    for student, nb in submissions.items():
        folder = course_root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / FILE)
    results = grade_class(Course(course_root), ASSIGNMENT, options=Options(timeout=5), workers=1, progress=False)
    assert [(r.student, r.score) for r in results] == [("a_leaves_traces", 100), ("b_checks_traces", 100)]


# Issue 13 causes whose fix lies in the engine (grade.py, batch.py, gradebook.py): these cases fail
# until the engine's rewrite lands; autograder.replies.check_reply and autograder.sandbox.Budget are
# what it needs.

# Rewires the sandbox's worker so that a lookup reply also binds `zip` in the test's namespace, as
# a function of the student's: the hidden part of test_linear_backward then hands its expected
# arrays to it, and it raises them back into the feedback.
FORGES_REPLIES = """\
import autograder.worker as worker
asked = worker.HANDLERS["lookup"]
def forged(request, namespace):
    reply = asked(request, namespace)
    reply["names"]["zip"] = {"kind": "callable"}
    return reply
worker.HANDLERS["lookup"] = forged
def zip(*pairs):
    raise ValueError("LEAKED " + repr(pairs))
"""

# Raises, with the argument it got, when called with the hidden part's input (test_relu's Z2).
LEAKS_HIDDEN_INPUTS = """
def relu(Z):
    if Z.shape == (2, 7):
        raise ValueError("LEAKED " + repr(Z))
    return np.maximum(Z, 0), Z
"""


def answer_ids() -> list[str]:
    source = nbformat.read(paths.source_notebook(ASSIGNMENT), as_version=4)
    return [nbgrader_meta(c)["grade_id"] for c in source.cells if nbgrader_meta(c).get("solution")]


def answer(grade_id: str) -> str:
    source = nbformat.read(paths.source_notebook(ASSIGNMENT), as_version=4)
    return next(c.source for c in source.cells if nbgrader_meta(c).get("grade_id") == grade_id)


def grade_students(tmp_path, submissions: dict, timeout: float = 5) -> dict:
    course_root = tmp_path / "course"
    sample_class.create(course_root, [ASSIGNMENT], ())
    for student, nb in submissions.items():
        folder = course_root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / FILE)
    results = grade_class(Course(course_root), ASSIGNMENT, options=Options(timeout=timeout), workers=1, progress=False)
    return {r.student: r for r in results}


def shown_to_the_student(result) -> str:
    return "\n".join([result.message, *(cell.feedback for cell in result.cells)])


def test_replies_the_grader_did_not_ask_for_are_not_bound_and_hidden_values_stay_hidden(tmp_path):
    results = grade_students(
        tmp_path,
        {
            "forges_replies": with_cell(correct(), FORGES_REPLIES),
            "leaks_hidden_inputs": sample_class.solutions_filled_in(
                ASSIGNMENT, {"sigmoid_relu": answer("sigmoid_relu") + LEAKS_HIDDEN_INPUTS}
            ),
        },
    )
    for student, result in results.items():
        assert "LEAKED" not in shown_to_the_student(result), (student, shown_to_the_student(result)[:500])
    assert results["forges_replies"].flags, "a reply that answers what was not asked is flagged"
    assert results["leaks_hidden_inputs"].cells[1].score == 0  # test_relu


def test_no_sequence_of_restarts_exceeds_the_submissions_budget(tmp_path):
    # eight cells that each take most of the timeout, replayed after every restart; then every graded
    # function times out, each timeout restarting the worker
    slow = "import time\ntime.sleep(0.9)"
    nb = sample_class.solutions_filled_in(ASSIGNMENT, {grade_id: "while True:\n    pass" for grade_id in answer_ids()})
    for _ in range(8):
        nb = with_cell(nb, slow)
    result = grade_students(tmp_path, {"restarts": nb}, timeout=1)["restarts"]
    tests = len(result.cells)
    # nbgrader's run and the verdicts each have a budget that bounds their waits for the sandbox; the
    # grader's own work adds a few seconds at most
    assert result.seconds <= 2 * (1 * tests + sandbox.BUDGET_MARGIN) + 5, result.seconds


def test_a_failed_gradebook_write_loses_no_other_students_results(tmp_path, monkeypatch):
    save = SaveAutoGrades.preprocess  # nbgrader's step that writes the scores to the gradebook

    def disk_full(self, nb, resources):
        if resources["nbgrader"]["student"] == "a_first":
            raise OSError(errno.ENOSPC, "No space left on device")
        return save(self, nb, resources)

    monkeypatch.setattr(SaveAutoGrades, "preprocess", disk_full)
    results = grade_students(tmp_path, {"a_first": correct(), "b_second": correct()})
    course_root = tmp_path / "course"
    assert results["b_second"].score == 100
    rows = (course_root / "reports" / f"{ASSIGNMENT}.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["a_first", "b_second"]
    assert Course(course_root).feedback_file("b_second", ASSIGNMENT).exists()


def test_links_and_special_files_are_refused_not_followed(tmp_path):
    course_root = tmp_path / "course"
    sample_class.create(course_root, [ASSIGNMENT], ("correct",))
    classmate = course_root / "submitted" / "correct" / ASSIGNMENT / FILE
    for student in ("links_to_classmate", "a_fifo", "folder_links_to_classmate"):
        (course_root / "submitted" / student).mkdir(parents=True)
    (course_root / "submitted" / "links_to_classmate" / ASSIGNMENT).mkdir()
    (course_root / "submitted" / "links_to_classmate" / ASSIGNMENT / FILE).symlink_to(classmate)
    (course_root / "submitted" / "a_fifo" / ASSIGNMENT).mkdir()
    os.mkfifo(course_root / "submitted" / "a_fifo" / ASSIGNMENT / FILE)
    (course_root / "submitted" / "folder_links_to_classmate" / ASSIGNMENT).symlink_to(classmate.parent)
    results = grade_class(Course(course_root), ASSIGNMENT, options=Options(timeout=5), workers=1, progress=False)
    outcome = {r.student: (r.status, r.score) for r in results}
    assert outcome == {
        "correct": ("graded", 100),
        "links_to_classmate": ("unreadable", 0),
        "a_fifo": ("unreadable", 0),
        "folder_links_to_classmate": ("unreadable", 0),
    }
    messages = {r.student: r.message for r in results}
    assert (
        "symbolic link" in messages["links_to_classmate"] and "symbolic link" in messages["folder_links_to_classmate"]
    )
    assert "not a regular file" in messages["a_fifo"]
