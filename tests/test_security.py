"""Issue 13, by cause: what the sandbox sends, what a submission holds, and what one student leaves
behind must not fool, read or stop the grader. Each test names the cause it covers. The corpus
(tests/test_autograder_corpus.py) holds the cases that need a whole class graded."""

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from autograder import frames, notebook, replies, sandbox, wire
from autograder.spec import read_spec
from autograder.submission import parse_notebook, read_submission, terminal_safe

SLOT = 20  # slots of their own: other tests may run sandboxes on the low ones at the same time
ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = "/usr/bin/python3"  # a Python another user may run (the venv's lives under /root)
THROWAWAY_UID = 12345


def self_sharing_tuple(levels: int):
    value = ()
    for _ in range(levels):
        value = (value, value)
    return value


# --- data from the sandbox is bounded: size, nodes, depth, expanded size, keys ---------------------


def test_self_sharing_tuples_are_refused_when_decoded():
    node = wire.encode(self_sharing_tuple(60))  # 60 levels on the wire, 2**60 nodes once expanded
    started = time.monotonic()
    with pytest.raises(wire.WireError, match="expands"):
        wire.decode(node)
    assert time.monotonic() - started < 1


def test_a_value_that_contains_itself_is_refused():
    loop = []
    loop.append(loop)
    with pytest.raises(wire.WireError, match="contains itself"):
        wire.decode(wire.encode(loop))


def test_sharing_within_bounds_still_decodes_with_identity():
    array = np.arange(3.0)
    pair = wire.decode(wire.encode((array, array)))
    assert pair[0] is pair[1]
    np.testing.assert_array_equal(pair[0], array)


def test_dict_keys_that_collide_in_the_hash_are_refused():
    colliding = {k * (2**61 - 1): 0 for k in range(1, 2000)}  # every key hashes to 0
    with pytest.raises(wire.WireError, match="dict key"):
        wire.decode(wire.encode(colliding))


def test_an_array_larger_than_the_bound_is_refused_before_decoding():
    node = {"t": "ndarray", "dtype": "float64", "shape": [2**31, 2**31, 2**31], "data": ""}
    with pytest.raises(wire.WireError):
        wire.decode(node)


def test_a_frame_of_many_small_nodes_is_refused_before_parsing():
    body = json.dumps({"v": [[] for _ in range(10**6)]}).encode()  # 4 MB that parse into 1e6 lists
    stream = io.BytesIO(frames.HEADER.pack(len(body)) + body)
    with pytest.raises(frames.FrameError, match="objects and arrays"):
        frames.read_frame(stream)


def test_a_deeply_nested_frame_is_a_frame_error_not_a_crash():
    body = b"[" * 200_000 + b"]" * 200_000
    with pytest.raises(frames.FrameError, match="nested"):
        frames.read_frame(io.BytesIO(frames.HEADER.pack(len(body)) + body))


def test_brackets_inside_strings_do_not_count():
    message = {"text": "[" * 10**6}
    assert frames.read_frame(io.BytesIO(frames.encode(message))) == message


def test_a_frame_over_the_size_limit_is_refused_unread():
    stream = io.BytesIO(frames.HEADER.pack(frames.MAX_FRAME + 1))
    with pytest.raises(frames.FrameError, match="over the limit"):
        frames.read_frame(stream)


def test_describe_is_bounded_whatever_the_value():
    np.set_printoptions(threshold=sys.maxsize)
    try:
        values = [self_sharing_tuple(200), "x" * 30 * 2**20, np.zeros(10**7), list(range(10**6)), {"\x1b[2J": 1}]
        started = time.monotonic()
        texts = [wire.describe(value, 200) for value in values]
    finally:
        np.set_printoptions(threshold=1000)
    assert time.monotonic() - started < 2
    assert all(len(text) <= 200 for text in texts)
    assert "\x1b" not in texts[-1]


def test_an_opaque_type_name_is_cut():
    value = wire.decode({"t": "opaque", "type": "A" * 10**6})
    assert len(repr(value)) < 200


# --- only replies to what was asked, in the worker's format ---------------------------------------

