"""Plausible bugs in the students' answers, one module per assignment (`tests/bugs/<assignment>.py`).

Each module defines BUGS, a list of Bug. For every graded function there are at least five: the
mistakes students really make (from the notebooks' text alone, from other courses' conventions,
from copying the visible example). tests/test_bugs.py grades a submission per bug, correct except
for that one answer, and checks that
- the visible test of that function fails, with a message that contains `message` (the likely
  cause, in words the student can act on): Validate catches it before the student hands in;
- at grading, that test cell loses its points, and no other cell loses any: one bug costs its
  points once.
"""

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    name: str  # short and unique within the assignment, e.g. "dW_not_averaged"
    answer: str  # grade id of the answer cell that gets the bug
    test: str  # grade id of the test cell that must catch it
    code: str  # the whole answer cell, with the bug
    message: str  # a part of the visible test's failure message


def bugs_of(assignment: str) -> list[Bug]:
    try:
        module = importlib.import_module(f"bugs.{assignment}")
    except ModuleNotFoundError as error:
        if error.name != f"bugs.{assignment}":
            raise
        return []
    return module.BUGS
