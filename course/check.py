"""Checks on the source notebooks: the mistakes that would make nbgrader grade wrongly.

Each rule looks at one cell and returns what is wrong with it, or None. The rules run in the
order of RULES; running the notebook comes last, and only when every rule passed.
"""

import ast
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

SOLUTION = ("BEGIN SOLUTION", "END SOLUTION")
HIDDEN_TESTS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


@dataclass(frozen=True)
class Problem:
    notebook: Path
    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.notebook}: {self.cell}: {self.message}"


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def is_test_cell(cell) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def is_solution_cell(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def describe(index: int, cell) -> str:
    grade_id = nbgrader_meta(cell).get("grade_id")
    return f"cell {index}" + (f" ({grade_id})" if grade_id else "")


def has_points(cell) -> str | None:
    meta = nbgrader_meta(cell)
    if meta.get("grade") and not (meta.get("points") or 0) > 0:
        return f"a graded cell needs points > 0, it has {meta.get('points')!r}"
    return None


def has_hidden_tests(cell) -> str | None:
    if is_test_cell(cell) and HIDDEN_TESTS[0] not in cell.source:
        return "this test cell has no hidden tests (### BEGIN HIDDEN TESTS ... ### END HIDDEN TESTS)"
    return None


def unbalanced(source: str, markers: tuple[str, str]) -> str | None:
    begin, end = markers
    open_line = None
    for number, line in enumerate(source.splitlines(), start=1):
        if begin in line:
            if open_line is not None:
                return f"### {begin} on line {number} is inside the one opened on line {open_line}"
            open_line = number
        elif end in line:
            if open_line is None:
                return f"### {end} on line {number} has no ### {begin} before it"
            open_line = None
    if open_line is not None:
        return f"### {begin} on line {open_line} is never closed by ### {end}"
    return None


def markers_balanced(cell) -> str | None:
    return unbalanced(cell.source, SOLUTION) or unbalanced(cell.source, HIDDEN_TESTS)


def markers_in_place(cell) -> str | None:
    if cell.cell_type == "code" and SOLUTION[0] in cell.source and not is_solution_cell(cell):
        return "solution markers in a cell that is not a solution cell: nbgrader would release the solution"
    if HIDDEN_TESTS[0] in cell.source and not is_test_cell(cell):
        return "hidden-test markers in a cell that is not a test cell: nbgrader would release the tests"
    return None


def ends_in_statement(cell) -> str | None:
    """A test cell whose last line is an expression gets graded on that value, not on its asserts.

    A call is left to the run, which sees whether it returns a value (see output_problem).
    """
    if not is_test_cell(cell):
        return None
    try:
        body = ast.parse(cell.source).body
    except SyntaxError as error:
        return f"the test cell does not parse: {error.msg} on line {error.lineno}"
    last = body[-1] if body else None
    if isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call):
        return (
            f"the test cell ends in the bare expression `{ast.unparse(last)}`: nbgrader gives "
            "full marks for any value it shows, so end with an assert"
        )
    return None


RULES = [has_points, has_hidden_tests, markers_balanced, markers_in_place, ends_in_statement]


def static_problems(path: Path, nb) -> list[Problem]:
    problems = [
        Problem(path, describe(index, cell), message)
        for index, cell in enumerate(nb.cells)
        for rule in RULES
        if (message := rule(cell))
    ]
    grade_ids = Counter(nbgrader_meta(cell).get("grade_id") for cell in nb.cells if nbgrader_meta(cell))
    problems += [
        Problem(path, f"grade id {grade_id}", f"used by {count} cells; grade ids must be unique")
        for grade_id, count in grade_ids.items()
        if count > 1
    ]
    return problems


def output_problem(cell, output) -> str | None:
    if output.output_type == "stream" and output.name == "stderr":
        first_line = output.text.strip().splitlines()[0] if output.text.strip() else ""
        return f"writes to stderr, which makes nbgrader give the cell zero: {first_line!r}"
    if output.output_type == "error":
        return f"raises {output.ename}: {output.evalue}"
    if output.output_type == "execute_result" and is_test_cell(cell):
        return "the test cell shows a value, which nbgrader would take as its score"
    return None


def run_problems(path: Path, nb) -> list[Problem]:
    """Run the notebook with its solutions and report cells that fail or write to stderr."""
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(
        nb, timeout=600, kernel_name=kernel, allow_errors=True, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return [
        Problem(path, describe(index, cell), message)
        for index, cell in enumerate(nb.cells)
        for output in cell.get("outputs", [])
        if (message := output_problem(cell, output))
    ]


def check_notebook(path: Path, run: bool = True) -> list[Problem]:
    """Every problem found in one source notebook; it is run only when the static checks pass."""
    try:
        nb = nbformat.read(path, as_version=4)
    # nbformat raises unrelated types for broken files: NotJSONError (a ValueError) for an empty
    # file or bad JSON, ValidationError for JSON that is not a notebook, AttributeError for a list.
    except (OSError, ValueError, KeyError, TypeError, AttributeError, nbformat.ValidationError) as error:
        return [Problem(path, "the whole file", f"is not a readable notebook: {error}")]
    problems = static_problems(path, nb)
    if run and not problems:
        problems = run_problems(path, nb)
    return problems


def verifiability(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Each test cell's grade id and what keeps it from being judged independently (empty: nothing).

    The autograder's independent verdict (autograder.verdict) runs a test cell outside the student's
    process; the constructs listed are those that need the student's own process instead: those its
    code shows, and those it meets when run on the instructor's reference.
    """
    from autograder.spec import read_spec  # the autograder is needed only for this report
    from autograder.verdict import Options, decided_by_reference

    spec = read_spec(path.parent, path.stem, path)
    met = decided_by_reference(spec, Options())
    return [(test.grade_id, test.unverifiable or tuple(filter(None, [met.get(test.grade_id)]))) for test in spec.tests]


def verifiability_lines(path: Path) -> list[str]:
    return [
        f"{path}: {grade_id}: " + (f"not verifiable independently: {'; '.join(reasons)}" if reasons else "verifiable")
        for grade_id, reasons in verifiability(path)
    ]
