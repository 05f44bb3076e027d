"""The sandbox side: runs a student's cells and answers calls to the functions they define.

numpy's global random generator is shared with the grader: each call brings the grader's state
and sends back the state after the call, as if test and student code ran in one process.

It talks to the grader in frames (autograder.frames) and only ever sends plain data
(autograder.wire): over a socket of its own when forked by the zygote (see `zygote`), over
standard input and output otherwise (`main`). The student's own output goes to size-capped
buffers; the real file descriptors 0, 1 and 2 are pointed at /dev/null so that no write can reach
the grader's channel by accident.
"""

import base64
import ctypes
import importlib
import io
import os
import signal
import socket
import sys
import time
import traceback

import numpy.random  # noqa: F401 (numpy 2 loads it on first use: here once, not in every forked worker)

from autograder import calls, frames, namespaces, wire

OUTPUT_CAP = 16 * 1024
FILES_CAP = 8 * 2**20  # bytes of files a notebook leaves that come back to autograded/ (base64 fits a frame)
PR_SET_DUMPABLE = 4


class CappedStream(io.TextIOBase):
    """Keeps the first OUTPUT_CAP characters written, and whether anything was written at all."""

    def __init__(self):
        self.parts, self.size, self.written = [], 0, False

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        self.written = self.written or bool(text)
        room = OUTPUT_CAP - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(len(text), room)
        return len(text)

    def take(self) -> tuple[str, bool]:
        text, written = "".join(self.parts), self.written
        self.parts, self.size, self.written = [], 0, False
        return text, written


def describe_error(error: BaseException) -> dict:
    try:
        message = str(error)[:2000]
    except Exception:  # noqa: BLE001 (a student's exception may fail to print; the grader must still hear of it)
        message = "<the exception's message could not be printed>"
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return {"type": type(error).__name__, "message": message, "traceback": "".join(lines)[-4000:]}


def run_cell(request: dict, namespace: dict) -> dict:
    code = compile(request["source"], f"<{request.get('name', 'cell')}>", "exec")
    exec(code, namespace)  # noqa: S102 (running the student's code is this process's job)
    return {"ok": True}


def lookup(request: dict, namespace: dict) -> dict:
    found = {}
    for name in request["names"]:
        if name not in namespace:
            found[name] = {"kind": "missing"}
        elif callable(namespace[name]):
            found[name] = {"kind": "callable"}
        else:
            found[name] = {"kind": "value", "value": wire.encode(namespace[name])}
    return {"ok": True, "names": found}


def call(request: dict, namespace: dict) -> dict:
    if request["name"] not in namespace:
        raise NameError(f"name {request['name']!r} is not defined")
    return {"ok": True, **calls.answer(namespace[request["name"]], request)}


_replaced: dict = {}  # the student's own functions that a call to the grader's reference stands in for


def grader_function(name: str, channel_in, channel_out):
    """A function that runs the grader's reference of `name` (a call back into the grader)."""

    def call_grader(*args, **kwargs):
        frames.write_frame(channel_out, {"callback": name, **calls.request(args, kwargs)})
        reply = frames.read_frame(channel_in)
        if not reply.get("ok"):
            raise RuntimeError(f"the reference {name} could not run: {reply.get('error', '')}")
        return calls.take_reply(args, kwargs, reply)

    call_grader.__name__ = call_grader.__qualname__ = name
    return call_grader


def use_reference(request: dict, namespace: dict, channel_in, channel_out) -> dict:
    """Put back the student's functions replaced before, then replace the names asked for."""
    for name, function in _replaced.items():
        namespace[name] = function
    _replaced.clear()
    for name in request["names"]:
        if name in namespace:
            _replaced[name] = namespace[name]
            namespace[name] = grader_function(name, channel_in, channel_out)
    return {"ok": True}


def files(request: dict, namespace: dict) -> dict:
    """The regular files in the working folder (notebooks aside), base64-encoded, up to FILES_CAP bytes in all."""
    found, size = {}, 0
    for folder, _, names in os.walk(".", followlinks=False):
        for name in sorted(names):
            path = os.path.join(folder, name)[2:]
            if name.endswith(".ipynb") or not os.path.isfile(path) or os.path.islink(path):
                continue
            size += os.path.getsize(path)
            if size > FILES_CAP:
                return {"ok": True, "files": found}
            with open(path, "rb") as stream:
                found[path] = base64.b64encode(stream.read()).decode("ascii")
    return {"ok": True, "files": found}


def run_in_shell(request: dict, namespace: dict) -> dict:
    from autograder import shell  # imported here: a Python without IPython still serves the other operations

    return shell.run_cell(request, namespace)


HANDLERS = {"exec": run_cell, "lookup": lookup, "call": call, "shell": run_in_shell, "files": files}


def serve(channel_in, channel_out) -> None:
    """Answer the grader's requests until it closes the channel."""
    stdout, stderr = CappedStream(), CappedStream()
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    worker_pid = os.getpid()
    while True:
        try:
            request = frames.read_frame(channel_in)
        except EOFError:
            return
        sys.stdout, sys.stderr = stdout, stderr
        try:
            if request["op"] == "reference":
                reply = use_reference(request, namespace, channel_in, channel_out)
            else:
                reply = HANDLERS[request["op"]](request, namespace)
        except BaseException as error:  # noqa: BLE001 (sys.exit and KeyboardInterrupt are student errors too)
            reply = {"ok": False, "error": describe_error(error)}
        if os.getpid() != worker_pid:  # a process the student's code forked: only the worker may reply
            os._exit(0)
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        reply["stdout"], _ = stdout.take()
        reply["stderr"], reply["wrote_stderr"] = stderr.take()
        frames.write_frame(channel_out, reply)


