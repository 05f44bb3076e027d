"""Running the worker that executes student code: isolated where the system allows, limited always.

Under bubblewrap, each slot keeps one sandbox (see Template) whose process has imported numpy
once. For each submission it forks a zygote (see Zygote) in new user, mount, IPC, network and UTS
namespaces with fresh tmpfs on every writable place (the working copy, /tmp, /dev/shm), without
capabilities and unable to make more namespaces (autograder.namespaces); the zygote forks a worker
for each run its Sandboxes ask for (those given one `submission`: nbgrader's runs of a submission's
notebooks share one working copy, as nbgrader's kernels share a folder); a run starts without the
processes of the run before. Nothing a zygote's runs leave (files, processes, IPC objects, keys)
reaches another zygote: the template kills every process of one before the next starts (or is
replaced), and the namespaces go with them. So the independent verdict, whose runs are another
`submission`, never sees what nbgrader's run (which executed the hidden tests) left; nor does a
restart, which gets a fresh zygote. The rest of the file system is read-only.
When the grader runs as root, the sandbox runs as an unprivileged user of its slot, so the process
cap binds and nothing in it can signal the grader or write its files.

Without bubblewrap, each Sandbox gets a new process and working copy. When the grader is root, it
runs as the slot's user in its own IPC, PID and user namespaces, and whatever that user left in the
shared writable folders, its IPC objects and keys, and its processes are swept after each; otherwise it runs
as the grader's own user (see isolation_summary). Resource limits (address space, processes, CPU
time, file size; set with util-linux's prlimit) apply in every case.

Every wait has a deadline, and a Budget bounds the sum of a submission's waits, restarts included.
"""

import atexit
import contextlib
import functools
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import frames, namespaces
from autograder.notebook import Refused, open_submitted

PACKAGE_DIR = Path(__file__).resolve().parent
WORKDIR_INSIDE = "/submission"
GRADER_INSIDE = "/grader"
MPL_INSIDE = "/tmp/matplotlib"  # matplotlib's folder in the sandbox: writable, with the grader's font lists
# Sandbox users are FIRST_SANDBOX_UID + slot; two graders on one machine need ranges of their own
# (a slot's processes are waited for and killed by uid), set with AUTOGRADER_FIRST_UID.
FIRST_SANDBOX_UID = 60000
ZYGOTE_TIMEOUT = 30.0  # seconds for a sandbox to start a worker, unless the budget allows less
ENDING_TIMEOUT = 2.0  # seconds for a sandbox to end a submission's processes (it tries for 1.5)
BUDGET_MARGIN = 30.0  # seconds a submission's budget allows beyond its cells' timeouts
# what nbgrader's Autograde sets NBGRADER_EXECUTION to, in its kernel's environment (notebooks switch on
# it): both runs of a submission see it, so that they run its cells alike
AUTOGRADE = "autograde"
# The Python that runs student code without bubblewrap: as root, the sandbox's user must be able
# to run it (a Python under /root is not; set another with numpy, e.g. the system's, if so).
PYTHON = sys.executable


class SandboxError(RuntimeError):
    """The worker could not answer: it ran out of time, or it is gone."""


class SandboxTimeout(SandboxError):
    pass


class SandboxDied(SandboxError):
    pass


@dataclass(frozen=True)
class Limits:
    address_space_bytes: int = 2 * 2**30
    processes: int = 64
    cpu_seconds: int = 300
    file_bytes: int = 16 * 2**20
    tmpfs_bytes: int = 64 * 2**20  # each of the working copy, /tmp and /dev/shm, under bubblewrap

    def command_prefix(self) -> list[str]:
        """util-linux's prlimit, which sets the limits and then runs the rest of the command."""
        return [
            "prlimit",
            f"--as={self.address_space_bytes}",
            f"--nproc={self.processes}",
            f"--cpu={self.cpu_seconds}",
            f"--fsize={self.file_bytes}",
            "--core=0",
            "--",
        ]


