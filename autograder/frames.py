"""Messages between the grader and the sandbox: JSON objects, each framed by its length.

Kept apart from autograder.wire, which encodes the values in them, so that starting a sandbox
does not need numpy: the one-submission command starts it while the grader is still loading.

A frame from the sandbox is hostile until checked: its size, the number of JSON objects and
arrays in it (each costs the grader about a hundred bytes once parsed) and its nesting are
bounded before or while it is parsed, so that no reply can cost the grader more than a few
hundred megabytes or a stack overflow.
"""

import json
import os
import re
import select
import struct
import time

MAX_FRAME = 16 * 2**20  # honest results are kilobytes; this bounds what one reply can cost the grader
MAX_CONTAINERS = 200_000  # JSON objects and arrays in one frame
MAX_VALUES = 1_000_000  # values of any kind in one frame (each costs the grader tens of bytes or more)
HEADER = struct.Struct("!Q")
MAX_DEPTH = 200  # the values in it are bounded more tightly by autograder.wire
JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
OPENING = b"[{"
NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class FrameError(ValueError):
    """A frame that does not follow the format."""


class FrameTimeout(TimeoutError):
    """The whole frame did not arrive in time."""


def encode(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return HEADER.pack(len(body)) + body


def write_frame(stream, message: dict) -> None:
    stream.write(encode(message))
    stream.flush()


def bounded_json(body: bytes, max_bytes: int, max_containers: int, max_values: int, max_depth: int):
    """Parse JSON text only if its size, its number of objects and arrays, its number of values and
    its nesting are within the bounds: each is checked before the parser builds anything."""
    if len(body) > max_bytes:
        raise FrameError(f"{len(body)} bytes, over the limit of {max_bytes}")
    bare = JSON_STRING.sub(b'""', body)  # what is inside strings does not count
    if bare.count(b",") + bare.count(b":") > max_values:
        raise FrameError(f"more than {max_values} values")
    brackets = bare.translate(None, NOT_BRACKETS)
    if len(brackets) > 2 * max_containers:
        raise FrameError(f"more than {max_containers} objects and arrays")
    depth = 0
    for byte in brackets:
        depth += 1 if byte in OPENING else -1
        if depth > max_depth:
            raise FrameError(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FrameError(f"not JSON: {error}") from error


def parse(body: bytes) -> dict:
    """The message a frame's body holds, within the bounds above."""
    message = bounded_json(body, MAX_FRAME, MAX_CONTAINERS, MAX_VALUES, MAX_DEPTH)
    if type(message) is not dict:
        raise FrameError("a frame must hold an object")
    return message


def read_frame(stream) -> dict:
    """Read one message; raise EOFError when the other side has gone."""
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        raise EOFError("the other side closed the channel")
    (size,) = HEADER.unpack(header)
    if size > MAX_FRAME:
        raise FrameError(f"a frame of {size} bytes is over the limit")
    body = stream.read(size)
    if len(body) < size:
        raise EOFError("the other side closed the channel mid-frame")
    return parse(body)


def read_exactly(fd: int, size: int, deadline: float) -> bytes:
    parts, missing = [], size
    while missing:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise FrameTimeout("no complete frame in time")
        chunk = os.read(fd, min(missing, 2**20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        parts.append(chunk)
        missing -= len(chunk)
    return b"".join(parts)


def read_frame_by(fd: int, deadline: float) -> dict:
    """Read one message from a file descriptor, all of it before `deadline` (time.monotonic()).

    Needs no thread, so a process forked from the grader can use the channel it inherits.
    """
    (size,) = HEADER.unpack(read_exactly(fd, HEADER.size, deadline))
    if size > MAX_FRAME:
        raise FrameError(f"a frame of {size} bytes is over the limit")
    return parse(read_exactly(fd, size, deadline))
