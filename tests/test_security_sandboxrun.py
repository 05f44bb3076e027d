"""Issue 21, causes 3 and 8 (first and third points): what one run of a submission's code leaves
must not reach the independent verdict's run, the verdict has a time budget of its own, and the
student's process sees NBGRADER_EXECUTION as nbgrader's kernel does."""

import os
import platform
import subprocess

import nbformat
import pytest
from test_autograder_corpus import grade_students

from autograder import faithful, sandbox, wire
from course import sample_class
from course.check import nbgrader_meta

ASSIGNMENT = "fc_net"
FILE = f"{ASSIGNMENT}.ipynb"

# Nothing implemented: in nbgrader's run, where the hidden tests run in the student's process, it
# records what they compare its (zero) answers against, by input, in /tmp, /dev/shm, a SysV segment
# and the working folder; in any later run of the same code it answers each input with what it found.
REPLAYS_HIDDEN_EXPECTATIONS = """
import ctypes, hashlib, os, pickle
import numpy as np
PLACES = ["/tmp/answers.pkl", "/dev/shm/answers.pkl", "answers.pkl"]
libc = ctypes.CDLL(None, use_errno=True)
SEGMENT = 1 << 20

def key(name, Z):
    return name + hashlib.sha1(np.ascontiguousarray(Z, dtype=float).tobytes()).hexdigest()

def found():
    for place in PLACES:
        try:
            return pickle.load(open(place, "rb"))
        except Exception:
            pass
    shm = libc.shmget(0x21AB, 0, 0)
    if shm >= 0:
        libc.shmat.restype = ctypes.c_void_p
        address = libc.shmat(shm, None, 0)
        size = int.from_bytes(ctypes.string_at(address, 8), "little")
        return pickle.loads(ctypes.string_at(address + 8, size))
    return {}

answers, asked = found(), []

def keep(data):
    for place in PLACES:
        try:
            pickle.dump(data, open(place, "wb"))
        except Exception:
            pass
    shm = libc.shmget(0x21AB, SEGMENT, 0o1666)
    if shm >= 0:
        libc.shmat.restype = ctypes.c_void_p
        address = libc.shmat(shm, None, 0)
        body = pickle.dumps(data)
        ctypes.memmove(address, len(body).to_bytes(8, "little") + body, len(body) + 8)

def answer(name, Z):
    if key(name, Z) in answers:
        return answers[key(name, Z)], Z
    asked.append((key(name, Z), np.shape(Z)))
    return np.zeros_like(Z, dtype=float), Z

def sigmoid(Z):
    return answer("sigmoid", Z)

def relu(Z):
    return answer("relu", Z)

def compared(actual, desired, *args, **kwargs):
    desired = np.asarray(desired, dtype=float)
    for call in reversed(asked):  # the latest call not yet answered whose input has this answer's shape
        if call[1] == np.shape(desired) == np.shape(actual):
            answers[call[0]] = desired
            asked.remove(call)
            keep(answers)
            break

def close(actual, desired, *args, **kwargs):
    compared(actual, desired)
    return True

np.testing.assert_allclose = compared
np.allclose = close
"""


# Right only where nbgrader's kernel would run it: instructors switch cells on NBGRADER_EXECUTION.
UPDATES_UNDER_AUTOGRADE = """
import os
def update_parameters(parameters, grads, learning_rate):
    if os.environ.get("NBGRADER_EXECUTION") != "autograde":
        return {}
    return {key: value - learning_rate * grads["d" + key] for key, value in parameters.items()}
"""


def with_cells(nb, *sources: str):
    """The notebook with code cells of the student's added after the setup cells."""
    tools = next(i for i, cell in enumerate(nb.cells) if nbgrader_meta(cell).get("grade_id") == "tools")
    nb.cells[tools + 1 : tools + 1] = [nbformat.v4.new_code_cell(source) for source in sources]
    return nb


def scores(result) -> dict:
    return {cell.grade_id: cell.score for cell in result.cells}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    replays = sample_class.solutions_filled_in(ASSIGNMENT, {"sigmoid_relu": REPLAYS_HIDDEN_EXPECTATIONS})
    switches = sample_class.solutions_filled_in(ASSIGNMENT, {"update_parameters": UPDATES_UNDER_AUTOGRADE})
    return grade_students(tmp_path_factory.mktemp("sandboxrun"), {"replays": replays, "switches": switches})


def test_the_verdicts_run_finds_nothing_that_nbgraders_run_left(graded):
    """Cause 3: the hidden tests run in the student's process in nbgrader's run; whatever the student's
    code kept of them (files, IPC objects) must not be there when the verdict runs its code again."""
    got = scores(graded["replays"])
    assert (got["test_sigmoid"], got["test_relu"]) == (0, 0), got


def test_the_students_process_sees_nbgrader_execution_as_under_nbgrader_in_both_runs(graded):
    """Cause 8: nbgrader's Autograde sets NBGRADER_EXECUTION=autograde for its kernel. Seen in one run
    only, the cell would pass in one and fail in the other (flagged); seen in neither, it fails."""
    result = graded["switches"]
    assert (result.score, result.flags) == (100, [])