class Budget:
    """A run's wall-clock allowance: every wait for its sandbox draws on it, so that no sequence of
    timeouts and restarts can take longer. Make one per run of a submission (nbgrader's run, then
    the verdicts' run, each have one: autograder.faithful), for example
    `Budget.for_cells(timeout, graded_cells)`, and give it to its Sandbox."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    @classmethod
    def for_cells(cls, timeout: float, cells: int, margin: float = BUDGET_MARGIN) -> "Budget":
        return cls(timeout * max(cells, 1) + margin)

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def allow(self, timeout: float) -> float:
        """`timeout`, cut to what is left; SandboxTimeout if nothing is."""
        left = min(timeout, self.remaining())
        if left <= 0:
            raise SandboxTimeout(f"the submission used up its time budget of {self.seconds:.0f} s")
        return left


def first_sandbox_uid() -> int:
    value = os.environ.get("AUTOGRADER_FIRST_UID", str(FIRST_SANDBOX_UID))
    if not value.isdigit() or not 1000 <= int(value) < 2**31 - 2**16:
        raise SystemExit(f"AUTOGRADER_FIRST_UID={value!r}: expected a user id from 1000 to {2**31 - 2**16 - 1}")
    return int(value)


def sandbox_uid(slot: int) -> int | None:
    """The user a slot's student code runs as: its own, when the grader can switch users (root)."""
    return first_sandbox_uid() + slot if os.geteuid() == 0 else None


def as_user(uid: int | None) -> list[str]:
    """A command prefix that runs the rest as `uid`, without capabilities (nothing if uid is None)."""
    if uid is None:
        return []
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--"]


_probe: subprocess.Popen | None = None  # bubblewrap_works' test, started early (see start_early)


def bubblewrap_usable() -> bool:
    return bool(shutil.which("bwrap")) and namespaces.supported()


def start_probe() -> None:
    """Start bubblewrap_works' test: a sandbox as the grader makes them, giving a submission namespaces."""
    global _probe
    if _probe is None:
        enter = f"from autograder import namespaces; namespaces.enter(['/tmp'], {2**20})"
        command = bubblewrap_command([sys.executable, "-s", "-c", enter], Limits(), sandbox_uid(0))
        env = worker_environment(GRADER_INSIDE, "")
        _probe = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


@functools.cache
def bubblewrap_works() -> bool:
    """Whether bubblewrap is installed and its sandbox can give a submission namespaces of its own (a
    system may allow bubblewrap's user namespace and refuse a nested one)."""
    if not bubblewrap_usable():
        return False
    start_probe()
    return _probe.wait() == 0


def isolation_summary() -> str:
    if not bubblewrap_works() and os.geteuid() != 0:
        return (
            "WARNING: bubblewrap is not available and the grader is not root, so student code runs as you "
            "with resource limits only: it can read and write what you can, signal your processes and "
            "reach the network. Install bubblewrap (Debian: apt-get install bubblewrap) before grading real "
            "submissions."
        )
    if not bubblewrap_works():
        return (
            "WARNING: bubblewrap is not available, so student code runs as an unprivileged user of its own "
            "(own IPC, PID and user namespaces where the system allows, swept between submissions) with resource "
            "limits: it can read the "
            "course's readable files and reach the network. Install bubblewrap (Debian: apt-get install "
            "bubblewrap) before grading real submissions."
        )
    user = "as you (in its own user namespace)" if os.geteuid() != 0 else "as an unprivileged user of its own"
    return (
        "sandbox: bubblewrap (read-only system, size-capped private working copy and /tmp, no network, "
        f"fresh namespaces for each submission), student code running {user}"
    )


def python_dirs() -> list[str]:
    """Folders the worker's Python needs: the installation and the environment."""
    dirs = {sys.prefix, sys.base_prefix, str(Path(os.path.realpath(sys.executable)).parent.parent)}
    return sorted(d for d in dirs if Path(d).exists())


