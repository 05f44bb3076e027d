"""How the test suite (tests/ and the source notebooks under nbval) shares the machine's cores.

With pytest-xdist (`-n`, set in pyproject.toml), tests that share an expensive fixture (module or
session scope: a class graded once, a JupyterLab started once) run on one worker, so that the fixture
is built once; so do the cells of one notebook under nbval, which share a kernel. Each worker's
sandboxes run as users of their own (AUTOGRADER_FIRST_UID), since a slot's processes are waited for
and killed by uid.
"""

import os

import pytest

from autograder.sandbox import FIRST_SANDBOX_UID
from course import paths

# Groups known to take minutes start first, so that no worker is left with one of them at the end
# (a group's name begins with one of these; the slowest first, then the rest in collection order).
SLOW_FIRST = [
    "tests/test_bugs.py fc_net",
    "sample_courses",
    "tests/test_bugs.py cnn",
    "tests/test_autograder_corpus.py",
    "tests/test_browser.py",
    "tests/test_formgrader.py",
    "tests/test_bugs.py",
    "case ",
    "tests/test_formgrader_inert.py",
]


def pytest_configure(config):
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", ... in a worker
    if worker:
        os.environ["AUTOGRADER_FIRST_UID"] = str(FIRST_SANDBOX_UID + 1000 * (1 + int(worker.removeprefix("gw"))))


class Groups:
    """Union-find over test items: two items that share a fixture's instance end in one group."""

    def __init__(self):
        self.parent = {}

    def find(self, key):
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            key = self.parent[key] = self.parent[self.parent[key]]
        return key

    def join(self, first, second):
        self.parent[self.find(first)] = self.find(second)


def shared_instances(item) -> list[str]:
    """The expensive things an item shares with others: the fixtures of the project's own with module
    or session scope (by name, scope and parameter), or its notebook for an nbval cell."""
    if not isinstance(item, pytest.Function):
        return [str(item.path)]
    params = getattr(getattr(item, "callspec", None), "params", {})
    shared = []
    for name, definitions in item._fixtureinfo.name2fixturedefs.items():
        definition = definitions[-1]
        if definition.baseid and definition.scope in ("module", "session"):
            place = item.module.__file__ if definition.scope == "module" else "session"
            shared.append(f"{place}::{name}[{params.get(name, '')}]")
    return shared


def group_name(keys: list[str]) -> str:
    """A readable name for a group: the session fixture it shares, else its test file or notebook, with
    the fixture's parameter (each parameter's instance is built on its own)."""
    place, _, fixture = min(keys, key=lambda key: (not key.startswith("session::"), not key.endswith("[]"))).partition(
        "::"
    )
    name, _, parameter = fixture.partition("[")
    label = name if place == "session" else os.path.relpath(place, paths.ROOT)
    # no "]" in a name: pytest-xdist would take the group for a test parameter and split it
    return label + ("" if parameter in ("", "]") else f" {parameter.removesuffix(']')}")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    groups = Groups()
    shared = {item.nodeid: shared_instances(item) for item in items}
    for item in items:
        for key in shared[item.nodeid]:
            groups.join(item.nodeid, key)
    names = {}
    for item in items:
        if shared[item.nodeid]:
            name = names.setdefault(groups.find(item.nodeid), group_name(shared[item.nodeid]))
            item.add_marker(pytest.mark.xdist_group(name))
    items.sort(key=lambda item: slowness_rank(names.get(groups.find(item.nodeid), "")))


def slowness_rank(group: str) -> int:
    return next((i for i, start in enumerate(SLOW_FIRST) if group and group.startswith(start)), len(SLOW_FIRST))
