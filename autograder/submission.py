"""Reading one submission: find and parse its notebook, take its answers, and flag tampering.

Nothing here changes the score: the score comes from running the source's tests on the answers.
The flags tell a person what to look at.
"""

import ast
import functools
import glob
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograder import magics, notebook
from autograder.notebook import Cell
from autograder.spec import AssignmentSpec

SHADOWING_SUFFIXES = {".py", ".pth", ".so", ".pyc"}
SUSPICIOUS_NAMES = {"__builtins__", "get_ipython", "ctypes", "gc", "inspect", "sys", "signal", "subprocess", "socket"}
SUSPICIOUS_CALLS = {"setattr", "delattr", "exec", "eval", "__import__", "open", "os.fork", "os.kill", "os.killpg"}
SUSPICIOUS_CALLS |= {"os._exit", "os.system", "os.setsid", "os.remove", "os.unlink", "shutil.rmtree"}
# the magics honest notebooks use; any other magic or shell command is flagged
PLAIN_MAGICS = {"%matplotlib", "%time", "%%time", "%timeit", "%%timeit", "%%capture", "%load_ext", "%autoreload"}


# control characters (but newline and tab), DEL, C1 controls, and the invisible marks that reorder
# or hide text: what could move a terminal's cursor, change its state or disguise a line
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
UNSAFE_IN_A_LINE = re.compile(f"[\t\n]|{UNSAFE.pattern}")  # for a field of a table's row


def terminal_safe(text: str, limit: int = 2000, one_line: bool = False) -> str:
    """Text from a submission as it may be shown in a terminal or a log: at most `limit` characters,
    each control or invisible character written as an escape (so ESC [ 2 J prints and does nothing),
    and with `one_line` tabs and newlines too."""
    if len(text) > limit:
        text = text[: max(limit - 3, 0)] + "..."
    unsafe = UNSAFE_IN_A_LINE if one_line else UNSAFE
    return unsafe.sub(lambda m: ascii(m.group())[1:-1], text)


def shown_name(name: str) -> str:
    """A file or folder name as text safe anywhere: bytes that are not UTF-8 as \\xNN, control
    characters escaped, at most 100 characters."""
    return terminal_safe(os.fsencode(name).decode("utf-8", "backslashreplace"), 100)