def quiet_standard_streams() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)


def main() -> None:
    """One process for one submission, its channel being standard input and output."""
    channel_in, channel_out = os.fdopen(os.dup(0), "rb"), os.fdopen(os.dup(1), "wb")
    quiet_standard_streams()
    serve(channel_in, channel_out)


def template(control_fd: int, modules: tuple[str, ...], writable: tuple[str, ...], size: int) -> None:
    """The slot's sandbox process, kept from one submission to the next (see autograder.sandbox).

    numpy (and `modules`, see preload) is imported once, here. For each submission it is sent the
    files of the working copy, one message each, then a channel: it forks the submission's zygote,
    which enters namespaces of its own (autograder.namespaces) with fresh tmpfs on `writable`, and
    forks a worker for each run of the submission's code (so a worker starts in milliseconds).
    Asked to end the submission, it ends every process but itself and its ancestors. Only for a
    sandbox with its own PID namespace, which those processes cannot leave.
    """
    if os.getpid() > 10:
        raise SystemExit("the template runs only as one of the first processes of its own PID namespace")
    control = socket.socket(fileno=control_fd)
    quiet_standard_streams()
    set_dumpable(0)  # workers may not trace it or open its files
    preload(modules)
    files: dict[str, int] = {}
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 4096, 1)
        except OSError:
            return
        kind, _, name = message.partition(b" ")
        if kind == b"file" and fds:
            files[name.decode()] = fds[0]
        elif kind == b"submission" and fds:
            control.send(start_submission(control, fds[0], files, writable, size))
            files = {}
        elif kind == b"end":
            control.send(b"ended" if end_earlier_runs() else b"left")
        else:
            return


def set_dumpable(value: int) -> None:
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, value, 0, 0, 0)


def start_submission(control: socket.socket, channel_fd: int, files: dict[str, int], writable, size: int) -> bytes:
    pid = os.fork()
    if pid == 0:
        control.close()
        try:
            set_dumpable(1)  # a process may map its user namespace's ids only while it is
            namespaces.enter(list(writable), size)
            set_dumpable(0)
            os.makedirs(os.environ["MPLCONFIGDIR"], exist_ok=True)
            os.chmod(os.environ["MPLCONFIGDIR"], 0o1777)
            os.chdir(os.getcwd())  # the working copy's new tmpfs, not the folder under it
            put_files(files, ".")
        except BaseException:  # noqa: BLE001 (no student code runs unless every step succeeded)
            os._exit(1)
        try:
            serve_submission(socket.socket(fileno=channel_fd))
        finally:
            os._exit(0)
    for fd in [channel_fd, *files.values()]:
        os.close(fd)
    return str(pid).encode()


def put_files(files: dict[str, int], folder: str) -> None:
    """Copy each descriptor's file to its name under `folder` (folders made as needed, writable by all)."""
    for name, fd in files.items():
        path = os.path.join(folder, name)
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            os.makedirs(parent)
            os.chmod(parent, 0o1777)
        with os.fdopen(fd, "rb") as source, open(path, "wb") as copy:
            while chunk := source.read(2**20):
                copy.write(chunk)
        os.chmod(path, 0o666)


def serve_submission(control: socket.socket) -> None:
    """Fork a worker for each run of the submission's code, each run starting without the processes
    of the run before."""
    spawned = False
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 1)
        except OSError:
            return
        if message == b"spawn" and fds:
            if spawned:
                end_earlier_runs()
            control.send(spawn(control, fds[0]))
            spawned = True
        else:
            return


def preload(modules: tuple[str, ...]) -> None:
    """Import the modules the grader expects the notebook to need (those installed); with
    autograder.shell, make IPython's shell too, so that each forked worker starts with it."""
    for module in modules:
        try:
            imported = importlib.import_module(module)
        except Exception:  # noqa: BLE001, S112 (not installed, or broken: the student's import will say so)
            continue
        if module == "autograder.shell":
            imported.warm_tracebacks(imported.make_shell())


def spawn(control: socket.socket, channel_fd: int) -> bytes:
    pid = os.fork()
    if pid == 0:
        control.close()
        channel = socket.socket(fileno=channel_fd)
        try:
            serve(channel.makefile("rb"), channel.makefile("wb"))
        finally:
            os._exit(0)
    os.close(channel_fd)
    return str(pid).encode()


def end_earlier_runs() -> bool:
    """Kill every process of the sandbox but this one and its ancestors (earlier runs, or a whole
    submission, and whatever they started), until none is left or 1.5 s have passed; whether none is.
    A run starts with the processes of a new sandbox; files stay, they are the student's."""
    ancestors, pid = set(), os.getpid()
    while pid > 0 and pid not in ancestors:
        ancestors.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as stream:
                pid = int(stream.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
        # listed again each round: a process forked while the others were killed is found next time
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in ancestors]
        if not others:
            return True
        for other in others:
            try:
                os.kill(other, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.002)
    return False


if __name__ == "__main__":
    main()
