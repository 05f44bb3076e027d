"""Issue 21, causes 6 and 7: names that nbgrader would misread are refused, and the work a submission
makes the grader do (outputs, tracebacks, the instructor's reference served to student code) is
bounded. Each test names the cause it covers."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade

from autograder import gradescope, reference
from autograder.__main__ import main
from autograder.batch import grade_class
from autograder.course_dir import Course
from autograder.grade import Options
from autograder.replies import NOTEBOOK_OUTPUT_CAP, cell_allowance, output_size
from course import paths, sample_class
from course.check import nbgrader_meta
from tests.test_autograder_corpus import answer

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "fc_net"
FILE = f"{ASSIGNMENT}.ipynb"


def correct():
    return sample_class.solutions_filled_in(ASSIGNMENT, {})


def with_cells(nb, *sources: str):
    """The notebook with code cells of the student's added after the setup cells."""
    tools = next(i for i, cell in enumerate(nb.cells) if nbgrader_meta(cell).get("grade_id") == "tools")
    nb.cells[tools + 1 : tools + 1] = [nbformat.v4.new_code_cell(source) for source in sources]
    return nb


@pytest.fixture(scope="module")
def empty_course(tmp_path_factory):
    """A course with the fc_net assignment in its gradebook and no submission yet (copied per test)."""
    root = tmp_path_factory.mktemp("bounds") / "course"
    sample_class.create(root, [ASSIGNMENT], ())
    return root


def course_with(empty_course: Path, tmp_path: Path, submissions: dict) -> Path:
    """A copy of the empty course with these submissions: {folder name (str or bytes): notebook}."""
    root = tmp_path / "course"
    shutil.copytree(empty_course, root)
    for student, nb in submissions.items():
        folder = os.path.join(os.fsencode(root / "submitted"), os.fsencode(student), os.fsencode(ASSIGNMENT))
        os.makedirs(folder)
        with open(os.path.join(folder, os.fsencode(FILE)), "w") as stream:
            nbformat.write(nb, stream)
    return root


def gradebook_score(root: Path, student: str) -> float:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return gradebook.find_submission(ASSIGNMENT, student).score


# --- cause 6: names -------------------------------------------------------------------------------


def test_a_student_folder_that_is_a_pattern_is_refused_and_regrades_no_one(empty_course, tmp_path):
    # nbgrader's converter globs submitted/<student>/<assignment>: `?????` matches `cheat`, and `cheat `
    # is stripped to `cheat`; graded last (it sleeps), either would regrade the cheater without verdicts
    slow_and_right = with_cells(correct(), "import time\ntime.sleep(3)")
    root = course_with(
        empty_course,
        tmp_path,
        {"cheat": sample_class.cheating_attempt(ASSIGNMENT), "?????": slow_and_right, "cheat ": slow_and_right},
    )
    results = grade_class(Course(root), ASSIGNMENT, options=Options(timeout=10), workers=2, progress=False)
    outcome = {r.student: (r.status, r.score) for r in results}
    assert outcome == {"cheat": ("graded", 0), "?????": ("refused", 0), "cheat ": ("refused", 0)}
    assert gradebook_score(root, "cheat") == 0, "the cheater was graded again, without verdicts"
    messages = {r.student: r.message for r in results}
    assert messages["?????"] == (
        "the student folder '?????' holds *, ? or [, which nbgrader's converter reads as a pattern"
        " that matches other students"
    )
    assert "'cheat ' begins or ends with white space" in messages["cheat "]
    rows = (root / "reports" / f"{ASSIGNMENT}.csv").read_text().splitlines()
    assert sorted(row.split(",")[0] for row in rows[1:]) == ["?????", "cheat", "cheat "]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        assert {s.id for s in gradebook.students} == {"cheat"}


