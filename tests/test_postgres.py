"""The gradebook stays consistent when a class is graded in parallel into PostgreSQL, a real
server that this test starts on loopback (Debian's postgresql package)."""

import csv
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.batch import grade_class
from autograder.course_dir import Course
from course import sample_class
from course.check import is_test_cell
from course.nbgrader_cli import run_nbgrader

# every student earns points, so that a score lost on the way to the gradebook cannot pass for a zero
KINDS = ("correct", "partial")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not binaries:
        pytest.fail("PostgreSQL is not installed: apt-get install postgresql (make test installs it)")
    pg = binaries[-1]
    folder = Path(tempfile.mkdtemp(prefix="gradebook-pg-"))  # under /tmp, where the postgres user can reach it
    # PostgreSQL refuses to run as root: as root, run it as the package's postgres user
    as_postgres = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    port = free_port()

    def run(*command):
        subprocess.run([*as_postgres, *map(str, command)], check=True, capture_output=True)

    run(pg / "initdb", "-D", folder / "data", "--auth=trust", "-U", "postgres")
    run(
        pg / "pg_ctl",
        "-D",
        folder / "data",
        "-l",
        folder / "log",
        "-w",
        "start",
        "-o",
        f"-h 127.0.0.1 -p {port} -k {folder}",
    )
    try:
        run(pg / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "gradebook")
        yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
    finally:
        run(pg / "pg_ctl", "-D", folder / "data", "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_parallel_grading_into_postgresql_is_consistent(postgres_url, tmp_path):
    students = {f"student{i:02d}": KINDS[i % len(KINDS)] for i in range(16)}
    course_root = tmp_path / "course"
    sample_class.create(course_root, ["fc_net"], students, db_url=postgres_url)
    course = Course(course_root)
    assert course.db_url == postgres_url
    cells = [c for c in sample_class.SUBMISSIONS["reference"]("fc_net").cells if is_test_cell(c)]

    for _ in range(2):  # grading again replaces the scores; it never duplicates them
        results = {r.student: r for r in grade_class(course, "fc_net", workers=2, progress=False)}
        with Gradebook(postgres_url) as gradebook:
            assert len(gradebook.find_assignment("fc_net").submissions) == len(students)
            for student, result in results.items():
                notebook = gradebook.find_submission_notebook("fc_net", "fc_net", student)
                assert len(notebook.grades) == len(cells)
                assert {g.name: g.score for g in notebook.grades} == {c.grade_id: c.score for c in result.cells}
    assert sorted({r.score for r in results.values()}) == [65.0, 100.0]

    export = tmp_path / "export.csv"
    run_nbgrader(["export", "--to", str(export)], course_root)
    exported = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(export.open())}
    assert exported == {student: result.score for student, result in results.items()}
