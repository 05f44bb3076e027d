"""The course directory, as nbgrader lays it out and configures it (nbgrader_config.py)."""

from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder import notebook
from autograder.notebook import Cell
from autograder.spec import AssignmentSpec, read_spec


class CourseError(RuntimeError):
    """The course directory lacks something grading needs."""


class Course:
    def __init__(self, root: Path):
        self.root = root.resolve()
        config = Config()
        if (self.root / "nbgrader_config.py").exists():
            config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        config.CourseDirectory.root = str(self.root)
        self.config = config
        self.directory = CourseDirectory(config=config)
        self._specs: dict[str, AssignmentSpec] = {}  # read once per process: parsing a source takes a second

    @property
    def db_url(self) -> str:
        return self.directory.db_url

    @property
    def cell_timeout(self) -> float:
        """nbgrader's per-cell time limit (Execute.timeout), 30 s unless the course sets it."""
        timeout = self.config.Execute.get("timeout", 30)
        return float(timeout) if timeout else 30.0

    def path(self, step: str, student: str, assignment: str) -> Path:
        return Path(self.directory.format_path(getattr(self.directory, f"{step}_directory"), student, assignment))

    def spec(self, assignment: str) -> AssignmentSpec:
        source = self.path("source", ".", assignment)
        if not (source / f"{assignment}.ipynb").exists():
            raise CourseError(f"no source notebook {source / f'{assignment}.ipynb'}")
        if assignment not in self._specs:
            self._specs[assignment] = read_spec(source, assignment)
        return self._specs[assignment]

    def released(self, assignment: str) -> list[Cell]:
        release = self.path("release", ".", assignment) / f"{assignment}.ipynb"
        if not release.exists():
            raise CourseError(f"no release notebook {release}: run `nbgrader generate_assignment {assignment}`")
        return notebook.read(release)

    def students(self, assignment: str) -> list[str]:
        submitted = self.root / self.directory.submitted_directory
        return sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())

    def submission_folder(self, student: str, assignment: str) -> Path:
        return self.path("submitted", student, assignment)

    def feedback_file(self, student: str, assignment: str) -> Path:
        """Our page for the student; outside nbgrader's feedback/ folder, whose `generate_feedback`
        skips a submission whose folder exists there."""
        return self.root / "reports" / assignment / "feedback" / f"{student}.html"