def test_names_that_are_not_utf8_are_refused_and_the_others_graded(empty_course, tmp_path, capsys):
    root = course_with(empty_course, tmp_path, {"honest": correct(), b"bad\xff": correct(), "extra": correct()})
    shutil.copy(
        root / "submitted" / "honest" / ASSIGNMENT / FILE,
        os.fsencode(root / "submitted" / "extra" / ASSIGNMENT) + b"/x\xfe.ipynb",
    )
    assert main(["grade", ASSIGNMENT, "--root", str(root), "--workers", "1", "--timeout", "10"]) == 0
    printed = capsys.readouterr().out
    assert "bad\\xff: refused: the student folder 'bad\\xff' is not valid UTF-8" in printed
    assert "extra: unreadable: refused: the name of x\\xfe.ipynb is not valid UTF-8" in printed
    rows = [row.split(",") for row in (root / "reports" / f"{ASSIGNMENT}.csv").read_text().splitlines()[1:]]
    totals = {row[0]: (row[-3], row[-5]) for row in rows}  # status, total
    assert totals == {"bad\\xff": ("refused", "0"), "extra": ("unreadable", "0"), "honest": ("graded", "100")}
    assert gradebook_score(root, "honest") == 100
    # given by name on the command line, as the shell passes bytes that are not UTF-8
    assert main(["grade", ASSIGNMENT, "--root", str(root), "--student", os.fsdecode(b"bad\xff")]) == 0
    assert "refused: the student folder 'bad\\xff' is not valid UTF-8" in capsys.readouterr().out


def test_a_gradescope_submission_with_a_name_that_is_not_utf8_is_refused(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    with open(os.fsencode(submission) + b"/fc_net\xff.ipynb", "w") as stream:
        nbformat.write(correct(), stream)
    results = tmp_path / "results.json"
    result = gradescope.grade(paths.ROOT, ASSIGNMENT, submission, results, 10)
    assert (result.status, result.score) == ("unreadable", 0)
    text = results.read_text(encoding="utf-8")
    assert json.loads(text)["output"] == "unreadable: refused: the name of fc_net\\xff.ipynb is not valid UTF-8"
    assert "\\udc" not in text  # no lone surrogate, which a strict JSON reader refuses


# --- cause 7: unbounded work ----------------------------------------------------------------------

FLOOD = 'raise ValueError("x" * 10**6) from KeyError("y" * 10**6)'  # about 4 MB of traceback a cell
# student code runs in the shell's process, so it can lift the caps there: the grader must not care
UNCAP = "import autograder.shell as s\ns.OUTPUT_CAP = s.KEEP = get_ipython().outputs.notebook_room = 10**12"


def graded_by_nbgrader(outputs: list[dict]) -> float:
    cell = nbformat.v4.new_code_cell("", outputs=[nbformat.from_dict(o) for o in outputs])
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 5, "grade_id": "t"}
    return determine_grade(cell)[0]


@pytest.mark.parametrize(
    "after_the_flood",
    [
        [("stream", "stderr", "RuntimeWarning: overflow")],
        [("rich", "execute_result", "2.5"), ("stream", "stderr", "late")],
        [("error", "ValueError", "x" * 10**6)],
    ],
)
def test_the_output_nbgrader_grades_a_cell_by_survives_a_flood(after_the_flood):
    from autograder.shell import Outputs

    outputs, uncapped = Outputs(), []
    for kind, name, text in [("stream", "stdout", "x" * 10**6), *after_the_flood]:
        if kind == "stream":
            outputs.stream(name, text)
            uncapped.append({"output_type": "stream", "name": name, "text": text})
        elif kind == "rich":
            outputs.rich(name, {"text/plain": text}, {}, execution_count=1)
            uncapped.append({"output_type": name, "data": {"text/plain": text}, "metadata": {}, "execution_count": 1})
        else:
            outputs.error(name, text, [f"{name}: {text}"])
            uncapped.append({"output_type": "error", "ename": name, "evalue": text, "traceback": [f"{name}: {text}"]})
    kept = outputs.take()
    assert graded_by_nbgrader(kept) == graded_by_nbgrader(uncapped)
    assert sum(output_size(o) for o in kept) <= cell_allowance(NOTEBOOK_OUTPUT_CAP)


