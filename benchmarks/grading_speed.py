"""Grading speed: `nbgrader autograde` against our autograder, on the same generated class.

    python -m benchmarks.grading_speed [--size 200] [--assignment fc_net] [--workers N] [--dir DIR]

Generates a class of SIZE submissions of one assignment (correct, partly wrong and blank in
turn), grades it with `nbgrader autograde` and with `python -m autograder grade` (with one worker
and with WORKERS), checks that every score matches, cell by cell, and prints the wall times, the
per-notebook medians, the throughput ratio and the peak memory of the largest process. It also
times `python -m autograder gradescope` on one submission of each kind, the whole command (median
and slowest of five runs). Exit status 1 when a score differs.
"""

import argparse
import csv
import itertools
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from autograder.batch import usable_cores
from benchmarks.one_submission import timed_run
from course import paths, sample_class

# Runs a command and prints the peak resident memory of its largest process, in KiB.
PEAK_RSS = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); " + (
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run_measured(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS of the largest process in MiB, and stderr, of one command."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - started
    return wall, int(done.stdout.split()[-1]) / 1024, done.stderr


def nbgrader_notebook_seconds(log: str) -> list[float]:
    """Time between the starts of consecutive notebooks, from nbgrader's timestamped log."""
    starts = [
        datetime.strptime(m.group(1), "%H:%M:%S.%f")
        for m in re.finditer(r"^(\d\d:\d\d:\d\d\.\d+) Creating/updating student", log, re.MULTILINE)
    ]
    return [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]


def our_rows(csv_path: Path) -> dict:
    return {row["student"]: row for row in csv.DictReader(csv_path.open())}


def grade_with_ours(course_root: Path, assignment: str, workers: int) -> tuple[float, float, dict]:
    csv_path = course_root / "reports" / f"{assignment}-{workers}.csv"
    command = [sys.executable, "-m", "autograder", "grade", assignment, "--root", str(course_root)]
    command += ["--workers", str(workers), "--csv", str(csv_path)]
    wall, peak, _ = run_measured(command, paths.ROOT)
    return wall, peak, our_rows(csv_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=200, help="submissions in the class (default 200)")
    parser.add_argument("--assignment", default="fc_net")
    parser.add_argument("--workers", type=int, default=usable_cores(), help="default: the number of cores")
    parser.add_argument("--dir", type=Path, default=Path("build/benchmark"))
    args = parser.parse_args(argv)
    base = args.dir.resolve()
    shutil.rmtree(base, ignore_errors=True)
    kinds = sample_class.MIXED
    students = {f"s{i:04d}": kinds[i % len(kinds)] for i in range(args.size)}
    print(f"generating {args.size} submissions of {args.assignment} ({', '.join(kinds)} in turn) in {base}")
    sample_class.create(base / "nbgrader", [args.assignment], students)
    for copy in ("ours-1", f"ours-{args.workers}"):
        shutil.copytree(base / "nbgrader", base / copy, dirs_exist_ok=True)

    log_options = ["--Application.log_format=%(asctime)s.%(msecs)03d %(message)s", "--Application.log_datefmt=%H:%M:%S"]
    command = [sys.executable, "-m", "nbgrader", "autograde", args.assignment, *log_options]
    nb_wall, nb_peak, log = run_measured(command, base / "nbgrader")
    theirs = {
        student: {c.grade_id: c.score for c in sample_class.cell_scores(base / "nbgrader", args.assignment, student)}
        for student in students
    }
    rows = [("nbgrader autograde", nb_wall, statistics.median(nbgrader_notebook_seconds(log) or [nb_wall]), nb_peak)]

    mismatches = []
    for workers in dict.fromkeys([1, args.workers]):
        wall, peak, ours = grade_with_ours(base / f"ours-{workers}", args.assignment, workers)
        median = statistics.median(float(row["seconds"]) for row in ours.values())
        rows.append((f"autograder, {workers} worker{'s' if workers > 1 else ''}", wall, median, peak))
        for student, cells in theirs.items():
            if any(float(ours[student][cell]) != score for cell, score in cells.items()):
                mismatches.append((workers, student))

    print(f"\n{'':<24}{'wall (s)':>10}{'median per notebook (s)':>26}{'notebooks/s':>13}{'peak RSS (MiB)':>16}")
    for name, wall, median, peak in rows:
        print(f"{name:<24}{wall:>10.1f}{median:>26.3f}{args.size / wall:>13.2f}{peak:>16.0f}")
    print(f"\nthroughput, ours with {args.workers} workers / nbgrader: {rows[0][1] / rows[-1][1]:.1f} times")
    for student, kind in list(students.items())[: len(kinds)]:
        submission = base / "nbgrader" / "submitted" / student / args.assignment
        seconds = sorted(timed_run(args.assignment, submission, base / "gradescope-results.json")[0] for _ in range(5))
        print(
            f"one submission ({kind}), whole Gradescope command: median {statistics.median(seconds):.2f} s, "
            f"slowest {seconds[-1]:.2f} s of {len(seconds)} runs"
        )
    if mismatches:
        print(f"scores DIFFER for {len(mismatches)} gradings: {mismatches[:5]}")
        return 1
    print(f"scores: identical for all {args.size} submissions, cell by cell, with every number of workers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