def matplotlib_font_lists() -> list[Path]:
    """The grader's matplotlib font lists (set-up builds one), where matplotlib keeps them on Linux.
    The sandbox reads them instead of building its own list at every start (about 0.4 s)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matplotlib"
    return sorted(Path(os.environ.get("MPLCONFIGDIR") or cache).glob("fontlist-v*.json"))


def bubblewrap_command(python: list[str], limits: Limits, uid: int | None) -> list[str]:
    """bwrap's command line for a slot's template.

    Two bwraps: the outer one, run by the grader, makes the mounts and the namespaces; the inner one,
    run as the sandbox's user, puts it in a user namespace of its own, in which the template makes
    each submission's namespaces (autograder.namespaces). (One would do as a normal user; as root,
    bwrap's user namespace would map the sandbox's user to root, and the sandbox's user cannot read
    a Python under /root.)
    """
    read_only = [
        d for d in ["/usr", "/bin", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/alternatives"] if Path(d).exists()
    ]
    read_only += python_dirs()
    mounts = [("--ro-bind", d, d) for d in read_only] + [("--ro-bind", str(PACKAGE_DIR), f"{GRADER_INSIDE}/autograder")]
    size = str(limits.tmpfs_bytes)
    # the private /tmp first: a mount made before it under /tmp (a venv there) would be hidden by it
    command = ["bwrap", "--size", size, "--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--dir", MPL_INSIDE]
    for font_list in matplotlib_font_lists():
        command += ["--ro-bind", str(font_list), f"{MPL_INSIDE}/{font_list.name}"]
    for folder in dict.fromkeys(str(a) for _, _, inside in mounts for a in reversed(Path(inside).parents)):
        if folder not in ("/", "/tmp"):
            command += ["--perms", "0755", "--dir", folder]
    for mount in mounts:
        command += list(mount)
    command += ["--proc", "/proc", "--dev", "/dev", "--size", size, "--perms", "1777", "--tmpfs", "/dev/shm"]
    command += ["--remount-ro", "/dev"]
    command += ["--size", size, "--perms", "1777", "--tmpfs", WORKDIR_INSIDE]
    command += ["--remount-ro", "/", "--chdir", WORKDIR_INSIDE]
    command += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    command += ["--die-with-parent", "--new-session", "--", *as_user(uid)]
    command += [
        "bwrap",
        "--bind",
        "/",
        "/",
        "--dev-bind",
        "/dev",
        "/dev",
        "--unshare-user",
        "--die-with-parent",
        "--",
    ]
    return command + python


@contextlib.contextmanager
def autograde_environment():
    """NBGRADER_EXECUTION set in the grader's own environment, where the source's setup and test cells
    run for the verdicts, as in the sandbox's. (nbgrader's `utils.setenv` leaves it set if the body
    raises, and restores another variable's value.)"""
    before = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = AUTOGRADE
    try:
        yield
    finally:
        if before is None:
            del os.environ["NBGRADER_EXECUTION"]
        else:
            os.environ["NBGRADER_EXECUTION"] = before


