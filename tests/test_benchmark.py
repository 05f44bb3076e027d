"""The grading-speed benchmark works end to end (at a small size: a check, not a timing)."""

import subprocess
import sys

from course import paths


def test_the_benchmark_grades_a_small_class_both_ways_with_identical_scores(tmp_path):
    command = [sys.executable, "-m", "benchmarks.grading_speed", "--size", "3", "--workers", "2"]
    done = subprocess.run(
        [*command, "--dir", str(tmp_path)], cwd=paths.ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "scores: identical for all 3 submissions" in done.stdout
    for row in ("nbgrader autograde", "autograder, 1 worker", "autograder, 2 workers"):
        assert row in done.stdout
    for kind in ("correct", "partial", "blank"):
        assert f"one submission ({kind}), whole Gradescope command" in done.stdout
