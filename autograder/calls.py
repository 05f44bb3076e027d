"""One call of a function across the sandbox boundary, in either direction.

The caller sends the arguments and numpy's global random state as plain data (autograder.wire);
the callee runs the function on its own copies and sends back the result, the arguments as the
function left them, and the random state after the call. The caller then gives its own arguments
those changes, so the two sides behave as if caller and function shared one process. The grader
calls the student's functions this way, and the sandbox calls the instructor's reference (a call
back into the grader, see autograder.reference).
"""

import numpy as np

from autograder import wire


def request(args: tuple, kwargs: dict) -> dict:
    """The message that asks for a call with these arguments."""
    encoder = wire.Encoder()
    return {
        "args": [encoder.encode(a) for a in args],
        "kwargs": {k: encoder.encode(v) for k, v in kwargs.items()},
        "random_state": wire.encode(np.random.get_state()),
    }


def answer(function, message: dict, admit=None) -> dict:
    """Run `function` on the arguments of a request; the reply's fields (exceptions propagate). `admit`,
    if given, sees the arguments first (and raises to refuse them)."""
    decoder = wire.Decoder()
    args = [decoder.decode(a) for a in message["args"]]
    kwargs = {k: decoder.decode(v) for k, v in message["kwargs"].items()}
    if admit is not None:
        admit(args, kwargs)
    np.random.set_state(wire.decode(message["random_state"]))
    result = function(*args, **kwargs)
    encoder = wire.Encoder()  # one encoder, so the result can refer to the arguments it holds
    encoded_args = [encoder.encode(a) for a in args]
    encoded_kwargs = {k: encoder.encode(v) for k, v in kwargs.items()}
    return {
        "args": encoded_args,
        "kwargs": encoded_kwargs,
        "value": encoder.encode(result),
        "random_state": wire.encode(np.random.get_state()),
    }


def take_reply(args: tuple, kwargs: dict, reply: dict):
    """The call's result; the caller's arguments get the changes made to them, and the random state
    is set as the call left it. KeyError, TypeError or ValueError if the reply is malformed.

    The result arrives with its identities: a part of it that is one of the arguments
    (`cache[3] is parameters`) is the caller's own object, changed as the function changed it.
    """
    decoder = wire.Decoder()
    passed = [*args, *kwargs.values()]
    returned = [*reply["args"], *(reply["kwargs"][k] for k in kwargs)]
    if len(returned) != len(passed):
        raise ValueError("the reply does not match the arguments")
    for original, node in zip(passed, returned, strict=True):
        copy_back(original, decoder.decode(node))
        decoder.adopt(original, node)
    np.random.set_state(wire.decode(reply["random_state"]))
    return decoder.decode(reply["value"])


def copy_back(original, after) -> None:
    """Give an argument the changes the function made to its copy on the other side."""
    if type(original) is np.ndarray and type(after) is np.ndarray and original.shape == after.shape:
        if original.flags.writeable:
            np.copyto(original, after, casting="unsafe")
    elif type(original) is dict and type(after) is dict:
        for key in [k for k in original if k not in after]:
            del original[key]
        for key, value in after.items():
            if key in original and type(original[key]) is np.ndarray:
                copy_back(original[key], value)
            else:
                original[key] = value
    elif type(original) is list and type(after) is list:
        original[:] = after
    elif type(original) is tuple and type(after) is tuple and len(original) == len(after):
        for item, item_after in zip(original, after, strict=True):
            copy_back(item, item_after)
