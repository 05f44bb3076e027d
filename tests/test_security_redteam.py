"""What an attacker who had read only the README got through (issue 21's red team), now refused or
graded as it should be: a student folder that is a link to a classmate's, text no UTF-8 file can hold,
and a notebook with more cells than any lesson, which kept nbgrader's converter busy for minutes."""

import json

import nbformat
import pytest
from test_autograder_corpus import ASSIGNMENT, FILE, correct, with_cell

from autograder import notebook
from autograder.batch import grade_class
from autograder.course_dir import Course
from autograder.grade import Options
from course import sample_class


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course_root = tmp_path_factory.mktemp("redteam") / "course"
    sample_class.create(course_root, [ASSIGNMENT], ())
    prints = with_cell(correct(), "print('half a pair: \\ud800')")
    folder = course_root / "submitted" / "prints_a_surrogate" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(prints, folder / FILE)
    (course_root / "submitted" / "zz_link").symlink_to(course_root / "submitted" / "prints_a_surrogate")
    results = grade_class(Course(course_root), ASSIGNMENT, options=Options(timeout=10), workers=1, progress=False)
    return {result.student: result for result in results}


def test_a_printed_lone_surrogate_costs_nothing(graded):
    result = graded["prints_a_surrogate"]
    assert (result.status, result.score) == ("graded", 100), result.message


def test_a_student_folder_that_links_to_a_classmates_is_refused(graded):
    result = graded["zz_link"]
    assert (result.status, result.score) == ("unreadable", 0)
    assert "symbolic link" in result.message


def notebook_text(cells: list) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def test_half_a_surrogate_pair_in_a_notebook_is_refused_and_a_whole_pair_is_read():
    with pytest.raises(notebook.NotebookError, match="not Unicode"):
        notebook.parse(notebook_text([markdown("\ud800")]))
    (cell,) = notebook.parse(notebook_text([markdown("\ud83d\ude00")]))  # an emoji, escaped as JSON does
    assert cell.source == "\U0001f600"


def test_a_notebook_with_more_cells_than_any_lesson_is_refused():
    with pytest.raises(notebook.NotebookError, match="cells, more than"):
        notebook.parse(notebook_text([markdown("x")] * (notebook.MAX_CELLS + 1)))
    assert len(notebook.parse(notebook_text([markdown("x")] * notebook.MAX_CELLS))) == notebook.MAX_CELLS
