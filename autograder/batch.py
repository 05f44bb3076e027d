"""Grading a class: notebooks run in parallel workers; nbgrader's converter records each result here.

A pool worker runs a submission's notebooks in the sandbox, with their independent verdicts
(autograder.faithful.execute_ahead); this process then runs nbgrader's Autograde converter on
the submission with those outputs, so the gradebook has one writer. Results arrive in the order
the workers finish them.
"""

import multiprocessing
import multiprocessing.util
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from tqdm import tqdm

from autograder.course_dir import Course
from autograder.faithful import Converter, execute_ahead, not_run_cells, notebook_names
from autograder.grade import Options, Result
from autograder.report import write_csv, write_feedback
from autograder.sandbox import stop_zygotes
from autograder.submission import misread_student, parse_notebook, read_submission, refused, shown_name

_slot = 0


def usable_cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def claim_slot(slots) -> None:
    """Give this worker process a slot of its own (its sandbox user is chosen from it)."""
    global _slot
    _slot = slots.get()
    # a pool's worker ends without running atexit, but with multiprocessing's finalizers
    multiprocessing.util.Finalize(None, stop_zygotes, exitpriority=10)


def submission_flags(course: Course, assignment: str, student: str) -> list[str]:
    """Signs of tampering in a course-style submission (one notebook named as the assignment)."""
    try:
        spec, released = course.spec(assignment), course.released(assignment)
    except Exception:  # noqa: BLE001 (an assignment in another style has no such checks)
        return []
    return read_submission(course.submission_folder(student, assignment), student, spec, released).flags


def unparsable(folder: Path, names) -> str:
    """Why a submitted notebook is not a notebook ("" if each is one), said as submission.py says it."""
    for name in names:
        path = folder / f"{name}.ipynb"
        if path.exists():
            cells, problem = parse_notebook(path)
            if cells is None:
                return problem
    return ""


def refused_submission(course: Course, assignment: str, student: str) -> str:
    """Why a student's submission cannot be read safely ("" if it can): its folder, or the student's
    folder above it (a link there could make a classmate's work this student's), or what they hold."""
    student_folder = course.submission_folder(student, assignment).parent
    if student_folder.is_symlink():
        return f"refused: the folder {shown_name(student)} is a symbolic link, which is not followed"
    return refused(course.submission_folder(student, assignment))


def prepare(course: Course, assignment: str, student: str, slot: int, options: Options) -> tuple:
    """What a worker computes for one submission: (student, runs by notebook, flags, seconds)."""
    started = time.monotonic()
    if refused_submission(course, assignment, student):
        return student, {}, [], time.monotonic() - started
    try:
        runs = execute_ahead(course, assignment, student, slot, options)
    except Exception as error:  # noqa: BLE001 (this process's converter runs the notebooks itself then)
        runs = {}
        flags = [f"the grader's worker failed ({type(error).__name__}: {error}); graded again in the main process"]
        return student, runs, flags, time.monotonic() - started
    return student, runs, submission_flags(course, assignment, student), time.monotonic() - started


def prepare_in_worker(course: Course, assignment: str, student: str, options: Options) -> tuple:
    return prepare(course, assignment, student, _slot, options)


def grade_class(
    course: Course,
    assignment: str,
    students: list[str] | None = None,
    workers: int | None = None,
    options: Options | None = None,
    csv_path: Path | None = None,
    progress: bool = True,
) -> list[Result]:
    """Grade every submission (or the students given): gradebook, autograded/, feedback and the CSV."""
    names = notebook_names(course, assignment)
    students = students if students is not None else course.students(assignment)
    results = [misread(course, assignment, student) for student in students if misread_student(student)]
    students = [student for student in students if not misread_student(student)]
    options = options or Options.from_config(course.config, course.cell_timeout)
    workers = max(1, min(workers or usable_cores(), len(students) or 1))
    converter = Converter(course, assignment, options, slot=workers)
    bar = tqdm(total=len(students), desc=f"grading {assignment}", unit="student", disable=not progress)
    for student, runs, flags, seconds in run_jobs(course, assignment, students, workers, options):
        started = time.monotonic()
        result = grade_one(converter, course, assignment, names, student, runs, flags)
        result.cells = result.cells or not_run_cells(course, assignment)
        result.seconds = seconds + time.monotonic() - started
        write_feedback(course.feedback_file(student, assignment), result)
        results.append(result)
        bar.update()
    bar.close()
    write_csv(csv_path or course.root / "reports" / f"{assignment}.csv", results)
    return sorted(results, key=lambda r: r.student)


def misread(course: Course, assignment: str, student: str) -> Result:
    """The result of a student whose folder's name nbgrader would misread: refused before anything
    reads the folder (no feedback page either: the name is no safe file name)."""
    cells = not_run_cells(course, assignment)
    return Result(shown_name(student), assignment, "refused", misread_student(student), cells=cells)


def grade_one(converter: Converter, course: Course, assignment: str, names, student, runs, flags) -> Result:
    folder = course.submission_folder(student, assignment)
    if not any((folder / f"{name}.ipynb").exists() for name in names):
        expected = ", ".join(f"{name}.ipynb" for name in names)
        return Result(student, assignment, "missing", f"no notebook ({expected}) in {folder}", flags=flags)
    problem = refused_submission(course, assignment, student) or unparsable(folder, names)
    if problem:
        return Result(student, assignment, "unreadable", problem, flags=flags)
    try:
        return converter.grade(student, runs, flags)
    except Exception as error:  # noqa: BLE001 (one submission's failure never stops the class)
        return Result(student, assignment, "error", f"the grader failed: {type(error).__name__}: {error}", flags=flags)


def run_jobs(course: Course, assignment: str, students: list[str], workers: int, options: Options):
    """Each student's runs, in the order they finish; a job that breaks its worker comes back without runs."""
    if workers == 1:
        for student in students:
            yield prepare(course, assignment, student, 0, options)
        return
    slots = multiprocessing.Manager().Queue()
    for slot in range(workers):
        slots.put(slot)
    with ProcessPoolExecutor(max_workers=workers, initializer=claim_slot, initargs=(slots,)) as pool:
        futures = {pool.submit(prepare_in_worker, course, assignment, s, options): s for s in students}
        for future in as_completed(futures):
            try:
                yield future.result()
            except (BrokenProcessPool, Exception) as error:  # noqa: BLE001 (the converter runs it alone then)
                yield futures[future], {}, [f"the grader's worker failed ({type(error).__name__})"], 0.0
