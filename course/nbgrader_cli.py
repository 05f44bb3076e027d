"""Running nbgrader's command line in a course directory."""

import os
import subprocess
import sys
from pathlib import Path


class NbgraderError(RuntimeError):
    pass


def run_nbgrader(args: list[str], course_root: Path) -> str:
    """Run `nbgrader ARGS` with `course_root` as the course directory; return its log.

    nbgrader starts `alembic` by name to create a gradebook, so this interpreter's
    bin/ goes first on PATH even when the caller did not activate the environment.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    log = result.stdout + result.stderr
    if result.returncode != 0:
        raise NbgraderError(f"nbgrader {' '.join(args)} failed in {course_root}:\n{log}")
    return log