def worker_environment(grader_dir: str, workdir: str) -> dict:
    return {
        "NBGRADER_EXECUTION": AUTOGRADE,
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp" if grader_dir == GRADER_INSIDE else workdir,
        "PYTHONPATH": grader_dir,
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": MPL_INSIDE if grader_dir == GRADER_INSIDE else workdir,
        # one thread each: parallel workers share the cores, and threads count against the process cap
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def file_names(paths: list[Path]) -> dict[str, Path]:
    """The files to copy into a working copy, by their name there: a folder's files (not following
    links to folders) under the folder's name."""
    names = {}
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for folder, _, files in os.walk(path):
                for name in sorted(files):
                    names[str((Path(folder) / name).relative_to(path.parent))] = Path(folder) / name
        else:
            names[path.name] = path
    return names


def open_files(paths: list[Path]) -> dict[str, int]:
    """Descriptors of the files to copy into a working copy, opened without following links."""
    fds = {}
    try:
        for name, path in file_names(paths).items():
            fds[name] = open_submitted(path)
    except OSError:
        for fd in fds.values():
            os.close(fd)
        raise
    return fds


def hand_over(control: socket.socket, message: bytes, kind: int, timeout: float) -> socket.socket:
    """Send `message` with one end of a new channel; the other end, once the process that took it
    replies; SandboxDied if no reply comes within `timeout`."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, kind)
    try:
        control.settimeout(timeout)
        socket.send_fds(control, [message], [theirs.fileno()])
        reply = control.recv(64)
    except OSError as error:  # a timeout too
        ours.close()
        raise SandboxDied(f"the sandbox did not start your code ({error})") from error
    finally:
        theirs.close()
    if not reply:
        ours.close()
        raise SandboxDied("the sandbox ended before it started your code")
    return ours


class Template:
    """A slot's bubblewrap sandbox, kept from one submission to the next: its process has imported
    numpy (and `preload`), and forks each submission's zygote in namespaces of its own, with fresh
    writable places holding copies of the submission's files (autograder.worker.template)."""

    def __init__(self, limits: Limits, uid: int | None, preload: tuple = ()):
        self.limits, self.uid, self.preload = limits, uid, tuple(preload)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        writable = ("/tmp", "/dev/shm", WORKDIR_INSIDE)
        arguments = f"{theirs.fileno()}, {self.preload!r}, {writable!r}, {limits.tmpfs_bytes}"
        python = [sys.executable, "-s", "-c", f"from autograder.worker import template; template({arguments})"]
        try:
            self.process = subprocess.Popen(
                limits.command_prefix() + bubblewrap_command(python, limits, uid),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=[theirs.fileno()],
                env=worker_environment(GRADER_INSIDE, ""),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self.control = ours

    def fits(self, limits: Limits, uid: int | None, preload: tuple) -> bool:
        """Alive, with these limits and user, and at least these modules imported."""
        alive = self.process.poll() is None
        return alive and (self.limits, self.uid) == (limits, uid) and set(preload) <= set(self.preload)

    def open_submission(self, files: list[Path], timeout: float) -> socket.socket:
        """A channel to a new submission's zygote holding copies of `files`; SandboxDied if it does
        not come within `timeout`, Refused if a file may not be opened."""
        fds = open_files(files)
        try:
            self.control.settimeout(timeout)
            for name, fd in fds.items():
                socket.send_fds(self.control, [b"file " + name.encode()], [fd])
            return hand_over(self.control, b"submission", socket.SOCK_SEQPACKET, timeout)
        except (OSError, SandboxDied) as error:  # a timeout too
            self.stop()  # it may hold some of the files, which must not reach the next submission
            raise SandboxDied(f"the sandbox did not start your code ({error})") from error
        finally:
            for fd in fds.values():
                os.close(fd)

    def end_submission(self) -> bool:
        """Whether the template ended every process of the submission (False: it could not, or it is gone)."""
        try:
            self.control.settimeout(ENDING_TIMEOUT)
            self.control.send(b"end")
            return self.control.recv(64) == b"ended"
        except OSError:
            return False

    def stop(self) -> None:
        """End the sandbox: its PID namespace ends with it, and every process in it. Once only: the
        process's number may belong to another process after it is reaped."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, 9)
            except ProcessLookupError:
                pass
            self.process.wait()
        self.control.close()
        if self.uid is not None:
            wait_until_gone(self.uid)


class Zygote:
    """One submission's process in its slot's sandbox, which forks a worker for each run of its code."""

    def __init__(self, template: Template, files: list[Path], submission: object = None):
        self.template = template
        self.files = tuple(files)
        self.submission = submission  # the workers of this submission it may fork (None: one worker)
        self.control = None  # the channel to it, opened with its first worker

    def spawn(self, timeout: float) -> socket.socket:
        """A channel to a new worker of this submission; SandboxDied if it does not come within `timeout`."""
        if self.control is None:
            self.control = self.template.open_submission(list(self.files), timeout)
        return hand_over(self.control, b"spawn", socket.SOCK_STREAM, timeout)

    def stop(self) -> None:
        """End the submission: every process it has in the sandbox, and with them its namespaces; the
        whole sandbox if that fails (the next submission gets a new one)."""
        if self.control is None:
            return
        self.control.close()
        self.control = None
        if not self.template.end_submission():
            self.template.stop()  # take_template replaces it


def processes_of(uid: int) -> list[int]:
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open(f"/proc/{pid}/status") as stream:
                if int(stream.read().split("Uid:")[1].split()[0]) == uid:
                    found.append(int(pid))
        except (OSError, IndexError, ValueError):
            continue
    return found


def wait_until_gone(uid: int, seconds: float = 5.0) -> None:
    """Wait while the kernel ends what was left in a sandbox of the slot's user (after a fork bomb,
    as many as the process cap allows): they count against that cap, which the next sandbox needs."""
    deadline = time.monotonic() + seconds
    while processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.005)


_templates: dict[int, Template] = {}  # each slot's sandbox
_zygotes: dict[int, Zygote] = {}  # the submission each slot's sandbox runs


def take_template(slot: int, limits: Limits, uid: int | None, preload: tuple = ()) -> Template:
    template = _templates.get(slot)
    if template is not None and template.fits(limits, uid, preload):
        return template
    drop_zygote(slot)
    if slot in _templates:
        _templates.pop(slot).stop()
    _templates[slot] = Template(limits, uid, preload)
    return _templates[slot]


def take_zygote(
    slot: int, limits: Limits, uid: int | None, files: list[Path], submission: object = None, preload: tuple = ()
) -> Zygote:
    """The slot's zygote for this submission: the one its earlier runs used, else a new one (and the
    submission before is ended)."""
    zygote = _zygotes.get(slot)
    if zygote is not None:
        same = submission is not None and zygote.submission is submission and zygote.files == tuple(files)
        if same and zygote.template.fits(limits, uid, ()):
            return zygote
        drop_zygote(slot)
    template = take_template(slot, limits, uid, preload)
    _zygotes[slot] = Zygote(template, files, submission)
    return _zygotes[slot]


def start_early(slot: int = 0) -> None:
    """Start the slot's sandbox (default limits), and the test of bubblewrap beside it, and return at
    once: it loads numpy while the caller does too."""
    if bubblewrap_usable() and slot not in _templates:
        start_probe()
        _templates[slot] = Template(Limits(), sandbox_uid(slot))


def drop_zygote(slot: int) -> None:
    """End the slot's submission, and everything it left running; the sandbox stays for the next."""
    zygote = _zygotes.pop(slot, None)
    if zygote is not None:
        zygote.stop()


