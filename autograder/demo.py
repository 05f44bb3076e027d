"""The demo class: the course's own assignments, submitted by a correct, a blank, a partly wrong,
a cheating and a broken student, graded by this autograder, then exported by nbgrader."""

from pathlib import Path

from autograder.batch import grade_class
from autograder.course_dir import Course
from autograder.report import summary, table
from autograder.sandbox import isolation_summary
from course import paths, sample_class
from course.nbgrader_cli import run_nbgrader

STUDENTS = ("correct", "blank", "partial", "cheater")  # the source notebook is no student's work


def create(course_root: Path, assignments: list[str]) -> None:
    sample_class.create(course_root, assignments, STUDENTS)
    for assignment in assignments:
        broken = course_root / "submitted" / "broken" / assignment
        broken.mkdir(parents=True)
        (broken / f"{assignment}.ipynb").write_text('{"cells": [')


def run(args) -> int:
    course_root = args.dir.resolve()
    assignments = paths.assignments()
    print(f"building the demo class in {course_root}")
    create(course_root, assignments)
    course = Course(course_root)
    print(isolation_summary())
    for assignment in assignments:
        results = grade_class(course, assignment, workers=args.workers)
        print(f"\n{assignment}\n{table(results)}\n{summary(results)}")
    export = course_root / "nbgrader-export.csv"
    run_nbgrader(["export", "--to", str(export)], course_root)
    print(f"\nnbgrader export of the gradebook ({export}):")
    print(export.read_text(), end="")
    return 0
