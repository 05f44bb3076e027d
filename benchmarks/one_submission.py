"""One submission, whole command: `python -m autograder gradescope`, for every assignment.

    python -m benchmarks.one_submission [--runs 10] [--dir DIR]

Makes one submission of each kind (correct, partly wrong, blank) of every assignment, runs the
Gradescope command on each once to warm the file cache and then RUNS times, and prints the median
and slowest wall time, measured from outside the command (interpreter start-up and the sandbox's
included). Exit status 1 when the runs of one submission disagree on its score.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.grading_speed import KINDS
from course import paths, sample_class


def timed_runs(assignment: str, submission: Path, results: Path, runs: int) -> tuple[list[float], set[float]]:
    """Wall seconds of each run, fastest first, and the scores the runs gave."""
    command = [sys.executable, "-m", "autograder", "gradescope", assignment, "--root", str(paths.ROOT)]
    command += ["--submission", str(submission), "--results", str(results)]
    subprocess.run(command, cwd=paths.ROOT, check=True, capture_output=True)  # warm-up, not timed
    seconds, scores = [], set()
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=paths.ROOT, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
        scores.add(json.loads(results.read_text())["score"])
    return sorted(seconds), scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="runs of each submission (default 10)")
    parser.add_argument("--dir", type=Path, default=Path("build/one-submission"))
    args = parser.parse_args(argv)
    base = args.dir.resolve()
    assignments = paths.assignments()
    sample_class.create(base, assignments, KINDS)
    print(f"{'':<18}{'median (s)':>12}{'slowest (s)':>13}{'score':>8}")
    unsteady = []
    for assignment in assignments:
        for kind in KINDS:
            submission = base / "submitted" / kind / assignment
            seconds, scores = timed_runs(assignment, submission, base / "results.json", args.runs)
            print(f"{assignment + ' ' + kind:<18}{statistics.median(seconds):>12.2f}{seconds[-1]:>13.2f}{min(scores):>8g}")
            if len(scores) > 1:
                unsteady.append(f"{assignment} {kind}: {sorted(scores)}")
    if unsteady:
        print(f"scores DIFFER between runs: {unsteady}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
