"""IPython syntax in a student's cell, made plain Python for the sandbox's worker (which has no IPython).

Magics and shell commands do nothing a verdict depends on (`%matplotlib inline`, `!pip list`,
`%timeit f(x)`), so they are dropped; the body of a `%%time`, `%%timeit` or `%%capture` cell still
runs. Only cells with a line starting with % or ! pay for importing IPython.
"""

import ast
import re

MAGIC_LINE = re.compile(r"^\s*[%!]", re.MULTILINE)
BODY_MAGICS = {"time", "timeit", "capture", "prun"}


def is_shell_call(node: ast.stmt) -> ast.Call | None:
    """The `get_ipython().run_*(...)` call a statement is, if it is one."""
    value = node.value if isinstance(node, ast.Expr | ast.Assign) else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        owner = value.func.value
        if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "get_ipython":
            return value
    return None


def commands(source: str) -> list[str]:
    """The magics (`%name`, `%%name`) and shell commands (`!`) of a cell, by name, in order."""
    if not MAGIC_LINE.search(source):
        return []
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        call = is_shell_call(node) if isinstance(node, ast.stmt) else None
        if call is None:
            continue
        if call.func.attr in ("run_line_magic", "run_cell_magic") and isinstance(call.args[0], ast.Constant):
            found.append(("%" if call.func.attr == "run_line_magic" else "%%") + str(call.args[0].value))
        else:
            found.append("!")
    return found


def plain_python(source: str) -> str:
    if not MAGIC_LINE.search(source):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return source  # left for the worker to report
    body = []
    for node in tree.body:
        call = is_shell_call(node)
        if call is None:
            body.append(node)
        elif call.func.attr == "run_cell_magic" and len(call.args) == 3:
            name, cell = (a.value if isinstance(a, ast.Constant) else None for a in (call.args[0], call.args[2]))
            if name in BODY_MAGICS and isinstance(cell, str):
                body += ast.parse(plain_python(cell)).body
    return ast.unparse(ast.Module(body=body, type_ignores=[]))