LOOKUP = {"op": "lookup", "names": ["relu"]}
OUTPUT = {"stdout": "", "stderr": "", "wrote_stderr": False}


def test_a_reply_naming_more_than_was_asked_is_refused():
    smuggled = {"relu": {"kind": "callable"}, "expected": {"kind": "value", "value": wire.encode(1.0)}}
    with pytest.raises(wire.WireError, match="answer exactly"):
        replies.check_reply(LOOKUP, {"ok": True, "names": smuggled, **OUTPUT})


def test_a_reply_with_extra_fields_or_the_wrong_kind_is_refused():
    with pytest.raises(wire.WireError):
        replies.check_reply(LOOKUP, {"ok": True, "names": {"relu": {"kind": "callable"}}, "bind": {}, **OUTPUT})
    with pytest.raises(wire.WireError):
        replies.check_reply(LOOKUP, {"ok": True, "names": {"relu": {"kind": "module"}}, **OUTPUT})
    call = {"op": "call", "name": "relu", "args": [wire.encode(1.0)], "kwargs": {}}
    with pytest.raises(wire.WireError, match="list of 1 items"):
        reply = {"ok": True, "args": [], "kwargs": {}, "value": wire.encode(0), "random_state": wire.encode(0)}
        replies.check_reply(call, {**reply, **OUTPUT})


def test_the_workers_real_replies_pass_the_check():
    box = sandbox.Sandbox([], slot=SLOT)
    try:
        cell = {"op": "exec", "name": "cell", "source": "def relu(x):\n    return x\ny = 2"}
        replies.check_reply(cell, box.request(cell, 30))
        lookup = {"op": "lookup", "names": ["relu", "y", "z"]}
        replies.check_reply(lookup, box.request(lookup, 30))
        call = {"op": "call", "name": "relu", "args": [wire.encode(np.ones(2))], "kwargs": {"k": wire.encode(1)}}
        call["random_state"] = wire.encode(np.random.get_state())
        replies.check_reply(call, box.request(call, 30))  # relu takes no k: the error reply is in the format too
    finally:
        box.close()


# --- submitted files: no links, no special files, bounded size and depth --------------------------


def test_a_notebook_that_is_a_link_to_a_classmates_is_refused(tmp_path):
    classmate = tmp_path / "classmate.ipynb"
    classmate.write_text(json.dumps({"nbformat": 4, "cells": []}))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "a.ipynb").symlink_to(classmate)
    cells, problem = parse_notebook(tmp_path / "mine" / "a.ipynb")
    assert cells is None and "symbolic link" in problem


def test_a_submission_folder_that_is_a_link_is_refused(tmp_path):
    (tmp_path / "classmate").mkdir()
    (tmp_path / "classmate" / "a.ipynb").write_text(json.dumps({"nbformat": 4, "cells": []}))
    (tmp_path / "mine").symlink_to(tmp_path / "classmate")
    cells, problem = parse_notebook(tmp_path / "mine" / "a.ipynb")
    assert cells is None and "symbolic link" in problem


def read_in_a_child(path: Path) -> str:
    """parse_notebook's message, from a separate process (a hang fails the test instead of stopping it)."""
    code = f"from pathlib import Path\nfrom autograder.submission import parse_notebook\nprint(parse_notebook(Path({str(path)!r}))[1])"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=20, cwd=ROOT, check=False
    )
    return done.stdout


def test_a_special_file_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "a.ipynb")
    assert "not a regular file" in read_in_a_child(tmp_path / "a.ipynb")
    os.symlink("/dev/zero", tmp_path / "b.ipynb")
    assert "symbolic link" in read_in_a_child(tmp_path / "b.ipynb")


