"""Running the worker that executes student code: isolated where the system allows, limited always.

Under bubblewrap, each grading process keeps one sandbox alive (a zygote, see Zygote) and forks a
fresh worker in it for each submission, clearing the sandbox in between; without bubblewrap, each
submission gets a new process.

With bubblewrap (Linux), the worker sees a read-only system, the Python installation, this
package, and its own working copy; it has no network, its own process tree, and a fresh /tmp.
When the grader runs as root, the worker then drops to an unprivileged user of its own, so that
the process cap binds and it cannot signal anything outside. Resource limits (address space,
processes, CPU time, file size; set with util-linux's prlimit) apply in every case.
"""

import atexit
import functools
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from autograder import frames

PACKAGE_DIR = Path(__file__).resolve().parent
WORKDIR_INSIDE = "/submission"
GRADER_INSIDE = "/grader"
FIRST_SANDBOX_UID = 60000
ZYGOTE_TIMEOUT = 30.0  # seconds for the sandbox's zygote to start a worker or clear up


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


@functools.cache
def bubblewrap_works() -> bool:
    """Whether bubblewrap is installed and can make the namespaces the sandbox needs."""
    if not shutil.which("bwrap"):
        return False
    probe = subprocess.run(
        ["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--", "true"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def isolation_summary() -> str:
    if not bubblewrap_works():
        return (
            "WARNING: bubblewrap is not available, so student code runs with resource limits only: "
            "it can read the course's files and reach the network. Install bubblewrap (Debian: "
            "apt-get install bubblewrap) before grading real submissions."
        )
    if os.geteuid() != 0:
        return (
            "sandbox: bubblewrap (read-only system, private working copy, no network); not root, so the "
            "process cap counts all of your own processes and student code runs as you inside the sandbox"
        )
    return "sandbox: bubblewrap (read-only system, private working copy, no network, own user per worker)"


def python_dirs() -> list[str]:
    """Folders the worker's Python needs: the installation and the environment."""
    dirs = {sys.prefix, sys.base_prefix, str(Path(os.path.realpath(sys.executable)).parent.parent)}
    return sorted(d for d in dirs if Path(d).exists())


def bubblewrap_command(workdir: Path, python: list[str], uid: int | None) -> list[str]:
    read_only = [d for d in ["/usr", "/bin", "/lib", "/lib64", "/etc/ld.so.cache"] if Path(d).exists()]
    read_only += python_dirs()
    mounts = [("--ro-bind", d, d) for d in read_only]
    mounts += [("--ro-bind", str(PACKAGE_DIR), f"{GRADER_INSIDE}/autograder"), ("--bind", str(workdir), WORKDIR_INSIDE)]
    # the private /tmp first: a mount made before it under /tmp (a venv there) would be hidden by it
    command = ["bwrap", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    # bwrap makes the folders leading to a mount private (0700); the worker's user must pass through them
    for folder in dict.fromkeys(str(a) for _, _, inside in mounts for a in reversed(Path(inside).parents)):
        if folder not in ("/", "/tmp"):
            command += ["--perms", "0755", "--dir", folder]
    for mount in mounts:
        command += list(mount)
    command += ["--chdir", WORKDIR_INSIDE]
    command += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    command += ["--die-with-parent", "--new-session", "--"]
    if uid is not None:
        command += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        command += ["--inh-caps=-all", "--bounding-set=-all"]
    return command + python


def worker_environment(grader_dir: str, workdir: str) -> dict:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "PYTHONPATH": grader_dir,
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp" if grader_dir == GRADER_INSIDE else workdir,
        # one thread each: parallel workers share the cores, and threads count against the process cap
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


class Zygote:
    """A sandboxed process that has imported numpy and forks a fresh worker for each submission.

    Used only under bubblewrap: between submissions it clears the sandbox by killing every process
    in it but itself, which the sandbox's own PID namespace confines.
    """

    def __init__(self, limits: Limits, uid: int | None):
        self.workdir = Path(tempfile.mkdtemp(prefix="autograder-"))
        if uid is not None:
            os.chown(self.workdir, uid, uid)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        python = [sys.executable, "-s", "-c", f"from autograder.worker import zygote; zygote({theirs.fileno()})"]
        self.process = subprocess.Popen(
            limits.command_prefix() + bubblewrap_command(self.workdir, python, uid),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=[theirs.fileno()],
            env=worker_environment(GRADER_INSIDE, ""),
            start_new_session=True,
        )
        theirs.close()
        self.control = ours
        self.control.settimeout(ZYGOTE_TIMEOUT)

    def ask(self, message: bytes, fds: tuple[int, ...] = ()) -> bytes:
        try:
            socket.send_fds(self.control, [message], list(fds))
            reply = self.control.recv(64)
        except OSError as error:  # a timeout too
            raise SandboxDied(f"the sandbox did not answer ({error})") from error
        if not reply:
            raise SandboxDied("the sandbox ended")
        return reply

    def spawn(self) -> socket.socket:
        ours, theirs = socket.socketpair()
        try:
            self.ask(b"spawn", (theirs.fileno(),))
        except SandboxDied:
            ours.close()
            raise
        finally:
            theirs.close()
        return ours

    def clear(self) -> None:
        if self.ask(b"clear") != b"ok":
            raise SandboxDied("the sandbox could not be cleared")

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, 9)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.control.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


_zygotes: dict[int, Zygote] = {}


def zygote_for(slot: int, limits: Limits, uid: int | None) -> Zygote:
    """This slot's zygote, started (again) when there is none or it has ended."""
    zygote = _zygotes.get(slot)
    if zygote is not None and zygote.process.poll() is not None:
        drop_zygote(slot)
        zygote = None
    if zygote is None:
        zygote = _zygotes[slot] = Zygote(limits, uid)
    return zygote


def sandbox_uid(slot: int) -> int | None:
    """The user a slot's student code runs as: its own, when the grader can switch users (root)."""
    return FIRST_SANDBOX_UID + slot if os.geteuid() == 0 else None


def start_early(slot: int = 0) -> None:
    """Start the slot's sandbox (default limits) and return at once: it loads numpy while the caller does too."""
    if bubblewrap_works():
        zygote_for(slot, Limits(), sandbox_uid(slot))


def drop_zygote(slot: int) -> None:
    zygote = _zygotes.pop(slot, None)
    if zygote is not None:
        zygote.stop()


@atexit.register
def stop_zygotes() -> None:
    for slot in list(_zygotes):
        drop_zygote(slot)


class Sandbox:
    """Runs one submission's code: `request` sends a message and waits for the reply, or gives up
    on the worker; `stop` ends the worker (and everything it started)."""

    def __init__(self, helpers: list[Path], limits: Limits | None = None, slot: int = 0):
        self.helpers = helpers
        self.limits = limits or Limits()
        self.slot = slot
        self.uid = sandbox_uid(slot)
        self.channel = None  # the worker's socket, under bubblewrap
        self.process = None  # the worker's process, without it
        self.writer = None
        self.reader = None
        self.replies = queue.Queue()
        self.fallback_workdir = None

    def copy_helpers(self, workdir: Path) -> None:
        for helper in self.helpers:
            shutil.copy2(helper, workdir)

    def start(self) -> None:
        if bubblewrap_works():
            reader = self.start_in_zygote()
        else:
            reader = self.start_process()
        self.reader = reader
        self.replies = queue.Queue()
        threading.Thread(target=self.read_replies, args=(reader, self.replies), daemon=True).start()

    def start_in_zygote(self):
        for attempt in range(2):
            zygote = zygote_for(self.slot, self.limits, self.uid)
            self.copy_helpers(zygote.workdir)
            try:
                self.channel = zygote.spawn()
                break
            except SandboxDied:
                drop_zygote(self.slot)
                if attempt:
                    raise
        self.writer = self.channel.makefile("wb")
        return self.channel.makefile("rb")

    def start_process(self):
        if self.fallback_workdir is None:
            self.fallback_workdir = Path(tempfile.mkdtemp(prefix="autograder-"))
            self.copy_helpers(self.fallback_workdir)
        python = [sys.executable, "-s", "-c", "from autograder.worker import main; main()"]
        self.process = subprocess.Popen(
            self.limits.command_prefix() + python,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.fallback_workdir,
            env=worker_environment(str(PACKAGE_DIR.parent), str(self.fallback_workdir)),
            start_new_session=True,
        )
        self.writer = self.process.stdin
        return self.process.stdout

    @staticmethod
    def read_replies(stream, replies: queue.Queue) -> None:
        while True:
            try:
                replies.put(frames.read_frame(stream))
            except (EOFError, OSError, ValueError) as error:
                replies.put(error)
                return

    def request(self, message: dict, timeout: float) -> dict:
        if self.writer is None:
            self.start()
        try:
            frames.write_frame(self.writer, message)
            reply = self.replies.get(timeout=max(timeout, 0.001))
        except OSError as error:
            self.stop()
            raise SandboxDied(f"the Python process running your code ended ({error})") from error
        except queue.Empty:
            self.stop()
            raise SandboxTimeout(f"your code did not finish within {timeout:.0f} s") from None
        if isinstance(reply, Exception):
            self.stop()
            raise SandboxDied("the Python process running your code ended (exit, crash or killed)") from reply
        return reply

    def stop(self) -> None:
        """End the worker and whatever it started; the next request starts a fresh one."""
        if self.channel is not None:
            try:
                self.channel.shutdown(socket.SHUT_RDWR)  # wakes the reading thread, which then ends
            except OSError:
                pass
        for stream in (self.writer, self.reader, self.channel):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        self.writer = self.reader = None
        if self.channel is not None:
            self.channel = None
            zygote = _zygotes.get(self.slot)
            try:
                if zygote is not None and zygote.process.poll() is None:
                    zygote.clear()
            except SandboxDied:
                drop_zygote(self.slot)
        if self.process is not None:
            try:
                os.killpg(self.process.pid, 9)
            except ProcessLookupError:
                pass
            self.process.wait()
            self.process = None

    def close(self) -> None:
        """Stop, and remove the working copy of a sandbox without bubblewrap."""
        self.stop()
        if self.fallback_workdir is not None:
            shutil.rmtree(self.fallback_workdir, ignore_errors=True)
            self.fallback_workdir = None
