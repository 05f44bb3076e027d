"""Recording results in nbgrader's gradebook, so that `nbgrader export` and the formgrader see them.

Only the main process writes, one submission at a time, so SQLite's single writer is never
contended; PostgreSQL works the same through nbgrader's db_url.
"""

import warnings

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from autograder.course_dir import CourseError
from autograder.grade import Result
from autograder.spec import AssignmentSpec


class GradebookWriter:
    def __init__(self, db_url: str, spec: AssignmentSpec):
        self.gradebook = Gradebook(db_url)
        self.spec = spec
        try:
            assignment = self.gradebook.find_assignment(spec.name)
        except MissingEntry:
            self.close()
            raise CourseError(
                f"the gradebook {db_url} has no assignment {spec.name}: "
                f"run `nbgrader generate_assignment {spec.name}` in the course directory first"
            ) from None
        known = {cell.name for notebook in assignment.notebooks for cell in notebook.grade_cells}
        missing = sorted({test.grade_id for test in spec.tests} - known)
        if missing:
            self.close()
            raise CourseError(
                f"the gradebook's {spec.name} lacks the test cells {', '.join(missing)} of the source: "
                f"run `nbgrader generate_assignment {spec.name} --force` to update it"
            )

    def record(self, result: Result) -> None:
        self.gradebook.update_or_create_student(result.student)
        with warnings.catch_warnings():
            # nbgrader's add_submission makes SQLAlchemy warn about its own autoflush order
            warnings.simplefilter("ignore", SAWarning)
            self.gradebook.update_or_create_submission(result.assignment, result.student)
        notebook = self.gradebook.find_submission_notebook(result.assignment, result.assignment, result.student)
        scores = {cell.grade_id: cell.score for cell in result.cells}
        for grade in notebook.grades:
            grade.auto_score = scores.get(grade.name, 0.0)
        self.gradebook.db.commit()

    def close(self) -> None:
        self.gradebook.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
