"""Our grader against `nbgrader autograde`, on the same submissions of every course of
tests/parity_courses.py: the same score in every cell, the same gradebook, the same autograded/
folder, and nbgrader's own tools (generate_feedback, export) work after ours as after nbgrader.

What may differ in autograded/ notebooks, and is normalised away before comparing:
- execution counts and the timing metadata nbclient records (`metadata.execution`): another
  executor runs the cells at other times, and may skip cells that cannot change a score;
- outputs of cells that are not graded, for the same reason;
- where a stream's text is cut into outputs (the kernel's flushes, which differ between two
  nbgrader runs too);
- tracebacks, which carry colour codes and frame names that depend on the executor; the error's
  name and value are compared;
- image bytes (a PNG's encoder metadata) and memory addresses in reprs (`at 0x7f...`), which differ
  between two nbgrader runs too.

What differs on purpose: our grader's last step (autograder.inert) shows markdown that would run in
a browser as text and removes such outputs, so nbgrader's notebook is compared after the same step.
It leaves honest notebooks unchanged (tests/test_security_inert.py); the `pyobjects-active-content`
case is where it changes something.
"""

import json
import re

import nbformat
import pytest
from inert_payloads import STUDENT
from nbgrader.api import Gradebook
from parity_courses import CASES, FIXTURES, graded

from autograder.inert import InertContent
from course.nbgrader_cli import run_nbgrader

ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]+")


@pytest.fixture(scope="session", params=sorted(CASES))
def case(request, tmp_path_factory):
    """A case's two courses, built and graded once a session; a course nbgrader cannot grade fails each
    of its tests with nbgrader's error (pytest keeps a fixture's error for its scope), without a rebuild."""
    return graded(request.param, tmp_path_factory.mktemp(request.param))


def gradebook_rows(root, assignment):
    """What nbgrader's gradebook holds about every submission of `assignment`, as plain data."""
    rows = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for submission in gradebook.find_assignment(assignment).submissions:
            student = submission.student.id
            rows[student] = {"timestamp": str(submission.timestamp)}
            for notebook in submission.notebooks:
                rows[student, notebook.name] = {"late_submission_penalty": notebook.late_submission_penalty}
                for grade in notebook.grades:
                    rows[student, notebook.name, grade.name] = {
                        "auto_score": grade.auto_score,
                        "manual_score": grade.manual_score,
                        "extra_credit": grade.extra_credit,
                        "needs_manual_grade": grade.needs_manual_grade,
                        "max_score": grade.max_score,
                    }
                for comment in notebook.comments:
                    rows[student, notebook.name, comment.name, "comment"] = {
                        "auto_comment": comment.auto_comment,
                        "manual_comment": comment.manual_comment,
                    }
    return rows


def scores(rows):
    """(score, needs a manual grade) of every graded cell."""
    return {key: (row["auto_score"], row["needs_manual_grade"]) for key, row in rows.items() if "auto_score" in row}


def normalised_output(output):
    kept = {"output_type": output.output_type}
    if output.output_type == "stream":
        kept.update(name=output.name, text=ADDRESS.sub("at 0x", output.text))
    elif output.output_type == "error":
        kept.update(ename=output.ename, evalue=ADDRESS.sub("at 0x", output.evalue))
    else:
        kept["data"] = {
            mime: "<image>" if mime.startswith("image/") else ADDRESS.sub("at 0x", str(value))
            for mime, value in output.data.items()
        }
    return kept


def joined_streams(outputs: list) -> list:
    """Consecutive writes to one stream as one output: a kernel's stream messages are cut where its
    output buffer happened to flush (nbgrader's own runs differ there from one run to the next)."""
    joined = []
    for output in outputs:
        last = joined[-1] if joined else {}
        if output["output_type"] == "stream" and last.get("output_type") == "stream" and last["name"] == output["name"]:
            joined[-1] = {**last, "text": last["text"] + output["text"]}
        else:
            joined.append(output)
    return joined


