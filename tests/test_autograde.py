"""A real nbgrader autograde, cell by cell: full marks for the source, zero for the untouched release,
and wrong answers lose exactly the cells they break (see course.samples)."""

import nbformat
import pytest

from course import paths, sample_class, samples
from course.check import is_test_cell, nbgrader_meta

ASSIGNMENTS = paths.assignments()


@pytest.fixture(scope="module")
def graded_class(sample_courses):
    return sample_courses[0]


def points_by_test_cell(assignment):
    source = nbformat.read(paths.source_notebook(assignment), as_version=4)
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"]) for c in source.cells if is_test_cell(c)}


def scores(course_root, assignment, student):
    return {c.grade_id: (c.score, c.max_score) for c in sample_class.cell_scores(course_root, assignment, student)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_source_notebook_gets_full_marks_in_every_cell(graded_class, assignment):
    expected = {grade_id: (points, points) for grade_id, points in points_by_test_cell(assignment).items()}
    assert scores(graded_class, assignment, "reference") == expected


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_untouched_release_gets_zero_in_every_cell(graded_class, assignment):
    expected = {grade_id: (0.0, points) for grade_id, points in points_by_test_cell(assignment).items()}
    assert scores(graded_class, assignment, "blank") == expected


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_wrong_answers_lose_exactly_the_cells_they_break(graded_class, assignment):
    points = points_by_test_cell(assignment)
    failing = samples.wrong_answers(assignment).failing_tests
    assert failing and failing <= set(points)
    expected = {grade_id: (0.0 if grade_id in failing else p, p) for grade_id, p in points.items()}
    assert scores(graded_class, assignment, "partial") == expected
