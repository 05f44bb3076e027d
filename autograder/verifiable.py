"""Whether a test cell can be judged independently: what in its code keeps it from it.

A test cell is judged independently (autograder.verdict) by running it in the grader against
proxies of the student's functions that bring back plain data. That is faithful only when the test
does nothing but call the student's functions with plain data and check what they return. Each
rule here names a construct that breaks this; `static_reasons` lists those a test cell's code
shows. What only the run can tell (a function returning a generator or an instance, a callback
the test passes in) is found while judging (autograder.proxy raises Unverifiable).
"""

import ast
import re

from autograder.reads import parse

MOCKS = {"mock", "patch", "MagicMock", "Mock", "monkeypatch"}
CAPTURES = {"redirect_stdout", "redirect_stderr", "StringIO", "capsys", "capture_output", "capture"}
INSPECTORS = {"vars", "dir", "hasattr", "getattr", "setattr", "delattr", "isinstance", "issubclass", "callable", "id"}
FILE_CALLS = {"open", "load", "save", "savez", "loadtxt", "savetxt", "genfromtxt", "read_csv", "to_csv", "Path"}
FILE_MODULES = {"os", "pathlib", "shutil", "glob", "pickle", "tempfile"}
MAGIC_LINE = re.compile(r"^\s*[%!]", re.MULTILINE)


def names_in(nodes: list[ast.AST]) -> set[str]:
    names = {n.id for n in nodes if isinstance(n, ast.Name)}
    names |= {n.attr for n in nodes if isinstance(n, ast.Attribute)}
    return names | {part for n in nodes if isinstance(n, ast.alias) for part in n.name.split(".")}


def functions_defined(setup_sources) -> set[str]:
    """The functions the setup cells define at top level."""
    functions = set()
    for tree in filter(None, map(parse, setup_sources)):
        functions |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    return functions


def callbacks(nodes: list[ast.AST], student: set[str], functions: set[str]) -> list[str]:
    """Student functions the test passes a function (a lambda or a def) to."""
    found = []
    for call in (n for n in nodes if isinstance(n, ast.Call)):
        if isinstance(call.func, ast.Name) and call.func.id in student:
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                if isinstance(arg, ast.Lambda) or (isinstance(arg, ast.Name) and arg.id in functions):
                    found.append(call.func.id)
    return found


def inspected(nodes: list[ast.AST], student: set[str]) -> list[str]:
    """Student names the test looks into instead of calling."""
    found = []
    for node in nodes:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in student:
            found.append(node.value.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in INSPECTORS | {"type"}:
            found += [a.id for a in node.args if isinstance(a, ast.Name) and a.id in student]
    return found


def static_reasons(test, spec) -> tuple[str, ...]:
    """The constructs in a test cell's code that keep it from being judged independently."""
    if "AUTOTEST" in test.source:
        return ("an AUTOTEST directive (nbgrader expands it into tests in the release only)",)
    tree = parse(test.source)
    if tree is None:
        if MAGIC_LINE.search(test.source):
            return ("an IPython magic or shell command (a line starting with % or !)",)
        return ("code that is not plain Python",)
    student = set(spec.answer_names)
    nodes = list(ast.walk(tree))  # walked once: this runs for every test cell of every source notebook
    names = names_in(nodes)
    reasons = []
    if names & MOCKS or "unittest" in names:
        reasons.append("mocks or patches (unittest.mock)")
    if names & CAPTURES or {"sys", "stdout"} <= names:
        reasons.append("captures printed output")
    if "get_ipython" in names:
        reasons.append("uses IPython (get_ipython)")
    deleted = sorted({n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Del)})
    reasons += [f"deletes {name}" for name in deleted if name in set(test.reads) | student]
    for answer in spec.answers:
        reasons += [f"uses the student's class {c}" for c in answer.classes if c in test.reads]
        reasons += [f"uses the generator function {g}" for g in answer.generators if g in test.reads]
    setups = [step.source for step in spec.steps if step.kind == "setup"]
    functions = functions_defined(setups) | {
        n.name for n in nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    reasons += [f"passes a function into {name}" for name in dict.fromkeys(callbacks(nodes, student, functions))]
    reasons += [
        f"inspects the student's {name} instead of calling it" for name in dict.fromkeys(inspected(nodes, student))
    ]
    if "inspect" in names or names & {"__code__", "__globals__", "__closure__", "__dict__", "__class__"}:
        reasons.append("inspects objects (inspect, __code__, __dict__ ...)")
    if any(isinstance(n, ast.Global | ast.Nonlocal) for n in nodes) or names & {"importlib", "modules"}:
        reasons.append("changes module state (global, sys.modules, importlib)")
    assigned = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    module_state = sorted(assigned & {name for a in spec.answers for name in (*a.uses, *a.names)})
    reasons += [f"sets {name}, which the student's code reads as module state" for name in module_state]
    if names & FILE_MODULES or any(
        isinstance(n, ast.Call) and (getattr(n.func, "id", None) or getattr(n.func, "attr", None)) in FILE_CALLS
        for n in nodes
    ):
        reasons.append("reads or writes files")
    if "random" in test.reads or any(isinstance(n, ast.alias) and n.name == "random" for n in nodes):
        reasons.append("uses Python's random module (the sandbox keeps its own state of it)")
    if names & {"plt", "matplotlib", "pyplot"}:
        reasons.append("inspects matplotlib figures")
    if names & {"exec", "eval", "compile"}:
        reasons.append("runs code built at run time (exec, eval)")
    return tuple(dict.fromkeys(reasons))
