"""Grading a class: submissions in parallel workers, results recorded as they arrive."""

import multiprocessing
import multiprocessing.util
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from tqdm import tqdm

from autograder.course_dir import Course
from autograder.grade import CellResult, Options, Result, grade_submission
from autograder.gradebook import GradebookWriter
from autograder.report import write_csv, write_feedback
from autograder.sandbox import stop_zygotes

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


def grade_in_worker(spec, released, folder: Path, student: str, options: Options) -> Result:
    return grade_submission(spec, released, folder, student, _slot, options)


def failed_result(spec, student: str, error: BaseException) -> Result:
    cells = [CellResult(t.grade_id, t.points, 0.0, "not run") for t in spec.tests]
    return Result(student, spec.name, "error", f"the grader failed: {type(error).__name__}: {error}", cells)


def grade_class(
    course: Course,
    assignment: str,
    students: list[str] | None = None,
    workers: int | None = None,
    options: Options | None = None,
    csv_path: Path | None = None,
    progress: bool = True,
) -> list[Result]:
    """Grade every submission (or the students given); record, write feedback and the CSV."""
    spec = course.spec(assignment)
    released = course.released(assignment)
    students = students if students is not None else course.students(assignment)
    options = options or Options.from_config(course.config, course.cell_timeout)
    workers = max(1, min(workers or usable_cores(), len(students) or 1))
    results = []
    with GradebookWriter(course.db_url, spec) as gradebook:
        jobs = [(spec, released, course.submission_folder(s, assignment), s, options) for s in students]
        bar = tqdm(total=len(jobs), desc=f"grading {assignment}", unit="student", disable=not progress)
        for result in run_jobs(jobs, workers):
            if result.status != "error":
                gradebook.record(result)
            write_feedback(course.feedback_file(result.student, assignment), result)
            results.append(result)
            bar.update()
        bar.close()
    write_csv(csv_path or course.root / "reports" / f"{assignment}.csv", spec, results)
    return sorted(results, key=lambda r: r.student)


def run_jobs(jobs: list, workers: int):
    """Results in the order they finish; one submission's failure never stops the others."""
    if workers == 1:
        for job in jobs:
            try:
                yield grade_submission(*job[:4], 0, job[4])
            except Exception as error:  # noqa: BLE001 (a grader bug on one submission must not stop the class)
                yield failed_result(job[0], job[3], error)
        return
    broken = []
    yield from run_in_pool(jobs, workers, broken)
    # Student code that kills its grading process (possible only without bubblewrap) breaks the
    # whole pool: grade each job that was caught in it alone, so that only the culprit fails.
    for job in broken:
        yield from run_in_pool([job], 1, failed := [])
        if failed:
            yield failed_result(job[0], job[3], RuntimeError("the grading process was killed"))


def run_in_pool(jobs: list, workers: int, broken: list):
    slots = multiprocessing.Manager().Queue()
    for slot in range(workers):
        slots.put(slot)
    with ProcessPoolExecutor(max_workers=workers, initializer=claim_slot, initargs=(slots,)) as pool:
        futures = {pool.submit(grade_in_worker, *job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                yield future.result()
            except BrokenProcessPool:
                broken.append(job)
            except Exception as error:  # noqa: BLE001 (as above)
                yield failed_result(job[0], job[3], error)
