"""One submission, whole command: `python -m autograder gradescope`, for every assignment.

    python -m benchmarks.one_submission [--runs 10] [--dir DIR]

Makes one submission of each kind (correct, partly wrong, blank) of every assignment, runs the
Gradescope command on each in RUNS rounds after a warm-up round, and prints the median and slowest
wall time, measured from outside the command (interpreter start-up and the sandbox's included),
and how long a fixed loop took before and after, to show how fast the machine was.
Exit status 1 when the runs of one submission disagree on its score.
"""

import argparse
import compileall
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from course import paths, sample_class


def timed_run(assignment: str, submission: Path, results: Path) -> tuple[float, float]:
    """Wall seconds of one run of the whole command, and the score it gave. The package is compiled
    first, as the bundle's setup.sh compiles it (a no-op when it is up to date)."""
    compileall.compile_dir(paths.ROOT / "autograder", quiet=1)
    command = [sys.executable, "-m", "autograder", "gradescope", assignment, "--root", str(paths.ROOT)]
    command += ["--submission", str(submission), "--results", str(results)]
    started = time.perf_counter()
    subprocess.run(command, cwd=paths.ROOT, check=True, capture_output=True)
    return time.perf_counter() - started, json.loads(results.read_text())["score"]


def machine_seconds() -> float:
    """A fixed pure-Python loop: how fast the machine is right now (virtual machines drift)."""
    started = time.perf_counter()
    sum(range(3 * 10**7))
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="runs of each submission (default 10)")
    parser.add_argument("--dir", type=Path, default=Path("build/one-submission"))
    args = parser.parse_args(argv)
    base = args.dir.resolve()
    sample_class.create(base, paths.assignments(), sample_class.MIXED)
    cases = [(a, kind, base / "submitted" / kind / a) for a in paths.assignments() for kind in sample_class.MIXED]
    before = machine_seconds()
    seconds = {case: [] for case in cases}
    scores = {case: set() for case in cases}
    # round after round over all submissions, so that a slow spell of the machine hits them all alike
    for round_number in range(args.runs + 1):
        for case in cases:
            wall, score = timed_run(case[0], case[2], base / "results.json")
            if round_number:  # round 0 warms the file cache
                seconds[case].append(wall)
                scores[case].add(score)
    print(f"{'':<18}{'median (s)':>12}{'slowest (s)':>13}{'score':>8}")
    for case in cases:
        name = f"{case[0]} {case[1]}"
        print(f"{name:<18}{statistics.median(seconds[case]):>12.2f}{max(seconds[case]):>13.2f}{min(scores[case]):>8g}")
    print(f"the machine's fixed loop took {before:.2f} s before and {machine_seconds():.2f} s after")
    unsteady = [
        f"{a} {kind}: {sorted(scores[a, kind, path])}" for a, kind, path in cases if len(scores[a, kind, path]) > 1
    ]
    if unsteady:
        print(f"scores DIFFER between runs: {unsteady}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
