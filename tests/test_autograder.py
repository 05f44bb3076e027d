"""Our autograder against nbgrader on the same sample class: same scores for honest work, cell by
cell; the cheat that fools nbgrader gets nothing here; results reach nbgrader's gradebook."""

import csv
import html
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook

from autograder.batch import grade_class
from autograder.course_dir import Course
from course import paths, sample_class
from course.nbgrader_cli import run_nbgrader

HONEST, STUDENTS = sample_class.HONEST, sample_class.EVERYONE

ASSIGNMENTS = paths.assignments()


@pytest.fixture(scope="module")
def our_results(sample_courses):
    course = Course(sample_courses[1])
    return {a: {r.student: r for r in grade_class(course, a, progress=False)} for a in ASSIGNMENTS}


def nbgrader_scores(course_root, assignment, student):
    return {c.grade_id: c.score for c in sample_class.cell_scores(course_root, assignment, student)}


@pytest.mark.parametrize("student", HONEST)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_honest_work_gets_nbgraders_scores_cell_by_cell(sample_courses, our_results, assignment, student):
    """Equal, except where the course setting `Verdict.reference_for_other_functions` (on in this
    course) differs on purpose: a cell nbgrader fails only because a helper it calls is wrong gets
    full points here, and its feedback names the instructor's functions it passed with."""
    cells = {c.grade_id: c for c in our_results[assignment][student].cells}
    theirs = nbgrader_scores(sample_courses[0], assignment, student)
    assert set(cells) == set(theirs)
    for grade_id, cell in cells.items():
        if cell.score != theirs[grade_id]:
            assert (theirs[grade_id], cell.score) == (0, cell.points), grade_id
            assert cell.feedback.startswith("passed with the instructor's"), (grade_id, cell.feedback)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_ipython_cheat_fools_nbgrader_but_gets_nothing_here(sample_courses, our_results, assignment):
    fooled = nbgrader_scores(sample_courses[0], assignment, "cheater")
    assert sum(fooled.values()) == our_results[assignment]["cheater"].max_score > 0
    cheater = our_results[assignment]["cheater"]
    assert cheater.score == 0
    assert any("get_ipython" in flag for flag in cheater.flags)
    assert any("patches numpy.testing.assert_allclose" in flag for flag in cheater.flags)


def test_scores_are_in_nbgraders_gradebook_and_export(sample_courses, our_results):
    course_root = sample_courses[1]
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gradebook:
        for assignment in ASSIGNMENTS:
            for student, result in our_results[assignment].items():
                assert gradebook.find_submission(assignment, student).score == result.score
    export = course_root / "export.csv"
    run_nbgrader(["export", "--to", str(export)], course_root)
    rows = list(csv.DictReader(export.open()))
    assert len(rows) == len(ASSIGNMENTS) * len(STUDENTS)
    for row in rows:
        assert float(row["raw_score"]) == our_results[row["assignment"]][row["student_id"]].score


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_no_hidden_test_and_no_expected_array(sample_courses, our_results, assignment):
    course = Course(sample_courses[1])
    parts = [part for test in course.spec(assignment).tests for part in test.parts]
    shown = {line.strip() for code, hidden in parts if not hidden for line in code.splitlines()}
    # a failure may name the visible statement that failed; the same text on a hidden line hides nothing
    hidden_lines = {
        line.strip()
        for code, hidden in parts
        if hidden
        for line in code.splitlines()
        if len(line.strip()) > 20 and line.strip() not in shown
    }
    assert hidden_lines
    for student in STUDENTS:
        page = course.feedback_file(student, assignment).read_text()
        assert f"{our_results[assignment][student].score:g} / " in page
        leaked = [line for line in hidden_lines if html.escape(line) in page]
        assert not leaked, f"{student}'s feedback shows hidden test lines: {leaked[:3]}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_csv_has_a_row_per_student_and_a_column_per_graded_cell(sample_courses, our_results, assignment):
    course = Course(sample_courses[1])
    rows = list(csv.DictReader((course.root / "reports" / f"{assignment}.csv").open()))
    test_ids = [test.grade_id for test in course.spec(assignment).tests]
    assert [row["student"] for row in rows] == sorted(STUDENTS)
    for row in rows:
        result = our_results[assignment][row["student"]]
        assert [float(row[g]) for g in test_ids] == [c.score for c in result.cells]
        assert float(row["total"]) == result.score


def test_the_default_number_of_workers_is_the_cores_this_process_may_use():
    check = "from autograder.batch import usable_cores; print(usable_cores())"
    command = ["taskset", "--cpu-list", "0", sys.executable, "-c", check]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=paths.ROOT)
    assert done.stdout.strip() == "1"
