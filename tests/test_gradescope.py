"""The Gradescope entry point: one submission graded by the real command, and the bundle."""

import json
import subprocess
import sys
import zipfile

import nbformat

from autograder import sandbox
from course import paths, sample_class, samples


def run_gradescope(assignment, submission, results):
    command = [sys.executable, "-m", "autograder", "gradescope", assignment]
    command += ["--root", str(paths.ROOT), "--submission", str(submission), "--results", str(results)]
    subprocess.run(command, check=True, capture_output=True, cwd=paths.ROOT)
    return json.loads(results.read_text())


def test_results_json_has_a_test_per_graded_cell_and_the_flags(tmp_path):
    (tmp_path / "submission").mkdir()
    nbformat.write(sample_class.SUBMISSIONS["partial"]("fc_net"), tmp_path / "submission" / "fc_net.ipynb")
    results = run_gradescope("fc_net", tmp_path / "submission", tmp_path / "results" / "results.json")
    failing = samples.wrong_answers("fc_net").failing_tests
    assert results["score"] == 100 - sum(t["max_score"] for t in results["tests"] if t["name"] in failing)
    assert {t["name"] for t in results["tests"] if t["status"] == "failed"} == failing
    assert sum(t["max_score"] for t in results["tests"]) == 100
    assert any("copied from the visible tests" in flag for flag in results["extra_data"]["flags"])


def test_a_broken_submission_still_gets_a_results_file(tmp_path):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "fc_net.ipynb").write_text("{")
    results = run_gradescope("fc_net", tmp_path / "submission", tmp_path / "results.json")
    assert results["score"] == 0
    assert results["output"].startswith("unreadable: fc_net.ipynb is not valid JSON")


def test_the_sandbox_can_start_before_numpy_is_loaded():
    # the one-submission command starts the sandbox first and loads numpy while it starts up
    check = "import sys, autograder.sandbox; print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", check], check=True, capture_output=True, text=True, cwd=paths.ROOT)
    assert done.stdout.strip() == "False"


def test_the_sandbox_started_early_is_the_one_that_runs_the_code():
    slot = 5
    sandbox.start_early(slot)
    early = sandbox._templates[slot].process.pid
    box = sandbox.Sandbox([], slot=slot)
    try:
        assert box.request({"op": "exec", "name": "cell", "source": "x = 1"}, timeout=30)["ok"]
        assert sandbox._templates[slot].process.pid == early
    finally:
        box.close()
        sandbox.drop_zygote(slot)


def test_the_bundle_holds_the_scripts_the_package_and_one_assignment(tmp_path):
    out = tmp_path / "rnn.zip"
    command = [sys.executable, "-m", "autograder", "gradescope-bundle", "rnn", "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True, cwd=paths.ROOT)
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
        assert "gradescope rnn" in archive.read("run_autograder").decode()
        assert archive.read("release/rnn/rnn_utils.py") == (paths.SOURCE / "rnn_utils.py").read_bytes()
        assert archive.read("source/rnn/rnn_utils.py") == (paths.SOURCE / "rnn_utils.py").read_bytes()
        for script in ("setup.sh", "run_autograder"):
            subprocess.run(["bash", "-n"], input=archive.read(script), check=True)  # bash can parse it
    assert {"setup.sh", "requirements.txt", "nbgrader_config.py", "autograder/grade.py"} <= names
    assert {"source/rnn/rnn.ipynb", "release/rnn/rnn.ipynb"} <= names
    assert not [n for n in names if n.startswith(("source/fc_net", "tests/", "build/"))]
