"""The instructor's reference: the source notebook's own answers, run in the grader, never in the sandbox.

Used for two things while judging: telling whether a function is meant to return more than plain
data (autograder.proxy), and, with the course setting `Verdict.reference_for_other_functions`
(issue 14), standing in for the other graded functions a test cell's function calls, so that a test
fails only for the function it tests.
"""

import contextlib
import io
import warnings

import numpy as np

from autograder.spec import AssignmentSpec

ELEMENTS = 2**18  # array elements in all that student code may hand the instructor's reference in one call
MEMORY_BYTES = 2**28  # what such a call may map beyond what the grader has mapped (its result included)

_namespaces: dict = {}


class Refused(Exception):
    """Arguments from student code that the instructor's reference was not written for."""


def arrays_in(values: list):
    """The arrays in these values, at any depth of tuples, lists and dicts (as autograder.wire decodes them)."""
    stack = list(values)
    while stack:
        value = stack.pop()
        if type(value) is np.ndarray:
            yield value
        elif type(value) in (tuple, list):
            stack.extend(value)
        elif type(value) is dict:
            stack.extend(value.values())


def admit(args: list, kwargs: dict) -> None:
    """Raise Refused unless the instructor's reference may run on these arguments, sent by student code
    (a call back, autograder.session): float64 arrays of ELEMENTS elements at most, in all. The work a
    reference does is bounded by what it was written for; numpy has no fast product for other types (a
    float16 product of two 1536 x 1536 arrays takes a minute), and no call can be stopped midway: with
    MEMORY_BYTES for its results too, the longest takes about a second."""
    total = 0
    for array in arrays_in([*args, *kwargs.values()]):
        if array.dtype != np.float64:
            raise Refused(f"an array of {array.dtype}, where the instructor's functions take float64")
        total += array.size
    if total > ELEMENTS:
        raise Refused(f"arrays of {total} elements, more than the {ELEMENTS} the instructor's functions take")


def namespace(spec: AssignmentSpec) -> dict:
    """The names the source notebook defines up to its last test (built once per process and spec)."""
    key = (spec.source_dir, spec.name, spec.reference)
    if key not in _namespaces:
        names = {"__name__": "__reference__"}
        state = np.random.get_state()  # the tests' random state is not the reference's to change
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for label, code in spec.reference:
                try:
                    exec(compile(code, f"<reference {label}>", "exec"), names)  # noqa: S102 (the instructor's code)
                except Exception:  # noqa: BLE001,S112 (a cell that fails for the instructor serves nothing)
                    continue
        np.random.set_state(state)
        _namespaces[key] = names
    return _namespaces[key]


def helpers(spec: AssignmentSpec, tested: str, reads: tuple[str, ...]) -> tuple[dict, dict]:
    """For a test cell of the answer `tested`: the reference functions the test itself reads from
    other answer cells, and those the tested answer's reference uses (which the student's code may
    call back for). Only names of other answer cells are ever served."""
    answer = spec.answer(tested)
    own = set(answer.names) if answer else set()
    others = set(spec.answer_names) - own
    names = namespace(spec)
    direct = {n: names[n] for n in reads if n in others and callable(names.get(n))}
    called = {n: names[n] for n in (answer.uses if answer else ()) if n in others and callable(names.get(n))}
    return direct, called