@atexit.register
def stop_zygotes() -> None:
    for slot in list(_zygotes):
        drop_zygote(slot)
    for slot in list(_templates):
        _templates.pop(slot).stop()


# Run as the slot's user, without bubblewrap, after each sandbox: ends every process of that user,
# removes what it owns in the folders every user may write, its SysV IPC objects and its keys (those a
# sandbox without IPC and user namespaces of its own leaves). Its argument: keyctl's system call number.
SWEEP = """
import ctypes, os, signal, sys
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
def sweep(folder):
    for entry in os.scandir(folder):
        try:
            if entry.is_dir(follow_symlinks=False):
                sweep(entry.path)
            if entry.stat(follow_symlinks=False).st_uid == os.getuid():
                (os.rmdir if entry.is_dir(follow_symlinks=False) else os.unlink)(entry.path)
        except OSError:
            pass
folders = ("/tmp", "/var/tmp", "/run/lock", "/var/lock", "/dev/shm", "/dev/mqueue")
for folder in dict.fromkeys(os.path.realpath(folder) for folder in folders):  # /var/lock: a link to /run/lock
    if os.path.isdir(folder):
        sweep(folder)
libc = ctypes.CDLL(None)
remove = {
    "shm": lambda i: libc.shmctl(i, 0, None),  # IPC_RMID
    "msg": lambda i: libc.msgctl(i, 0, None),
    "sem": lambda i: libc.semctl(i, 0, 0),
}
for kind, remove_one in remove.items():
    try:
        header, *rows = [line.split() for line in open(f"/proc/sysvipc/{kind}")]
    except OSError:
        continue
    for row in rows:
        if int(row[header.index("uid")]) == os.getuid():
            remove_one(int(row[1]))
for keyring in (-4, -5):  # KEYCTL_CLEAR of the user's keyring and user session keyring
    libc.syscall(int(sys.argv[1]), 7, keyring)
"""


def sweep_user(uid: int) -> None:
    keyctl = namespaces.ARCHITECTURES.get(platform.machine(), (0, 0, 0, 0, -1))[4]
    command = [*as_user(uid), PYTHON, "-I", "-c", SWEEP, str(keyctl)]
    subprocess.run(command, capture_output=True, check=False, timeout=60)


def namespaced(uid: int) -> list[str]:
    """As root: the slot's user, in IPC, PID and user namespaces of its own (util-linux's unshare)."""
    return [
        "unshare",
        "--ipc",
        "--pid",
        "--fork",
        "--kill-child",
        "--",
        *as_user(uid),
        "unshare",
        "--map-current-user",
        "--",
    ]


@functools.cache
def namespaces_work(uid: int) -> bool:
    """Whether unshare may make those namespaces here (a container's seccomp policy may forbid it)."""
    return subprocess.run([*namespaced(uid), "true"], capture_output=True, check=False).returncode == 0


def without_bubblewrap(uid: int | None) -> list[str]:
    """The command prefix that isolates a worker without bubblewrap, as far as the system allows."""
    if uid is None:
        return []
    return namespaced(uid) if namespaces_work(uid) else as_user(uid)


def end_process_group(process: subprocess.Popen, children_first: bool) -> None:
    """Kill a process and its group. With `children_first`, its children first, so that it reaps
    them (unshare's child would otherwise be left to init, which may never reap it)."""
    children = []
    if children_first:
        try:
            with open(f"/proc/{process.pid}/task/{process.pid}/children") as stream:
                children = [int(pid) for pid in stream.read().split()]
        except OSError:
            pass
    for pid in children:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=1 if children else 0)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, 9)
    except ProcessLookupError:
        pass
    process.wait()


