"""The benchmarks work end to end (at a small size: a check, not a timing)."""

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


def test_the_one_submission_benchmark_times_every_assignment_and_kind(tmp_path):
    command = [sys.executable, "-m", "benchmarks.one_submission", "--runs", "1", "--dir", str(tmp_path)]
    done = subprocess.run(command, cwd=paths.ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [row for row in map(str.split, done.stdout.splitlines()) if row and row[0] in paths.assignments()]
    scores = {(row[0], row[1]): float(row[-1]) for row in rows}
    assert set(scores) == {(a, kind) for a in paths.assignments() for kind in ("correct", "partial", "blank")}
    for assignment in paths.assignments():
        assert scores[assignment, "correct"] == 100
        assert 0 < scores[assignment, "partial"] < 100
        assert scores[assignment, "blank"] == 0
    assert "the machine's fixed loop took" in done.stdout