def normalised_notebook(path, made_inert=False):
    nb = nbformat.read(path, as_version=4)
    if made_inert:
        nb, _ = InertContent().preprocess(nb, {})
    cells = []
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader", {})
        kept = {"type": cell.cell_type, "source": cell.source, "nbgrader": grading}
        if cell.cell_type == "code" and grading.get("grade"):
            kept["outputs"] = joined_streams([normalised_output(o) for o in cell.outputs])
        cells.append(kept)
    return {"kernelspec": nb.metadata.get("kernelspec"), "cells": cells}


def autograded_files(root):
    folder = root / "autograded"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_our_grader_runs_without_error(case):
    assert case.ours_exit == 0, f"{case.name}: python -m autograder grade exited {case.ours_exit}:\n{case.ours_log}"


def test_every_cell_gets_nbgraders_score(case):
    expected = scores(gradebook_rows(case.nbgrader, case.assignment))
    assert expected, f"{case.name}: nbgrader graded nothing"
    assert scores(gradebook_rows(case.ours, case.assignment)) == expected


def test_the_gradebook_holds_what_nbgrader_writes(case):
    assert gradebook_rows(case.ours, case.assignment) == gradebook_rows(case.nbgrader, case.assignment)


def test_autograded_holds_what_nbgrader_writes(case):
    theirs = autograded_files(case.nbgrader)
    assert theirs, f"{case.name}: nbgrader wrote no autograded/ folder"
    assert (case.ours / "autograded").is_dir(), f"{case.name}: our grader wrote no autograded/ folder"
    assert autograded_files(case.ours) == theirs
    for relative in theirs:
        mine, reference = case.ours / "autograded" / relative, case.nbgrader / "autograded" / relative
        if relative.endswith(".ipynb"):
            assert normalised_notebook(mine) == normalised_notebook(reference, made_inert=True), relative
        else:
            assert mine.read_bytes() == reference.read_bytes(), relative


def test_feedback_and_export_work_after_ours(case):
    """With nbgrader's default GenerateFeedback preprocessors, as the parity courses configure it.
    This course's nbgrader_config.py differs on purpose: its feedback clears the hidden tests and
    every output (tests/test_security_channels.py), with nbgrader's own preprocessors."""
    exports = {}
    for root in (case.nbgrader, case.ours):
        run_nbgrader(["generate_feedback", case.assignment, "--force"], root)
        run_nbgrader(["export", "--to", str(root / "grades.csv")], root)
        header, *lines = (root / "grades.csv").read_text().splitlines()
        exports[root] = header, sorted(lines)  # rows follow the gradebook's insertion order, which may differ
        notebooks = sorted(p.relative_to(root / "autograded") for p in (root / "autograded").rglob("*.ipynb"))
        assert notebooks, f"{case.name}: no autograded notebook in {root}"
        feedback = sorted(p.relative_to(root / "feedback") for p in (root / "feedback").rglob("*.html"))
        assert feedback == [n.with_suffix(".html") for n in notebooks]
    assert exports[case.ours] == exports[case.nbgrader]


@pytest.mark.parametrize("case", sorted(p.parent.name for p in FIXTURES.glob("*/expected_scores.json")), indirect=True)
def test_nbgrader_gives_the_fixtures_the_scores_they_were_written_for(case):
    """The fixtures themselves: each submission scores what its author meant it to, so that a
    difference above is our grader's and not a broken fixture's."""
    expected = json.loads((FIXTURES / case.name / "expected_scores.json").read_text())
    rows = gradebook_rows(case.nbgrader, CASES[case.name].assignment)
    got = {}
    for (student, notebook, grade), (score, _) in scores(rows).items():
        got.setdefault(student, {}).setdefault(notebook, {})[grade] = score
    assert got == expected


@pytest.mark.parametrize("case", ["pyobjects-active-content"], indirect=True)
def test_the_one_deliberate_difference_is_active_content(case):
    """nbgrader's autograded notebook of the student who handed in active content keeps it; ours
    is that notebook after autograder.inert, and nothing else differs."""
    relative = f"{STUDENT}/{case.assignment}/functions.ipynb"
    theirs, ours = (root / "autograded" / relative for root in (case.nbgrader, case.ours))
    assert normalised_notebook(theirs) != normalised_notebook(ours)
    assert normalised_notebook(theirs, made_inert=True) == normalised_notebook(ours)
