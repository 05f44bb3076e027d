"""Gradescope: grade the one submission Gradescope provides, and build the autograder bundle.

Gradescope unpacks the bundle into /autograder/source, runs setup.sh once when the image is
built, and then run_autograder for every submission, with the student's files in
/autograder/submission; the scores go to /autograder/results/results.json, one test per graded
cell. The flags go to extra_data, which instructors see and students do not.
"""

import json
import stat
import zipfile
from pathlib import Path

from autograder import notebook
from autograder.grade import CellResult, Options, Result, grade_submission
from autograder.sandbox import autograde_environment
from autograder.spec import read_spec

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-venv python3-pip bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -r /autograder/source/requirements.txt
# compiled here, once: every submission runs in a fresh container, which would compile it again
/autograder/venv/bin/python -m compileall -q /autograder/source/autograder
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission.
set -euo pipefail
cd /autograder/source
/autograder/venv/bin/python -m autograder gradescope {assignment} \\
    --submission /autograder/submission --results /autograder/results/results.json
"""


def results_json(result: Result) -> dict:
    tests = [
        {
            "name": cell.grade_id,
            "score": cell.score,
            "max_score": cell.points,
            "status": "passed" if cell.outcome == "passed" else "failed",
            "output": cell.feedback,
            "visibility": "visible",
        }
        for cell in result.cells
    ]
    output = f"{result.status}: {result.message}" if result.status != "graded" else result.message
    extra = {"status": result.status, "flags": result.flags}
    return {"score": result.score, "output": output, "tests": tests, "extra_data": extra}


def grade(root: Path, assignment: str, submission: Path, results: Path, timeout: float) -> Result:
    """Grade the submission and write results.json, whatever happens: a failure of the grader is a
    result (status "error", every cell at zero, the reason in one line), never a traceback."""
    cells = []
    try:
        spec = read_spec(root / "source" / assignment, assignment)
        cells = [CellResult(t.grade_id, t.points, 0.0, "not run") for t in spec.tests]
        released = notebook.read(root / "release" / assignment / f"{assignment}.ipynb")
        with autograde_environment():
            result = grade_submission(spec, released, submission, "student", 0, Options.for_course(root, timeout))
    except Exception as error:  # noqa: BLE001 (Gradescope must get a results file)
        message = f"the grader failed on this submission ({type(error).__name__})"
        result = Result("student", assignment, "error", message, cells, ["the grader failed on this submission"])
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(results_json(result), indent=2))
    return result


def bundle(root: Path, assignment: str, out: Path) -> Path:
    """The zip to upload to Gradescope as the autograder of one assignment."""
    files = [root / "requirements.txt", root / "nbgrader_config.py"]
    files += list((root / "autograder").rglob("*.py"))
    files += [p for folder in ("source", "release") for p in (root / folder / assignment).rglob("*") if p.is_file()]
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path.resolve(), path.relative_to(root).as_posix())  # resolve: links become files
        for name, text in [("setup.sh", SETUP), ("run_autograder", RUN.format(assignment=assignment))]:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            archive.writestr(info, text)
    return out
