"""Command line: python -m autograder {grade,demo,gradescope,gradescope-bundle}."""

import argparse
import sys
from pathlib import Path


def run_grade(args) -> int:
    from autograder.batch import grade_class
    from autograder.course_dir import Course, CourseError
    from autograder.grade import Options
    from autograder.report import summary, table
    from autograder.sandbox import isolation_summary

    try:
        course = Course(Path(args.root))
        options = Options.from_config(course.config, args.timeout or course.cell_timeout)
        print(isolation_summary(), file=sys.stderr)
        results = grade_class(course, args.assignment, args.student or None, args.workers, options, args.csv)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(table(results))
    print(summary(results, isolation_summary()))
    return 0


def run_demo(args) -> int:
    from autograder import demo

    return demo.run(args)


def run_gradescope(args) -> int:
    from autograder.sandbox import start_early

    start_early()  # the sandbox starts up while the grader loads; that halves the wait for one submission
    # imported here: the one-submission path skips nbgrader's app machinery, which is slow to load
    from autograder import gradescope

    result = gradescope.grade(args.root.resolve(), args.assignment, args.submission, args.results, args.timeout)
    print(f"{result.student}: {result.score:g} / {result.max_score:g} ({result.status})")
    return 0


def run_bundle(args) -> int:
    from autograder import gradescope

    out = args.out or Path("dist") / f"{args.assignment}-gradescope.zip"
    print(f"wrote {gradescope.bundle(args.root.resolve(), args.assignment, out)}")
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
    sample.set_defaults(run=run_demo)
    one = commands.add_parser("gradescope", help="grade the one submission of a Gradescope run")
    one.add_argument("assignment")
    one.add_argument("--root", type=Path, default=Path("."), help="the course directory (default: here)")
    one.add_argument("--submission", type=Path, default=Path("/autograder/submission"))
    one.add_argument("--results", type=Path, default=Path("/autograder/results/results.json"))
    one.add_argument("--timeout", type=float, default=30.0, help="seconds per cell")
    one.set_defaults(run=run_gradescope)
    pack = commands.add_parser("gradescope-bundle", help="build the zip to upload to Gradescope for an assignment")
    pack.add_argument("assignment")
    pack.add_argument("--root", type=Path, default=Path("."), help="the course directory (default: here)")
    pack.add_argument("--out", type=Path, help="default: dist/ASSIGNMENT-gradescope.zip")
    pack.set_defaults(run=run_bundle)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