def grade_measuring_memory(root: Path) -> int:
    """Grade the class in a process of its own (one worker: the converter in it too); its peak RSS in bytes."""
    code = "import resource, sys\nfrom autograder.__main__ import main\nmain(sys.argv[1:])\n"
    code += "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    command = [sys.executable, "-c", code, "grade", ASSIGNMENT, "--root", str(root), "--workers", "1"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    return int(done.stdout.split()[-1]) * 1024


def test_tracebacks_count_against_the_output_caps_in_the_sandbox_and_in_the_grader(empty_course, tmp_path):
    root = course_with(
        empty_course,
        tmp_path,
        {"floods": with_cells(correct(), *[FLOOD] * 60), "uncaps": with_cells(correct(), UNCAP, *[FLOOD] * 60)},
    )
    peak = grade_measuring_memory(root)
    for student in ("floods", "uncaps"):
        graded = root / "autograded" / student / ASSIGNMENT / FILE
        assert graded.stat().st_size < 10 * 2**20, (student, graded.stat().st_size)
        assert gradebook_score(root, student) == 100  # the flood is in cells that are not graded
    # 854 MiB before outputs were bounded; 190 MiB with the bounds alone, 414 MiB with every change of
    # issue 21 merged (not yet explained; the inert step and the reference's run are candidates)
    assert peak < 600 * 2**20, f"the grader's peak memory was {peak / 2**20:.0f} MiB"
    uncapped = nbformat.read(root / "autograded" / "uncaps" / ASSIGNMENT / FILE, as_version=4)
    assert any(o.get("ename") == "OutputLimitError" for cell in uncapped.cells for o in cell.get("outputs", []))


# the student's own linear_activation_forward refuses float16, so its L_model_forward fails, and is judged
# again with the instructor's linear_activation_forward (the course setting), which its code then calls back
# with float16 arrays: a product that takes the grader about a minute, on the student's behalf
REFUSES_FLOAT16 = "    if A_prev.dtype == np.float16:\n        raise ValueError('no float16 here')\n"
SENDS_FLOAT16 = """\
    big = np.ones((1536, 1536), dtype=np.float16)
    try:
        linear_activation_forward(big, big, np.zeros((1536, 1), dtype=np.float16), "relu")
    except ValueError:
        return None, []
    except Exception:
        pass  # the grader's refusal, caught: the test must fail all the same
"""


def first_line_after(source: str, marker: str, inserted: str) -> str:
    head, _, tail = source.partition(marker + "\n")
    return head + marker + "\n" + inserted + tail


def test_a_reference_call_on_arrays_it_was_not_written_for_is_refused_and_fails_the_cell(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    nb = sample_class.solutions_filled_in(
        ASSIGNMENT,
        {
            "linear_activation_forward": first_line_after(
                answer("linear_activation_forward"), "    ### BEGIN SOLUTION", REFUSES_FLOAT16
            ),
            "L_model_forward": first_line_after(answer("L_model_forward"), "    caches = []", SENDS_FLOAT16),
        },
    )
    nbformat.write(nb, submission / FILE)
    timeout = 5
    result = gradescope.grade(paths.ROOT, ASSIGNMENT, submission, tmp_path / "results.json", timeout)
    cells = {cell.grade_id: cell for cell in result.cells}
    assert cells["test_L_model_forward"].score == 0
    # the feedback is the first failure, said before the reference was asked (tests/test_security_channels.py)
    assert result.score == 90
    # the verdict's own time limit is the timeout and 5 s; the other cells take a few seconds in all
    assert result.seconds < 2 * timeout + 15, result.seconds


def test_the_reference_takes_float64_arrays_of_bounded_size_only():
    import numpy as np

    reference.admit([np.ones((4, 3)), {"W1": np.ones((3, 4))}, 2, "relu"], {"cache": (np.ones(3), np.ones(3))})
    with pytest.raises(reference.Refused, match="int64"):
        reference.admit([], {"dims": [np.arange(3)]})
    with pytest.raises(reference.Refused, match="elements"):
        reference.admit([(np.ones(reference.ELEMENTS), np.ones(1))], {})
