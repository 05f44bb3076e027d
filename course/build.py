"""Building release/ from source/ with nbgrader's own generate step."""

import shutil
from pathlib import Path

from course import figures, paths
from course.nbgrader_cli import run_nbgrader


def copy_course(assignments: list[str], course_root: Path) -> None:
    """Copy the nbgrader config and the given assignments' sources into a new course directory."""
    course_root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(paths.NBGRADER_CONFIG, course_root / paths.NBGRADER_CONFIG.name)
    for assignment in assignments:
        shutil.copytree(paths.SOURCE / assignment, course_root / "source" / assignment)


def generate(assignment: str, course_root: Path = paths.ROOT, gradebook: bool = False) -> Path:
    """Generate the student version of one assignment; return its release folder.

    Without `gradebook`, nothing is written to a gradebook (the repository keeps none).
    """
    args = ["generate_assignment", assignment, "--force"]
    if not gradebook:
        args.append("--no-db")
    run_nbgrader(args, course_root)
    return course_root / "release" / assignment


def build(assignments: list[str]) -> None:
    """Redraw each assignment's figures into source/, then regenerate release/<assignment>/ from a clean folder."""
    for assignment in assignments:
        figures.draw(assignment)
        shutil.rmtree(paths.RELEASE / assignment, ignore_errors=True)
        generate(assignment)
