"""Command line: python -m course {build,check,demo} [ASSIGNMENT ...]."""

import argparse
import sys
from pathlib import Path

from course import paths, sample_class
from course.build import build
from course.check import check_notebook, verifiability_lines
from course.nbgrader_cli import run_nbgrader


def chosen(names: list[str]) -> list[str]:
    known = paths.assignments()
    unknown = sorted(set(names) - set(known))
    if unknown:
        sys.exit(f"unknown assignment(s) {', '.join(unknown)}; the course has {', '.join(known)}")
    return names or known


def run_build(args) -> int:
    for assignment in chosen(args.assignments):
        build([assignment])
        print(f"built {paths.release_notebook(assignment).relative_to(paths.ROOT)}")
    return 0


def run_check(args) -> int:
    failed = False
    for assignment in chosen(args.assignments):
        problems = check_notebook(paths.source_notebook(assignment), run=not args.no_run)
        for problem in problems:
            print(problem)
        print(f"{assignment}: {len(problems)} problem(s)")
        if not problems:
            print("\n".join(verifiability_lines(paths.source_notebook(assignment))))
        failed = failed or bool(problems)
    return 1 if failed else 0


def run_demo(args) -> int:
    course_root = Path(args.dir).resolve()
    assignments = chosen(args.assignments)
    print(f"creating a sample class in {course_root}")
    sample_class.create(course_root, assignments, sample_class.EVERYONE)
    print(f"{'assignment':<12} {'student':<10} {'score':>12}  cells that lost points")
    for assignment in assignments:
        sample_class.autograde(course_root, assignment)
        for student in sample_class.EVERYONE:
            cells = sample_class.cell_scores(course_root, assignment, student)
            score, max_score = sum(c.score for c in cells), sum(c.max_score for c in cells)
            lost = ", ".join(c.grade_id for c in cells if c.score < c.max_score) or "-"
            print(f"{assignment:<12} {student:<10} {score:>5g} / {max_score:<4g}  {lost}")
    export = course_root / "grades.csv"
    run_nbgrader(["export", "--to", str(export)], course_root)
    print(f"nbgrader's own export of the gradebook: {export}")
    print(export.read_text(), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, run, help_text in [
        ("build", run_build, "regenerate release/ from source/ with nbgrader generate_assignment"),
        (
            "check",
            run_check,
            "lint the source notebooks, run them, report stderr and errors, then which test cells are verifiable",
        ),
        ("demo", run_demo, "grade the sample class with nbgrader autograde (for comparison with the autograder)"),
    ]:
        command = commands.add_parser(name, help=help_text)
        command.add_argument("assignments", nargs="*", help="assignment names (default: all)")
        command.set_defaults(run=run)
    commands.choices["check"].add_argument("--no-run", action="store_true", help="static checks only")
    commands.choices["demo"].add_argument("--dir", default="build/demo-class", help="where to create the class")
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