def test_deeply_nested_notebook_json_is_unreadable_not_a_crash(tmp_path):
    path = tmp_path / "a.ipynb"
    path.write_text('{"nbformat": 4, "cells": [], "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}")
    cells, problem = parse_notebook(path)
    assert cells is None and "nested" in problem


def test_an_oversized_notebook_is_refused_unparsed(tmp_path):
    path = tmp_path / "a.ipynb"
    cell = {"cell_type": "code", "source": "x" * 60 * 2**20, "metadata": {}}
    path.write_text(json.dumps({"nbformat": 4, "cells": [cell]}))
    cells, problem = parse_notebook(path)
    assert cells is None and "limit" in problem


def test_flags_from_a_hostile_notebook_are_bounded_and_terminal_safe(tmp_path):
    release = ROOT / "release" / "fc_net" / "fc_net.ipynb"
    data = json.loads(release.read_text())
    graded = next(c for c in data["cells"] if c["metadata"].get("nbgrader", {}).get("grade"))
    graded["metadata"]["nbgrader"]["points"] = "\x1b]0;owned\x07" + "9" * 10**6
    data["cells"].append({**graded, "id": "mine", "metadata": {"nbgrader": {"grade_id": ["not", "a", "string"]}}})
    folder = tmp_path / "submitted"
    folder.mkdir()
    (folder / "fc_net.ipynb").write_text(json.dumps(data))
    (folder / "\x1b[2Jnumpy.py").write_text("")
    spec = read_spec(ROOT / "source" / "fc_net", "fc_net")
    submission = read_submission(folder, "student", spec, notebook.read(release))
    assert submission.status == "ok"
    assert any("changed the points" in flag for flag in submission.flags)
    assert any("unknown grade id" in flag for flag in submission.flags)
    assert all(len(flag) <= 400 and "\x1b" not in flag and "\x07" not in flag for flag in submission.flags)


def test_submission_text_is_made_safe_for_a_terminal():
    text = "score\x1b[2J\x1b]0;owned\x07\r\u202egnp.exe\x9b31m\tok\n" + "y" * 5000
    safe = terminal_safe(text, 100)
    assert len(safe) <= 100 + 60  # each escaped character grows a little
    assert not any(ch in safe for ch in "\x1b\x07\r\u202e\x9b")
    assert "\\x1b[2J" in safe and "\tok\n" in safe


# --- the sandbox: tmpfs, /tmp, nothing left for the next student, a budget -------------------------


def run_cells(box: sandbox.Sandbox, *sources: str, timeout: float = 30) -> list[dict]:
    return [box.request({"op": "exec", "name": "cell", "source": s}, timeout) for s in sources]


def value_of(box: sandbox.Sandbox, name: str):
    found = box.request({"op": "lookup", "names": [name]}, 30)["names"][name]
    return wire.decode(found["value"])


def test_a_link_among_the_files_for_the_working_copy_is_refused(tmp_path):
    (tmp_path / "helper.py").symlink_to(ROOT / "source" / "fc_net" / "fc_net.ipynb")
    box = sandbox.Sandbox([tmp_path / "helper.py"], slot=SLOT)
    try:
        with pytest.raises(sandbox.SandboxDied, match="symbolic link"):
            run_cells(box, "x = 1")
    finally:
        box.close()


def test_tmp_is_private_and_writable_by_the_sandbox_user():
    box = sandbox.Sandbox([], slot=SLOT)
    try:
        reply = run_cells(box, "open('/tmp/scratch', 'w').write('x')")[0]
        assert reply["ok"], reply.get("error")
    finally:
        box.close()


@pytest.mark.skipif(
    not sandbox.bubblewrap_works() or not sandbox.matplotlib_font_lists(), reason="needs bubblewrap and a font list"
)
def test_the_sandbox_reads_the_graders_matplotlib_font_list_and_a_student_cannot_change_it():
    """matplotlib in the sandbox finds the list set-up built (so it does not build one at every start),
    read-only: a mount under /tmp, which each submission's new /tmp keeps (a venv under /tmp too)."""
    spoil = "import matplotlib, os; os.chdir(matplotlib.get_cachedir()); found = sorted(os.listdir())\n"
    spoil += "for name in found:\n    os.chmod(name, 0o666)\n    open(name, 'w').write('{}')"
    read = "import matplotlib, os; os.chdir(matplotlib.get_cachedir()); lists = [open(n).read() for n in os.listdir()]"
    first, second = sandbox.Sandbox([], slot=SLOT), sandbox.Sandbox([], slot=SLOT)
    try:
        spoiled = run_cells(first, spoil)[0]
        assert not spoiled["ok"] and "Read-only file system" in spoiled["error"]["message"]
        assert value_of(first, "found") == [path.name for path in sandbox.matplotlib_font_lists()]
        first.close()
        assert run_cells(second, read)[0]["ok"]
        assert value_of(second, "lists") == [path.read_text() for path in sandbox.matplotlib_font_lists()]
    finally:
        first.close()
        second.close()


ESCAPE = """
import ctypes, os, subprocess
libc = ctypes.CDLL(None, use_errno=True)
NEWUSER, NEWNS = 0x10000000, 0x20000
def clone_made_one():  # clone(CLONE_NEWUSER | SIGCHLD) by its number, as the C library would
    pid = libc.syscall({"x86_64": 56, "aarch64": 220}[os.uname().machine], NEWUSER | 17, 0, 0, 0, 0)
    if pid == 0:
        os._exit(0)
    return pid > 0
made = {
    "unshare user": libc.unshare(NEWUSER) == 0,
    "unshare mount": libc.unshare(NEWNS) == 0,
    "clone user": clone_made_one(),
    "unshare command": subprocess.run(["unshare", "--user", "true"], capture_output=True).returncode == 0,
    "tmpfs": libc.mount(b"tmpfs", b"/tmp", b"tmpfs", 0, b"size=1g") == 0,
    "capabilities": open("/proc/self/status").read().split("CapEff:")[1].split()[0] != "0" * 16,
}
"""


@pytest.mark.skipif(not sandbox.bubblewrap_works(), reason="needs bubblewrap")
def test_student_code_can_make_no_namespace_mount_or_capability_of_its_own():
    """Each submission's namespaces are made by a fork of the slot's sandbox process; what made them
    must not be left to the student's code, which could then mount a tmpfs of any size."""
    box = sandbox.Sandbox([], slot=SLOT)
    try:
        assert run_cells(box, ESCAPE)[0]["ok"]
        assert value_of(box, "made") == dict.fromkeys(
            ["unshare user", "unshare mount", "clone user", "unshare command", "tmpfs", "capabilities"], False
        )
    finally:
        box.close()


@pytest.mark.skipif(not sandbox.bubblewrap_works(), reason="needs bubblewrap")
def test_a_submission_inherits_no_descriptor_from_the_ones_before():
    """The slot's sandbox outlives submissions: what it opens for one must not pile up in the next."""
    counts = []
    for _ in range(3):
        box = sandbox.Sandbox([], slot=SLOT)
        try:
            assert run_cells(box, "import os; fds = sorted(os.listdir('/proc/self/fd'))")[0]["ok"]
            counts.append(len(value_of(box, "fds")))
        finally:
            box.close()
    assert counts[0] == counts[1] == counts[2], counts


@pytest.mark.skipif(not sandbox.bubblewrap_works(), reason="needs bubblewrap")
def test_bubblewrap_is_not_used_where_a_submission_cannot_get_namespaces_of_its_own(monkeypatch):
    """As on a system that lets bubblewrap make a user namespace and refuses a nested one: without
    this test every submission would fail to start, instead of the grader saying it runs weaker."""
    made = sandbox.bubblewrap_command

    def refusing(python, limits, uid):
        command = made(python, limits, uid)
        inner = command.index("--unshare-user")
        return command[: inner + 1] + ["--disable-userns"] + command[inner + 1 :]

    monkeypatch.setattr(sandbox, "bubblewrap_command", refusing)
    monkeypatch.setattr(sandbox, "_probe", None)
    sandbox.bubblewrap_works.cache_clear()
    try:
        assert sandbox.bubblewrap_works() is False
    finally:
        sandbox.bubblewrap_works.cache_clear()
        monkeypatch.undo()
        assert sandbox.bubblewrap_works() is True


@pytest.mark.skipif(not sandbox.bubblewrap_works(), reason="needs bubblewrap")
def test_files_sent_for_a_submission_that_did_not_start_never_reach_the_next(monkeypatch, tmp_path):
    """The slot's sandbox is sent a submission's files before the submission itself: if that fails
    half-way, what it holds must not become the next student's working copy."""
    (tmp_path / "secret.txt").write_text("the first student's")
    handed = sandbox.hand_over

    def failing(control, message, kind, timeout):
        if message == b"submission":
            raise sandbox.SandboxDied("lost on the way")
        return handed(control, message, kind, timeout)

    first = sandbox.Sandbox([tmp_path / "secret.txt"], slot=SLOT)
    with monkeypatch.context() as patch:
        patch.setattr(sandbox, "hand_over", failing)
        with pytest.raises(sandbox.SandboxDied):
            run_cells(first, "x = 1")
    first.close()
    second = sandbox.Sandbox([], slot=SLOT)
    try:
        assert run_cells(second, "import os; here = sorted(os.listdir('.'))")[0]["ok"]
        assert value_of(second, "here") == []
    finally:
        second.close()


@pytest.mark.skipif(not sandbox.bubblewrap_works(), reason="needs bubblewrap")
def test_a_sandbox_is_killed_once_however_often_it_is_stopped(monkeypatch):
    """After its process is reaped, its number may be another process's: stopping again kills nothing."""
    template = sandbox.Template(sandbox.Limits(), sandbox.sandbox_uid(SLOT + 6))  # a user no other sandbox has
    killed = []
    kill = os.killpg
    monkeypatch.setattr(sandbox.os, "killpg", lambda pid, sig: (killed.append(pid), kill(pid, sig)))
    template.stop()
    template.stop()
    assert killed == [template.process.pid]


def test_student_code_may_rewrite_the_files_it_handed_in(tmp_path):
    """As in nbgrader's autograded/: a notebook overwrites an output it saved when the student ran it."""
    handed_in = tmp_path / "work"
    (handed_in / "data").mkdir(parents=True)
    (handed_in / "saved.txt").write_text("from the student's run\n")
    (handed_in / "data" / "words.txt").write_text("a b c\n")
    box = sandbox.Sandbox([handed_in / "saved.txt", handed_in / "data"], slot=SLOT)
    try:
        replies = run_cells(
            box,
            "open('saved.txt', 'w').write('rewritten')",
            "open('data/new.txt', 'w').write(open('data/words.txt').read())",
            "back = open('saved.txt').read() + '|' + open('data/new.txt').read()",
        )
        assert [r["ok"] for r in replies] == [True] * 3, [r.get("error") for r in replies]
        assert value_of(box, "back") == "rewritten|a b c\n"
    finally:
        box.close()


BUBBLEWRAP = pytest.mark.skipif(not sandbox.bubblewrap_works(), reason="needs bubblewrap")


@BUBBLEWRAP
def test_the_writable_space_is_size_capped_tmpfs_and_the_rest_is_read_only():
    limits = sandbox.Limits(tmpfs_bytes=8 * 2**20)
    box = sandbox.Sandbox([], limits=limits, slot=SLOT)
    probe = """
import os
sizes = [os.statvfs(p).f_blocks * os.statvfs(p).f_frsize for p in ('.', '/tmp', '/dev/shm')]
def fill(path):
    try:
        with open(path, 'wb') as f:
            for _ in range(4):
                f.write(b'x' * 4 * 2**20)
        return 'filled'
    except OSError as error:
        return error.strerror
filled = [fill(p) for p in ('big', '/tmp/big', '/dev/shm/big')]
read_only = []
for p in ('/planted.py', '/grader/planted.py', '/dev/planted', '/usr/planted'):
    try:
        open(p, 'w')
        read_only.append(False)
    except OSError:
        read_only.append(True)
"""
    try:
        run_cells(box, probe)
        assert all(size <= 8 * 2**20 for size in value_of(box, "sizes")), value_of(box, "sizes")
        assert value_of(box, "filled") == ["No space left on device"] * 3
        assert value_of(box, "read_only") == [True] * 4
    finally:
        box.close()


LEAVE = """
import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
shm = libc.shmget(0x5EC, 4096, 0o1666)  # IPC_CREAT | 0666: a SysV segment for the next student
key = libc.syscall(248, b"user", b"planted", b"secret", 6, -4)  # add_key(..., KEY_SPEC_USER_KEYRING)
for path in ("/tmp/trace-issue13", "trace", "/dev/shm/trace-issue13"):
    try:
        open(path, "w").write("left behind")
    except OSError:
        pass
if os.fork() == 0:
    os.setsid()
    time.sleep(600)
    os._exit(0)
left = (shm >= 0, key > 0)
"""

FIND = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
keys = ctypes.create_string_buffer(64)
def parent_of(pid):
    return int(open(f"/proc/{pid}/status").read().split("PPid:")[1].split()[0])
ancestors = [int(os.readlink("/proc/self"))]  # as /proc numbers it (without bubblewrap it is the host's /proc)
while ancestors[-1] > 1:
    ancestors.append(parent_of(ancestors[-1]))
def mine(pid):  # a Python process of this user, besides this one and those that started it
    try:
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        return False
    uid = int(status.split("Uid:")[1].split()[0])
    return uid == os.getuid() and int(pid) not in ancestors and "python" in status.split()[1]
found = {
    "shm": libc.shmget(0x5EC, 0, 0) >= 0,
    "key": libc.syscall(250, 11, -4, keys, 64) > 0,  # keyctl(KEYCTL_READ, @u): the ids of its keys
    "files": [p for p in ("/tmp/trace-issue13", "trace", "/dev/shm/trace-issue13") if os.path.exists(p)],
    "sleepers": [p for p in os.listdir("/proc") if p.isdigit() and mine(p)],
}
"""


def left_and_found(slot: int, submissions: tuple = (None, None)) -> tuple:
    first = sandbox.Sandbox([], slot=slot, submission=submissions[0])
    second = sandbox.Sandbox([], slot=slot, submission=submissions[1])
    try:
        assert run_cells(first, LEAVE)[0]["ok"]
        left = value_of(first, "left")
        first.close()
        assert run_cells(second, FIND)[0]["ok"]
        return left, value_of(second, "found")
    finally:
        first.close()
        second.close()


@BUBBLEWRAP
def test_nothing_one_student_leaves_reaches_the_next():
    left, found = left_and_found(SLOT)
    assert left == (True, True)  # the traces were made
    assert found == {"shm": False, "key": False, "files": [], "sleepers": []}


@BUBBLEWRAP
def test_the_runs_of_one_submission_share_a_sandbox_and_the_next_submission_gets_a_new_one():
    ours, next_students = object(), object()
    left, found = left_and_found(SLOT + 3, (ours, ours))
    assert left == (True, True)
    assert "trace" in found["files"]  # the same student's files
    assert found["sleepers"] == []  # but each run starts without the earlier runs' processes
    sandbox.drop_zygote(SLOT + 3)
    left, found = left_and_found(SLOT + 3, (ours, next_students))
    assert left == (True, True)
    assert found == {"shm": False, "key": False, "files": [], "sleepers": []}


def system_python_has_numpy() -> bool:
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import numpy"], capture_output=True, check=False)
    return probe.returncode == 0


def without_bubblewrap(monkeypatch):
    """As if bubblewrap were missing; student code runs in the system's Python, which the slot's user
    can run (the venv's Python lives under /root here)."""
    monkeypatch.setattr(sandbox, "bubblewrap_works", lambda: False)
    monkeypatch.setattr(sandbox, "PYTHON", SYSTEM_PYTHON, raising=False)


AS_ROOT = pytest.mark.skipif(
    os.geteuid() != 0 or not system_python_has_numpy(), reason="needs root (to switch users) and the system's numpy"
)


@AS_ROOT
def test_nothing_one_student_leaves_reaches_the_next_without_bubblewrap(monkeypatch):
    without_bubblewrap(monkeypatch)
    left, found = left_and_found(SLOT + 1)
    assert left == (True, True)
    assert found == {"shm": False, "key": False, "files": [], "sleepers": []}


@AS_ROOT
def test_without_bubblewrap_student_code_cannot_signal_the_grader_or_write_its_results(monkeypatch, tmp_path):
    without_bubblewrap(monkeypatch)
    victim = subprocess.Popen(["sleep", "60"])  # stands for the grader: root's process
    results = tmp_path / "results.json"
    results.write_text("{}")
    tmp_path.chmod(0o755)
    attack = f"""
import os, signal
for target in ({victim.pid},):  # never -1: a sandbox that failed to drop root would kill every process
    try:
        os.kill(target, signal.SIGKILL)
    except OSError:
        pass
try:
    open({str(results)!r}, "w").write('{{"score": 100}}')
except OSError:
    pass
"""
    box = sandbox.Sandbox([], slot=SLOT + 2)
    try:
        run_cells(box, attack)
        time.sleep(0.2)
        assert victim.poll() is None
        assert results.read_text() == "{}"
    finally:
        box.close()
        victim.kill()
        victim.wait()


def test_a_budget_bounds_every_wait_restarts_included():
    budget = sandbox.Budget(3)
    box = sandbox.Sandbox([], slot=SLOT, budget=budget)
    started = time.monotonic()
    outcomes = []
    try:
        for _ in range(5):  # each would take its 2 s timeout, then a restart
            try:
                run_cells(box, "while True:\n    pass", timeout=2)
            except sandbox.SandboxError as error:
                outcomes.append(type(error).__name__)
    finally:
        box.close()
    assert time.monotonic() - started < 3 + 1.5
    assert outcomes == ["SandboxTimeout"] * 5


@BUBBLEWRAP
def test_stopping_every_process_in_the_sandbox_costs_no_more_than_the_timeout():
    box = sandbox.Sandbox([], slot=SLOT)
    # kill(-1) only from inside a PID namespace of the sandbox's own (where the pids are small)
    stop_all = (
        "import os, signal\nif os.getpid() < 20:\n    os.kill(-1, signal.SIGSTOP)\nos.kill(os.getpid(), signal.SIGSTOP)"
    )
    started = time.monotonic()
    try:
        with pytest.raises(sandbox.SandboxError):
            run_cells(box, stop_all, timeout=2)
        assert run_cells(box, "x = 1")[0]["ok"]
        assert time.monotonic() - started < 2 + 3
    finally:
        box.close()


# --- as a normal user -------------------------------------------------------------------------------

PLACES = ["/planted.py", "/grader/planted.py", "/tmp/planted.py", "/dev/planted.py", "/submission/planted.py"]
PLANT = f"""
for place in {PLACES!r}:
    try:
        open(place, "w").write("print('I run in the next sandbox')")
    except OSError:
        pass
"""
AS_USER = f"""
import json
from autograder import sandbox, wire
first, second = sandbox.Sandbox([], slot=0), sandbox.Sandbox([], slot=0)
first.request({{"op": "exec", "name": "a", "source": {PLANT!r}}}, 30)
first.close()
find = "import os\\nfound = [p for p in {PLACES!r} if os.path.exists(p)]"
second.request({{"op": "exec", "name": "b", "source": find}}, 30)
found = second.request({{"op": "lookup", "names": ["found"]}}, 30)["names"]["found"]
print(json.dumps({{"bwrap": sandbox.bubblewrap_works(), "found": wire.decode(found["value"])}}))
second.close()
"""


@AS_ROOT
def test_as_a_normal_user_nothing_planted_reaches_the_next_sandbox():
    user = ["setpriv", f"--reuid={THROWAWAY_UID}", f"--regid={THROWAWAY_UID}", "--clear-groups"]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": "/tmp"}
    done = subprocess.run(
        [*user, SYSTEM_PYTHON, "-c", AS_USER], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"bwrap": True, "found": []}


def test_threads_are_not_needed_to_talk_to_a_sandbox():
    box = sandbox.Sandbox([], slot=SLOT)
    try:
        before = threading.active_count()
        run_cells(box, "x = 1")
        assert threading.active_count() == before
        assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
    finally:
        box.close()
