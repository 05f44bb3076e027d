"""One sample class for the tests that grade: nbgrader autogrades it; a copy made before that
is left for our autograder, so that both grade the same submissions."""

import shutil

import pytest

from course import paths, sample_class


@pytest.fixture(scope="session")
def sample_courses(tmp_path_factory):
    """(nbgrader's course directory, autograded; an identical one not yet graded)."""
    base = tmp_path_factory.mktemp("sample")
    graded_by_nbgrader, ungraded = base / "nbgrader", base / "ours"
    sample_class.create(graded_by_nbgrader, paths.assignments(), sample_class.EVERYONE)
    shutil.copytree(graded_by_nbgrader, ungraded)
    for assignment in paths.assignments():
        sample_class.autograde(graded_by_nbgrader, assignment)
    return graded_by_nbgrader, ungraded
