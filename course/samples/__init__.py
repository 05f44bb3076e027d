"""Wrong answers of the kind students write, for the sample class's `partial` student.

Each assignment has a module here, named after it, that defines WRONG_ANSWERS: the answer cells
to replace (by grade id, with the wrong code) and the test cells those answers must fail. Every
other test cell of the notebook must keep its points.
"""

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class WrongAnswers:
    cells: dict[str, str]
    failing_tests: frozenset[str]


def wrong_answers(assignment: str) -> WrongAnswers:
    return importlib.import_module(f"course.samples.{assignment}").WRONG_ANSWERS