class Sandbox:
    """Runs one submission's code: `request` sends a message and waits for the reply, or gives up
    on the worker; `stop` ends the worker (and everything it started); `close` ends it all.

    `helpers` are copied into the working copy (opened without following links). `budget`, if
    given, bounds the sum of all waits, restarts included. Request and reply are read and written
    without threads, so a process forked from the grader may use a sandbox it inherits.
    """

    def __init__(
        self,
        helpers: list[Path],
        limits: Limits | None = None,
        slot: int = 0,
        budget: Budget | None = None,
        submission: object = None,
        preload: tuple[str, ...] = (),
    ):
        self.helpers = list(helpers)
        self.limits = limits or Limits()
        self.slot = slot
        self.uid = sandbox_uid(slot)
        self.budget = budget
        self.submission = submission  # under bubblewrap, sandboxes given the same object share a zygote
        self.preload = preload  # modules its zygote imports once (under bubblewrap)
        self.channel = None  # a socket to the worker
        self.zygote = None  # the worker's sandbox, under bubblewrap
        self.process = None  # the worker's process, without it
        self.workdir = None  # its working copy, without it

    def allow(self, timeout: float) -> float:
        return self.budget.allow(timeout) if self.budget is not None else max(timeout, 0.001)

    def start(self, timeout: float) -> None:
        if bubblewrap_works():
            self.zygote = take_zygote(self.slot, self.limits, self.uid, self.helpers, self.submission, self.preload)
            self.channel = self.zygote.spawn(timeout)
        else:
            self.channel = self.start_process()

    def start_process(self) -> socket.socket:
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="autograder-"))
            for name, fd in open_files(self.helpers).items():
                (self.workdir / name).parent.mkdir(parents=True, exist_ok=True)
                with os.fdopen(fd, "rb") as source, open(self.workdir / name, "wb") as copy:
                    shutil.copyfileobj(source, copy)
            if self.uid is not None:
                for path in [self.workdir, *self.workdir.rglob("*")]:
                    os.chown(path, self.uid, self.uid)
        isolate = without_bubblewrap(self.uid)
        python = [PYTHON, "-s", "-c", "from autograder.worker import main; main()"]
        ours, theirs = socket.socketpair()
        with theirs:
            self.process = subprocess.Popen(
                self.limits.command_prefix() + isolate + python,
                stdin=theirs,
                stdout=theirs,
                stderr=subprocess.DEVNULL,
                cwd=self.workdir,
                env=worker_environment(str(PACKAGE_DIR.parent), str(self.workdir)),
                start_new_session=True,
            )
        return ours

    def request(self, message: dict, timeout: float) -> dict:
        timeout = self.allow(timeout)
        deadline = time.monotonic() + timeout
        try:
            if self.channel is None:
                self.start(min(ZYGOTE_TIMEOUT, timeout))
            self.channel.settimeout(max(deadline - time.monotonic(), 0.001))
            self.channel.sendall(frames.encode(message))
            return frames.read_frame_by(self.channel.fileno(), deadline)
        except Refused as error:
            self.stop()
            raise SandboxDied(f"a file could not be put in the sandbox: {error}") from error
        except (frames.FrameTimeout, TimeoutError):
            self.stop()
            raise SandboxTimeout(f"your code did not finish within {timeout:.0f} s") from None
        except (OSError, EOFError) as error:
            self.stop()
            raise SandboxDied("the Python process running your code ended (exit, crash or killed)") from error
        except frames.FrameError as error:
            self.stop()
            raise SandboxDied(f"the Python process running your code sent an unreadable reply ({error})") from error

    def stop(self) -> None:
        """End the worker and whatever it started; the next request starts afresh."""
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.zygote is not None:
            if _zygotes.get(self.slot) is self.zygote:
                del _zygotes[self.slot]
            self.zygote.stop()
            self.zygote = None
        if self.process is not None:
            end_process_group(self.process, children_first=self.uid is not None and namespaces_work(self.uid))
            self.process = None
            if self.uid is not None:
                sweep_user(self.uid)

    def close(self) -> None:
        """Stop, and remove the working copy of a sandbox without bubblewrap. A submission's zygote is
        left for its next run (its worker ends with the channel); drop_zygote ends it."""
        if self.submission is not None:
            self.zygote = None
        self.stop()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
