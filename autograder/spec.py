"""What grading an assignment means, read from the instructor's source notebook.

The source notebook is the authority: its setup cells, the names its answer cells define, and its
test cells (each split into the part students see and the hidden part). A submission contributes
only its answers and the code cells the student added.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

from autograder import notebook

BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float
    parts: tuple[tuple[str, bool], ...]  # (code, hidden) in order


@dataclass(frozen=True)
class Step:
    kind: str  # "setup" (trusted, runs on both sides), "answer" (the student's), or "test" (grader only)
    grade_id: str
    source: str = ""
    test: TestCell | None = None


def split_hidden(source: str) -> tuple[tuple[str, bool], ...]:
    """The test code in runs of visible and hidden lines, in order (markers dropped)."""
    parts, lines, hidden = [], [], False
    for line in source.splitlines():
        if BEGIN_HIDDEN in line or END_HIDDEN in line:
            parts.append(("\n".join(lines), hidden))
            lines, hidden = [], BEGIN_HIDDEN in line
        else:
            lines.append(line)
    parts.append(("\n".join(lines), hidden))
    return tuple((code, is_hidden) for code, is_hidden in parts if code.strip())


def defined_names(source: str) -> list[str]:
    """Names a cell binds at top level: its functions, classes and assignments."""
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return names


@dataclass(frozen=True)
class AssignmentSpec:
    name: str
    source_dir: Path
    steps: tuple[Step, ...]
    answer_names: tuple[str, ...]
    setup_names: tuple[str, ...]

    @property
    def tests(self) -> list[TestCell]:
        return [step.test for step in self.steps if step.kind == "test"]

    @property
    def extra_files(self) -> list[Path]:
        """Files released beside the notebook (helpers such as rnn_utils.py), from the source."""
        notebook = f"{self.name}.ipynb"
        return sorted(p for p in self.source_dir.iterdir() if p.is_file() and p.name != notebook)


def read_spec(source_dir: Path, name: str) -> AssignmentSpec:
    steps, answer_names, setup_names = [], [], []
    for cell in notebook.read(source_dir / f"{name}.ipynb"):
        meta = cell.nbgrader
        if cell.cell_type != "code" or not meta:
            continue
        grade_id = meta["grade_id"]
        if meta.get("solution"):
            steps.append(Step("answer", grade_id))
            answer_names += defined_names(cell.source)
        elif meta.get("grade"):
            test = TestCell(grade_id, float(meta.get("points", 0)), split_hidden(cell.source))
            steps.append(Step("test", grade_id, test=test))
        elif meta.get("locked"):
            steps.append(Step("setup", grade_id, source=cell.source))
            setup_names += defined_names(cell.source) + imported_names(cell.source)
    return AssignmentSpec(name, source_dir, tuple(steps), tuple(answer_names), tuple(setup_names))


def imported_names(source: str) -> list[str]:
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names += [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    return names
