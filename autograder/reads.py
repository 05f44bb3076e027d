"""What a cell of code reads and binds, from its syntax alone."""

import ast
import functools


@functools.lru_cache(maxsize=4096)
def parse(source: str) -> ast.Module | None:
    """The code's syntax tree, None if it is not Python. Parsed once per process, since a source's
    cells are asked several questions: the trees are shared, and no caller may change one."""
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def bound_names(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere (assignments, loops, imports, defs, arguments, `as`)."""
    return bound_in(list(ast.walk(tree)))


def bound_in(nodes: list[ast.AST]) -> set[str]:
    names = set()
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def first_positions(nodes: list[ast.AST], stores: bool) -> dict[str, tuple[int, int]]:
    """Where each name is first read (or, with `stores`, first assigned) among the code's nodes."""
    first = {}
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) == stores:
            position = (node.lineno, node.col_offset)
            first[node.id] = min(position, first.get(node.id, position))
    return first


def read_names(tree: ast.AST) -> list[str]:
    """Names the code reads that it does not bind before (the names it needs from outside).

    A name that is only assigned (not an argument, a loop variable of a comprehension, an import or
    a definition) and is read before its first assignment (`x = f(x)`) is read from outside too.
    """
    nodes = list(ast.walk(tree))  # walked once: this runs for every cell of every source notebook
    loaded = dict.fromkeys(n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))
    bound = bound_in(nodes)
    first_read, first_store = first_positions(nodes, False), first_positions(nodes, True)
    local = bound - first_store.keys()
    for comprehension in (n for n in nodes if isinstance(n, ast.comprehension)):
        local |= {n.id for n in ast.walk(comprehension.target) if isinstance(n, ast.Name)}
    reads = []
    for name in loaded:
        if name in local:
            continue
        if name not in bound or first_read[name] < first_store[name]:
            reads.append(name)
    return reads


def top_level_names(tree: ast.Module) -> list[str]:
    """Names a cell binds at top level: its functions, classes and assignments."""
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return names


def imported_names(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names += [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    return names
