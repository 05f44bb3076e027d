"""What grading an assignment means, read from the instructor's source notebook.

The source notebook is the authority: its setup cells, its answer cells (their reference solutions
and the names they define), and its test cells (the names each reads, which lines are hidden, and
which answer it tests). A submission contributes only its answers and the code cells the student
added (or, for `autograder.verdict.judge`, the cells of the notebook nbgrader sanitized).
"""

import ast
from dataclasses import dataclass, replace
from pathlib import Path

from autograder import notebook
from autograder.magics import plain_python
from autograder.reads import bound_names, imported_names, parse, read_names, top_level_names
from autograder.verifiable import static_reasons

BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float
    parts: tuple[tuple[str, bool], ...]  # (code, hidden) in order
    source: str = ""  # the whole cell, markers included (they are comments)
    hidden_lines: frozenset[int] = frozenset()  # 1-based line numbers inside hidden blocks
    reads: tuple[str, ...] = ()  # names the cell reads from outside (None if it does not parse)
    tested: str = ""  # grade id of the answer cell it tests ("" if it reads none)
    unverifiable: tuple[str, ...] = ()  # constructs that keep it from being judged independently


@dataclass(frozen=True)
class Answer:
    grade_id: str
    source: str  # the reference solution
    names: tuple[str, ...]  # names it defines at top level
    uses: tuple[str, ...]  # names it reads from outside: the functions it calls or hands around
    classes: tuple[str, ...]  # classes it defines
    generators: tuple[str, ...]  # functions of it that yield


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


def hidden_lines(source: str) -> frozenset[int]:
    lines, hidden = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        if BEGIN_HIDDEN in line or END_HIDDEN in line:
            hidden = BEGIN_HIDDEN in line
        elif hidden:
            lines.add(number)
    return frozenset(lines)


def defined_names(source: str) -> list[str]:
    tree = parse(source)
    return top_level_names(tree) if tree else []


def read_answer(grade_id: str, source: str) -> Answer:
    tree = parse(source) or ast.Module(body=[], type_ignores=[])
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    yielding = [f.name for f in functions if any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(f))]
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    uses = tuple(read_names(tree))
    return Answer(grade_id, source, tuple(top_level_names(tree)), uses, tuple(classes), tuple(yielding))


def tested_answer(reads: list[str], answers: list[Answer], before: str) -> str:
    """The answer cell a test cell tests: the last one (in notebook order) defining a name it reads,
    else the answer cell just before it."""
    reading = [a.grade_id for a in answers if set(a.names) & set(reads)]
    return reading[-1] if reading else before


@dataclass(frozen=True)
class AssignmentSpec:
    name: str
    source_dir: Path
    steps: tuple[Step, ...]
    answer_names: tuple[str, ...]
    setup_names: tuple[str, ...]
    answers: tuple[Answer, ...] = ()
    imports: str = ""  # the import statements of the source's unmarked cells, for the tests' namespace
    reference: tuple[tuple[str, str], ...] = ()  # (label, code) that builds the instructor's namespace

    @property
    def tests(self) -> list[TestCell]:
        return [step.test for step in self.steps if step.kind == "test"]

    def answer(self, grade_id: str) -> Answer | None:
        return next((a for a in self.answers if a.grade_id == grade_id), None)

    @property
    def imports_read(self) -> str:
        """The import statements whose names the grader's code reads (tests and setup cells): a
        plotting import the tests never use costs the grader most of a second."""
        setups = [parse(step.source) for step in self.steps if step.kind == "setup"]
        read = {n for test in self.tests for n in test.reads} | {n for t in setups if t for n in read_names(t)}
        read.add("*")  # a star import binds names no one can list
        return "\n".join(line for line in self.imports.splitlines() if set(imported_names(parse(line))) & read)

    @property
    def extra_files(self) -> list[Path]:
        """Files released beside the notebook (helpers such as rnn_utils.py), from the source."""
        notebook = f"{self.name}.ipynb"
        # the instructor's links (a helper shared by assignments) are followed: the sandbox copies files only
        return sorted(p.resolve() for p in self.source_dir.iterdir() if p.is_file() and p.name != notebook)


def needed_for_reference(cells: list[tuple[str, str, bool]], tests_read: set[str]) -> tuple[tuple[str, str], ...]:
    """The reference's cells, (label, code, unmarked) in order, without the unmarked cells that bind
    nothing the tests or a later kept cell read: the reference needs the instructor's answers and
    setup cells and what they and the tests use, not the notebook's demonstrations (a timing loop, a
    plotting import)."""
    kept, needed = [], set(tests_read)
    for label, code, unmarked in reversed(cells):
        tree = parse(code)
        if unmarked and tree is not None:
            bound = bound_names(tree)
            if not (bound & needed or "*" in bound):
                continue
        kept.append((label, code))
        needed |= set(read_names(tree)) if tree is not None else set()
    return tuple(reversed(kept))


def read_spec(source_dir: Path, name: str, path: Path | None = None) -> AssignmentSpec:
    """The spec of the source notebook `path` (default: source_dir/name.ipynb)."""
    cells = notebook.read(path or source_dir / f"{name}.ipynb")
    last_test = max((i for i, c in enumerate(cells) if is_test(c)), default=-1)
    steps, answers, setup_names, imports, reference = [], [], [], [], []
    for index, cell in enumerate(cells[: last_test + 1]):
        meta = cell.nbgrader
        if cell.cell_type != "code":
            continue
        source = plain_python(cell.source) if not meta.get("grade") else cell.source
        if not meta:
            tree = parse(source)
            found = [n for n in (tree.body if tree else []) if isinstance(n, ast.Import | ast.ImportFrom)]
            imports += [ast.unparse(n) for n in found]
            reference.append((f"cell {index}", source, True))
            continue
        grade_id = meta.get("grade_id", f"cell {index}")
        if meta.get("solution"):
            steps.append(Step("answer", grade_id))
            answers.append(read_answer(grade_id, source))
            reference.append((grade_id, source, False))
        elif meta.get("grade"):
            tree = parse(cell.source)
            reads = read_names(tree) if tree else []
            before = answers[-1].grade_id if answers else ""
            test = TestCell(
                grade_id,
                float(meta.get("points", 0) or 0),
                split_hidden(cell.source),
                cell.source,
                hidden_lines(cell.source),
                tuple(reads),
                tested_answer(reads, answers, before),
            )
            steps.append(Step("test", grade_id, test=test))
        elif meta.get("locked"):
            steps.append(Step("setup", grade_id, source=source))
            tree = parse(source)
            setup_names += (top_level_names(tree) + imported_names(tree)) if tree else []
            reference.append((grade_id, source, False))
    answer_names = tuple(n for a in answers for n in a.names)
    spec = AssignmentSpec(
        name,
        source_dir,
        tuple(steps),
        answer_names,
        tuple(setup_names),
        tuple(answers),
        "\n".join(imports),
        needed_for_reference(reference, {name for step in steps if step.test for name in step.test.reads}),
    )
    judged = [
        replace(s, test=replace(s.test, unverifiable=static_reasons(s.test, spec))) if s.test else s for s in steps
    ]
    return replace(spec, steps=tuple(judged))


def is_test(cell) -> bool:
    return cell.cell_type == "code" and bool(cell.nbgrader.get("grade")) and not cell.nbgrader.get("solution")
