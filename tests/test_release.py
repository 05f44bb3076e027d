"""release/ is exactly what nbgrader generates from source/, and gives away no answer."""

import nbformat
import pytest

from course import paths
from course.build import copy_course, generate
from course.check import HIDDEN_TESTS, SOLUTION, is_solution_cell, is_test_cell, nbgrader_meta

ASSIGNMENTS = paths.assignments()


def files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_what_the_build_produces(assignment, tmp_path):
    copy_course([assignment], tmp_path)
    built = files(generate(assignment, tmp_path))
    committed = files(paths.RELEASE / assignment)
    hint = f"release/{assignment} is out of date: run `python -m course build {assignment}`"
    assert sorted(built) == sorted(committed), hint
    for name, content in built.items():
        assert committed[name] == content, f"{name} differs; {hint}"


def split_marked(source, markers):
    """The stripped lines of `source` inside the markers, and those outside them."""
    inside, outside, within = set(), set(), False
    for line in source.splitlines():
        if markers[0] in line or markers[1] in line:
            within = markers[0] in line
            continue
        if line.strip():
            (inside if within else outside).add(line.strip())
    return inside, outside


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_and_no_hidden_test(assignment):
    source = nbformat.read(paths.source_notebook(assignment), as_version=4)
    release_text = paths.release_notebook(assignment).read_text()
    released = {
        nbgrader_meta(cell)["grade_id"]: {line.strip() for line in cell.source.splitlines()}
        for cell in nbformat.reads(release_text, as_version=4).cells
        if nbgrader_meta(cell)
    }
    for marker in (*SOLUTION, *HIDDEN_TESTS):
        assert marker not in release_text
    secret_cells = [(c, SOLUTION) for c in source.cells if is_solution_cell(c)]
    secret_cells += [(c, HIDDEN_TESTS) for c in source.cells if is_test_cell(c)]
    for cell, markers in secret_cells:
        grade_id = nbgrader_meta(cell)["grade_id"]
        inside, outside = split_marked(cell.source, markers)
        secret = inside - outside
        assert secret, f"{grade_id} has nothing between its markers"
        assert not secret & released[grade_id], f"{grade_id} gives away {sorted(secret & released[grade_id])}"
        if markers == SOLUTION:
            assert "raise NotImplementedError()" in released[grade_id]