def not_utf8(name: str) -> bool:
    """Whether the name came from bytes that are not UTF-8 (Python keeps them as lone surrogates,
    which the gradebook, the CSV and the pages cannot hold)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# what nbgrader does with a student id (CourseDirectory, converters.base), and what it would misread
MISREAD_STUDENT = (
    (not_utf8, "is not valid UTF-8"),
    (glob.has_magic, "holds *, ? or [, which nbgrader's converter reads as a pattern that matches other students"),
    (lambda s: s != s.strip(), "begins or ends with white space, which nbgrader strips (naming another student)"),
    (lambda s: bool(UNSAFE.search(s)) or "\n" in s or "\t" in s, "holds a control or invisible character"),
    (lambda s: s in ("", ".", "..") or "/" in s, "is not the name of one folder"),
    (lambda s: s.startswith("."), "starts with a dot: nbgrader's tools skip hidden folders"),
)


def misread_student(student: str) -> str:
    """Why nbgrader would take this student id (a folder's name) for something else, or not find its
    submission ("" if it takes it as it is)."""
    for misread, why in MISREAD_STUDENT:
        if misread(student):
            return f"the student folder '{shown_name(student)}' {why}"
    return ""


def refused(folder: Path) -> str:
    """Why the submission cannot be read safely ("" if it can): a link could point at a classmate's
    work, a FIFO or a device would hang whoever opens it (nbgrader's copy of the folder too), and a
    name that is not UTF-8 cannot be written to the gradebook, the CSV or a page."""
    if folder.is_symlink():
        return f"refused: the folder {shown_name(folder.name)} is a symbolic link, which is not followed"
    for root, dirs, files in os.walk(folder):
        for name in sorted(dirs + files):
            path = Path(root) / name
            where = shown_name(str(path.relative_to(folder)))
            if not_utf8(name):
                return f"refused: the name of {where} is not valid UTF-8"
            if path.is_symlink():
                return f"refused: {where} is a symbolic link, which is not followed"
            if not (path.is_dir() or path.is_file()):
                return f"refused: {where} is not a regular file"
    return ""


@dataclass
class Submission:
    student: str
    status: str  # "ok", "missing" or "unreadable"
    message: str = ""
    answers: dict[str, list[str]] = field(default_factory=dict)
    added: dict[str, list[str]] = field(default_factory=dict)  # anchor grade id -> added code cells
    flags: list[str] = field(default_factory=list)


def find_notebook(folder: Path, assignment: str, flags: list[str]) -> Path | None:
    expected = folder / f"{assignment}.ipynb"
    # a link or a special file is refused when it is read, with a message that says so
    if expected.is_symlink() or (expected.exists() and not expected.is_dir()):
        return expected
    others = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink())
    if others:
        flags.append(
            f"the notebook was renamed: graded {terminal_safe(others[0].name, 100)} instead of {expected.name}"
        )
        return others[0]
    return None


def parse_notebook(path: Path) -> tuple[list[Cell] | None, str]:
    """The notebook's cells, or a sentence saying why it cannot be read."""
    try:
        data = notebook.read_submitted(path)
    except notebook.Refused as error:
        return None, f"refused: {error}"
    except OSError as error:
        return None, f"{path.name} cannot be read: {error.strerror or error}"
    if not data.strip():
        return None, f"{path.name} is empty"
    try:
        return notebook.parse(data), ""
    except json.JSONDecodeError as error:
        return None, f"{path.name} is not valid JSON (line {error.lineno}: {error.msg})"
    except notebook.NotebookError as error:
        return None, f"{path.name} is not a Jupyter notebook: it {error}"


def grade_id_of(cell: Cell) -> str | None:
    """The cell's grade id; one that is not a string (a list would break counting) as its bounded repr."""
    value = cell.nbgrader.get("grade_id")
    return value if value is None or type(value) is str else repr(value)[:100]


def cell_flags(submitted: list[Cell], released: list[Cell]) -> list[str]:
    """Differences in the cells nbgrader manages: deleted, duplicated, edited, reordered, re-typed."""
    flags = []
    released_by_id = {c.nbgrader["grade_id"]: c for c in released if c.nbgrader}
    submitted_ids = [grade_id_of(c) for c in submitted if c.nbgrader]
    counts = Counter(submitted_ids)
    for grade_id, original in released_by_id.items():
        copies = [c for c in submitted if grade_id_of(c) == grade_id]
        if not copies:
            flags.append(f"deleted the cell {grade_id}")
            continue
        if counts[grade_id] > 1:
            flags.append(f"duplicated the cell {grade_id} ({counts[grade_id]} copies)")
        for copy in copies:
            meta, original_meta = copy.nbgrader, original.nbgrader
            if copy.cell_type != original.cell_type:
                flags.append(f"changed the cell {grade_id} from {original.cell_type} to {copy.cell_type}")
            if meta.get("points") != original_meta.get("points"):
                flags.append(
                    f"changed the points of {grade_id} from {original_meta.get('points')} to {meta.get('points')}"
                )
            if any(meta.get(k) != original_meta.get(k) for k in ("grade", "solution", "locked")):
                flags.append(f"changed the role of the cell {grade_id}")
            if original_meta.get("locked") and copy.source.strip() != original.source.strip():
                flags.append(f"edited the locked cell {grade_id}")
    flags += [f"added a cell with the unknown grade id {g}" for g in counts if g not in released_by_id]
    known_order = [g for g in dict.fromkeys(submitted_ids) if g in released_by_id]
    if known_order != [g for g in released_by_id if g in counts]:
        flags.append("reordered the graded cells")
    return flags


def dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def code_flags(source: str, spec: AssignmentSpec, copied_numbers: frozenset[float]) -> list[str]:
    """What a student's cell does that honest answers have no need for (in a cell with magics, its Python)."""
    try:
        flags = [f"uses the IPython command {name}" for name in magics.commands(source) if name not in PLAIN_MAGICS]
        tree = ast.parse(magics.plain_python(source))
    except SyntaxError:
        return []
    except (RecursionError, MemoryError, ValueError):
        return ["has a cell too deeply nested for the grader to read"]
    for node in tree.body:
        bound = [node.name] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) else []
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound += [t.id for t in targets if isinstance(t, ast.Name)]
        flags += [f"redefines {name}, which the course's setup provides" for name in bound if name in spec.setup_names]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            name = dotted(node)
            if name and name.split(".")[0] in set(spec.setup_names) | SUSPICIOUS_NAMES | {"builtins", "numpy"}:
                flags.append(f"patches {name}")
        if isinstance(node, ast.Name) and node.id in SUSPICIOUS_NAMES:
            flags.append(f"uses {node.id}")
        if isinstance(node, ast.alias) and node.name.split(".")[0] in SUSPICIOUS_NAMES | {"builtins"}:
            flags.append(f"imports {node.name}")
        if isinstance(node, ast.Call) and dotted(node.func) in SUSPICIOUS_CALLS:
            flags.append(f"calls {dotted(node.func)}")
    literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) is float}
    if len(literals & copied_numbers) >= 3:
        flags.append("contains expected values copied from the visible tests")
    return flags


