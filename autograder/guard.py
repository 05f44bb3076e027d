"""Running grader-side code that handles student data under limits of its own.

A test's assertion message can format a value the student's code returned, a comparison can
walk it: `run_limited` runs such code in a forked child of the grader, with an address-space
limit and a deadline, so that the worst a submission's data can do is fail that submission's
test. The child sees the grader's memory as it was at the fork (the test namespace, an open
Sandbox, which needs no thread to be used); what it returns comes back as plain data
(autograder.wire), decoded within wire's bounds; changes it makes to its memory are lost.

Fork only from a process that runs no other threads (a lock held by one would stay held in the
child). Forking a grader that has imported numpy costs about a millisecond.
"""

import os
import resource
import signal
import time

from autograder import frames, wire

MEMORY_BYTES = 1 * 2**30  # on top of what the grader has mapped when it forks


class GuardError(Exception):
    """The code did not return: it ran out of time or memory, crashed, or raised (see `kind`)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # "timeout", "memory", "crashed" or the name of the exception it raised


def mapped_bytes() -> int:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def child(function, args, write_fd: int, memory_bytes: int) -> None:
    """In the forked child: limit memory, run, send the outcome, and end without cleaning up."""
    try:
        limit = mapped_bytes() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        reply = {"ok": True, "value": wire.encode(function(*args))}
    except MemoryError:
        reply = {"ok": False, "kind": "memory", "message": "the test ran out of memory"}
    except BaseException as error:  # noqa: BLE001 (every outcome goes back to the parent)
        reply = {"ok": False, "kind": type(error).__name__, "message": wire.describe(str(error), 2000)}
    try:
        with os.fdopen(write_fd, "wb") as stream:
            stream.write(frames.encode(reply))
    finally:
        os._exit(0)


def run_limited(function, *args, seconds: float, memory_bytes: int = MEMORY_BYTES):
    """`function(*args)` run in a forked child, given `seconds` of wall-clock time and `memory_bytes`
    of memory beyond the grader's; its return value must be plain data (see autograder.wire).
    Raises GuardError if it does not return in time, runs out of memory, crashes or raises."""
    read_fd, write_fd = os.pipe()
    deadline = time.monotonic() + seconds
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        child(function, args, write_fd, memory_bytes)
    os.close(write_fd)
    try:
        reply = frames.read_frame_by(read_fd, deadline)
    except frames.FrameTimeout:
        raise GuardError("timeout", f"the test did not finish within {seconds:g} s") from None
    except (EOFError, OSError, frames.FrameError):
        raise GuardError("crashed", "the test's process ended without an answer") from None
    finally:
        os.close(read_fd)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    if not reply.get("ok"):
        raise GuardError(str(reply.get("kind")), str(reply.get("message")))
    return wire.decode(reply["value"])
