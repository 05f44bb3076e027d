"""Running the worker that executes student code: isolated where the system allows, limited always.

With bubblewrap (Linux), the worker sees a read-only system, the Python installation, this
package, and its own working copy; it has no network, its own process tree, and a fresh /tmp.
When the grader runs as root, the worker then drops to an unprivileged user of its own, so that
the process cap binds and it cannot signal anything outside. Resource limits (address space,
processes, CPU time, file size; set with util-linux's prlimit) apply in every case.
"""

import functools
import os
import queue
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from autograder import wire

PACKAGE_DIR = Path(__file__).resolve().parent
WORKDIR_INSIDE = "/submission"
GRADER_INSIDE = "/grader"
FIRST_SANDBOX_UID = 60000


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


class Sandbox:
    """One worker process; `request` sends a message and waits for the reply, or kills the worker."""

    def __init__(self, workdir: Path, limits: Limits | None = None, slot: int = 0):
        self.workdir = workdir
        self.limits = limits or Limits()
        self.uid = FIRST_SANDBOX_UID + slot if os.geteuid() == 0 else None
        self.process = None
        self.replies = queue.Queue()

    def command(self) -> tuple[list[str], dict]:
        python = [sys.executable, "-s", "-c", "from autograder.worker import main; main()"]
        if bubblewrap_works():
            return bubblewrap_command(self.workdir, python, self.uid), worker_environment(GRADER_INSIDE, "")
        return python, worker_environment(str(PACKAGE_DIR.parent), str(self.workdir))

    def start(self) -> None:
        command, env = self.command()
        command = self.limits.command_prefix() + command
        if self.uid is not None:
            os.chown(self.workdir, self.uid, self.uid)
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.workdir,
            env=env,
            start_new_session=True,
        )
        self.replies = queue.Queue()
        threading.Thread(target=self.read_replies, args=(self.process.stdout, self.replies), daemon=True).start()

    @staticmethod
    def read_replies(stream, replies: queue.Queue) -> None:
        while True:
            try:
                replies.put(wire.read_frame(stream))
            except (EOFError, OSError, ValueError) as error:
                replies.put(error)
                return

    def request(self, message: dict, timeout: float) -> dict:
        if self.process is None:
            self.start()
        try:
            wire.write_frame(self.process.stdin, message)
            reply = self.replies.get(timeout=max(timeout, 0.001))
        except (BrokenPipeError, OSError) as error:
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
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, 9)
        except ProcessLookupError:
            pass
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.process = None