def significant_digits(x: float) -> int:
    return len(repr(abs(x)).strip("0.").replace(".", ""))


@functools.cache
def visible_numbers(spec: AssignmentSpec) -> frozenset[float]:
    """Precise float literals of the visible tests (the ones a student could copy)."""
    numbers = set()
    for test in spec.tests:
        for code, hidden in test.parts:
            if not hidden:
                tree = ast.parse(code)
                numbers |= {n.value for n in ast.walk(tree) if type(getattr(n, "value", None)) is float}
    return frozenset(x for x in numbers if significant_digits(x) >= 6)


def read_submission(folder: Path, student: str, spec: AssignmentSpec, released: list[Cell]) -> Submission:
    problem = refused(folder)
    if problem:
        return Submission(student, "unreadable", problem)
    flags = []
    path = find_notebook(folder, spec.name, flags)
    if path is None:
        return Submission(student, "missing", f"no notebook {spec.name}.ipynb in {folder}", flags=flags)
    cells, problem = parse_notebook(path)
    if cells is None:
        return Submission(student, "unreadable", problem, flags=flags)
    flags += cell_flags(cells, released)
    released_ids = {c.id for c in released}
    answer_ids = {step.grade_id for step in spec.steps if step.kind == "answer"}
    submission = Submission(student, "ok", flags=flags)
    numbers = visible_numbers(spec)
    anchor = ""
    for cell in cells:
        meta, grade_id = cell.nbgrader, grade_id_of(cell)
        if cell.cell_type != "code":
            continue
        if grade_id in answer_ids and meta.get("solution"):
            submission.answers.setdefault(grade_id, []).append(cell.source)
        elif not meta and cell.id not in released_ids:
            submission.added.setdefault(anchor, []).append(cell.source)
        else:
            anchor = grade_id or anchor
            continue
        anchor = grade_id or anchor
        flags += code_flags(cell.source, spec, numbers)
    submission.flags = list(dict.fromkeys(flags))
    extra = [p for p in folder.iterdir() if p != path and p.name != ".ipynb_checkpoints"]
    shipped = {p.name for p in spec.extra_files}
    for item in sorted(extra):
        if item.name in shipped:
            continue
        if item.suffix in SHADOWING_SUFFIXES or (item / "__init__.py").exists():
            submission.flags.append(f"added {item.name}, which could shadow a module (not used in grading)")
    submission.flags = [terminal_safe(flag, 300) for flag in submission.flags]  # names and values are the student's
    return submission
