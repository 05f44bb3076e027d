"""The student's names in the test's namespace: proxies for functions, plain data for values.

The grader asks the sandbox only for the names a test cell reads, and accepts a reply only if it
answers exactly those names, each in the expected form (issue 13): nothing else the sandbox sends
can bind a name here. A value is bound when the test first reads it, fetched again if one of the
student's functions ran since the lookup: as in one process, a test that calls a function and then
reads a variable that function changed sees the change.

Whatever here is not plain data raises Unverifiable. Whether that makes the cell unverifiable or
failed is not the student's to choose: autograder.verdict decides it from the instructor's reference.
"""

import builtins
import types

from autograder import calls, wire
from autograder.session import Session, StudentCodeError

PLAIN_KINDS = {"callable", "value", "missing"}
# the types of Python itself, which a message may name; any other name the sandbox sends could carry anything
PYTHON_TYPES = {
    f"builtins.{kind.__name__}"
    for kind in [*vars(builtins).values(), *vars(types).values()]
    if isinstance(kind, type) and kind.__module__ == "builtins"
}


class Unverifiable(BaseException):
    """The test met something that only the student's own process could check (a BaseException,
    so that no `except Exception` in a test hides it). Its message reaches the student: it quotes no
    text the sandbox sent, which could carry what the student's code saw in a hidden test."""


def described(kind: str) -> str:
    """An object of the type the sandbox named, as a message may say it."""
    return f"an object of type {kind}" if kind in PYTHON_TYPES else "an object that is not plain data"


def opaque_type(node) -> str | None:
    """The type named by the first opaque part of an encoded value, or None if it is plain data."""
    if type(node) is dict:
        if node.get("t") == "opaque":
            return str(node.get("type"))
        return next((t for t in map(opaque_type, node.values()) if t), None)
    if type(node) is list:
        return next((t for t in map(opaque_type, node) if t), None)
    return None


class StudentFunction:
    """Stands in the test's namespace for a function the student defined."""

    def __init__(self, name: str, session: Session):
        self.name = name
        self.session = session

    def __repr__(self) -> str:
        return f"<your function {self.name}>"

    def __call__(self, *args, **kwargs):
        request = calls.request(args, kwargs)
        passed = opaque_type([request["args"], request["kwargs"]])
        if passed:
            raise Unverifiable(f"passes {described(passed)} into {self.name}")
        self.session.calls += 1
        reply = self.session.ask({"op": "call", "name": self.name, **request})
        returned = opaque_type(reply["value"])
        if returned:
            raise Unverifiable(f"{self.name} returns {described(returned)}")
        try:
            return calls.take_reply(args, kwargs, reply)
        except (KeyError, TypeError, ValueError, RecursionError) as error:
            raise StudentCodeError(f"the sandbox sent back something unreadable ({error})") from None


class TestNamespace(dict):
    """The globals a test cell runs in: a student value it reads is looked up when first read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending: dict[str, tuple] = {}  # name -> (its lookup entry, the session's call count then)
        self.session: Session | None = None

    def __missing__(self, name):
        if name not in self.pending:
            raise KeyError(name)
        entry, calls_then = self.pending.pop(name)
        if self.session.calls != calls_then:  # a student function ran since: the value may have changed
            entry = checked_lookup(self.session.ask({"op": "lookup", "names": [name]}), [name])[name]
        bind_entry(self, name, entry)
        return dict.__getitem__(self, name)


def checked_lookup(reply: dict, names: list[str]) -> dict:
    """The lookup's answers, if they answer exactly the names asked, each in the expected form."""
    found = reply.get("names")
    if type(found) is not dict or set(found) != set(names):
        raise StudentCodeError("the sandbox answered other names than those asked")
    for name, entry in found.items():
        if type(entry) is not dict or entry.get("kind") not in PLAIN_KINDS:
            raise StudentCodeError(f"the sandbox's answer for {name} is malformed")
        if (entry["kind"] == "value") != ("value" in entry) or len(entry) > 2:
            raise StudentCodeError(f"the sandbox's answer for {name} is malformed")
    return found


def bind_entry(namespace: dict, name: str, entry: dict) -> None:
    """Bind `name` as the sandbox's lookup described it."""
    if entry["kind"] == "callable":
        namespace[name] = StudentFunction(name, namespace.session)
    elif entry["kind"] == "value":
        kind = opaque_type(entry["value"])
        if kind:
            raise Unverifiable(f"reads {name}, {described(kind)}")
        try:
            namespace[name] = wire.decode(entry["value"])
        except (KeyError, TypeError, ValueError, RecursionError) as error:
            raise StudentCodeError(f"the sandbox sent back something unreadable ({error})") from None
    else:
        namespace.pop(name, None)


def bind(namespace: TestNamespace, names: list[str], session: Session) -> None:
    """Put the student's current definitions of `names` into the test's namespace: functions now,
    values when the test reads them."""
    namespace.session, namespace.pending = session, {}
    if not names:
        return
    found = checked_lookup(session.ask({"op": "lookup", "names": names}), names)
    for name, entry in found.items():
        if entry["kind"] == "value":
            namespace.pop(name, None)
            namespace.pending[name] = (entry, session.calls)
        else:
            bind_entry(namespace, name, entry)
