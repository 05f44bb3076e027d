"""Messages between the grader and the sandbox: JSON objects, each framed by its length.

Kept apart from autograder.wire, which encodes the values in them, so that starting a sandbox
does not need numpy: the one-submission command starts it while the grader is still loading.
"""

import json
import struct

MAX_FRAME = 64 * 2**20  # honest results are kilobytes; this bounds what one reply can cost the grader
HEADER = struct.Struct("!Q")


class FrameError(ValueError):
    """A frame that does not follow the format."""


def write_frame(stream, message: dict) -> None:
    body = json.dumps(message).encode()
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


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
    try:
        message = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FrameError(f"not JSON: {error}") from error
    if type(message) is not dict:
        raise FrameError("a frame must hold an object")
    return message
