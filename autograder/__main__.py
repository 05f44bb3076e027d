"""Command line: python -m autograder {grade,demo}."""

import argparse
import sys
from pathlib import Path

from autograder import demo
from autograder.batch import grade_class
from autograder.course_dir import Course, CourseError
from autograder.grade import Options
from autograder.report import summary, table
from autograder.sandbox import isolation_summary


def run_grade(args) -> int:
    course = Course(Path(args.root))
    options = Options(timeout=args.timeout or course.cell_timeout)
    print(isolation_summary(), file=sys.stderr)
    results = grade_class(course, args.assignment, args.student or None, args.workers, options, args.csv)
    print(table(results))
    print(summary(results, isolation_summary()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade every submission of an assignment")
    grade.add_argument("assignment")
    grade.add_argument("--root", default=".", help="the nbgrader course directory (default: here)")
    grade.add_argument("--student", action="append", help="grade only this student (repeatable)")
    grade.add_argument("--workers", type=int, help="parallel workers (default: the number of cores)")
    grade.add_argument("--timeout", type=float, help="seconds per cell (default: nbgrader's Execute.timeout)")
    grade.add_argument("--csv", type=Path, help="where to write the CSV (default: ROOT/reports/ASSIGNMENT.csv)")
    grade.set_defaults(run=run_grade)
    sample = commands.add_parser("demo", help="build a sample class from the course and grade it")
    sample.add_argument("--dir", type=Path, default=Path("build/autograder-demo"), help="where to build it")
    sample.add_argument("--workers", type=int, help="parallel workers (default: the number of cores)")
    sample.set_defaults(run=demo.run)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