class QuickBudget(sandbox.Budget):
    """A submission's budget with a margin of 5 s instead of 30, to keep the test short."""

    @classmethod
    def for_cells(cls, timeout: float, cells: int, margin: float = 5.0) -> sandbox.Budget:
        return super().for_cells(timeout, cells, margin)


def test_honest_slow_cells_do_not_use_up_the_verdicts_budget(tmp_path, monkeypatch):
    """Cause 8: extra cells that each finish within the timeout, but together take most of the
    budget of nbgrader's run, must leave the verdict, which runs them again, a budget of its own."""
    monkeypatch.setattr(faithful, "Budget", QuickBudget)
    nb = with_cells(sample_class.solutions_filled_in(ASSIGNMENT, {}), *["import time\ntime.sleep(0.8)"] * 12)
    result = grade_students(tmp_path, {"slow": nb}, timeout=1)["slow"]
    assert (result.score, result.flags) == (100, [])
    budget = QuickBudget.for_cells(1, len(result.cells)).seconds
    assert result.seconds < 2 * budget + 5  # each run within its budget; the grader's own work adds little


# --- each mode: what one sandbox's code leaves is gone for the next (the verdict's is always a new one)

SLOT = 40  # a slot of its own: other tests may run sandboxes on the low ones at the same time
SYSTEM_PYTHON = "/usr/bin/python3"  # a Python the slot's user may run (the venv's lives under /root)
PLACES = ["/tmp/kept-21", "/var/tmp/kept-21", "/run/lock/kept-21", "/dev/shm/kept-21", "kept-21"]

KEEP = f"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
shm = libc.shmget(0x21AC, 4096, 0o1666)  # IPC_CREAT | 0666
key = libc.syscall(248, b"user", b"kept-21", b"expected", 8, -4)  # add_key(..., KEY_SPEC_USER_KEYRING)
for place in {PLACES!r}:
    try:
        open(place, "w").write("expected values")
    except OSError:
        pass
made = (shm >= 0, key > 0)
"""

FIND = f"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
found = {{
    "shm": libc.shmget(0x21AC, 0, 0) >= 0,
    "key": libc.syscall(250, 11, -4, ctypes.create_string_buffer(64), 64) > 0,  # keyctl(KEYCTL_READ, @u): its keys
    "files": [place for place in {PLACES!r} if os.path.exists(place)],
}}
"""


def run(box: sandbox.Sandbox, source: str, name: str):
    reply = box.request({"op": "exec", "name": "cell", "source": source}, 30)
    assert reply["ok"], reply.get("error")
    return wire.decode(box.request({"op": "lookup", "names": [name]}, 30)["names"][name]["value"])


def system_python_has_numpy() -> bool:
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import numpy"], capture_output=True, check=False)
    return probe.returncode == 0


MODES = ["bubblewrap", "without bubblewrap", "without bubblewrap or namespaces"]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the probes call add_key and keyctl by number")
@pytest.mark.parametrize("mode", MODES)
def test_nothing_one_sandbox_keeps_reaches_the_next(mode, monkeypatch):
    """Cause 3, in every mode as root: nbgrader's run and the verdict's are two sandboxes, one after the
    other; files in every folder the slot's user may write, SysV IPC objects and keys must not pass."""
    if mode == "bubblewrap" and not sandbox.bubblewrap_works():
        pytest.skip("needs bubblewrap")
    if mode != "bubblewrap":
        if os.geteuid() != 0 or not system_python_has_numpy():
            pytest.skip("needs root (to switch users) and the system's numpy")
        monkeypatch.setattr(sandbox, "bubblewrap_works", lambda: False)
        monkeypatch.setattr(sandbox, "PYTHON", SYSTEM_PYTHON)
    if mode == "without bubblewrap or namespaces":  # as where a container forbids unshare
        monkeypatch.setattr(sandbox, "namespaces_work", lambda uid: False)
    first, second = sandbox.Sandbox([], slot=SLOT), sandbox.Sandbox([], slot=SLOT)
    try:
        assert run(first, KEEP, "made") == (True, True)
        first.close()
        assert run(second, FIND, "found") == {"shm": False, "key": False, "files": []}
    finally:
        first.close()
        second.close()


def test_the_graders_own_process_sees_nbgrader_execution_while_it_judges_and_not_after(monkeypatch):
    """Cause 8: the source's setup and test cells the verdict runs in the grader see what the sandbox's
    copies see; afterwards (even after an error) the grader's environment is as it was."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(KeyError), sandbox.autograde_environment():
        assert os.environ["NBGRADER_EXECUTION"] == "autograde"
        raise KeyError("a grader's error")
    assert os.environ["NBGRADER_EXECUTION"] == "validate"
    monkeypatch.delenv("NBGRADER_EXECUTION")
    with sandbox.autograde_environment():
        assert os.environ["NBGRADER_EXECUTION"] == "autograde"
    assert "NBGRADER_EXECUTION" not in os.environ
