"""The student's names in the test's namespace: proxies for functions, plain data for values.

The grader asks the sandbox only for the names a test cell reads, and accepts a reply only if it
answers exactly those names, each in the expected form (issue 13): nothing else the sandbox sends
can bind a name here.
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

    def __init__(self, name: str, session: Session, reference=None):
        self.name = name
        self.session = session
        self.reference = reference  # the instructor's function of that name, if there is one

    def __repr__(self) -> str:
        return f"<your function {self.name}>"

    def __call__(self, *args, **kwargs):
        request = calls.request(args, kwargs)
        passed = opaque_type([request["args"], request["kwargs"]])
        if passed:
            raise Unverifiable(f"passes {described(passed)} into {self.name}")
        reply = self.session.ask({"op": "call", "name": self.name, **request})
        try:
            returned = opaque_type(reply.get("value"))
            if returned and self.returns_objects(request):
                raise Unverifiable(f"{self.name} returns {described(returned)}")
            return calls.take_reply(args, kwargs, reply)
        except (KeyError, TypeError, ValueError, RecursionError) as error:
            raise StudentCodeError(f"the sandbox sent back something unreadable ({error})") from None

    def returns_objects(self, request: dict) -> bool:
        """Whether the reference too returns more than plain data (then the test is not ours to judge)."""
        if self.reference is None:
            return True
        try:
            return opaque_type(calls.answer(self.reference, request)["value"]) is not None
        except Exception:  # noqa: BLE001 (the reference failing on these inputs says nothing about objects)
            return False


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


def bind(namespace: dict, names: list[str], session: Session, reference: dict) -> None:
    """Put the student's current definitions of `names` into the test's namespace."""
    if not names:
        return
    found = checked_lookup(session.ask({"op": "lookup", "names": names}), names)
    for name, entry in found.items():
        if entry["kind"] == "callable":
            namespace[name] = StudentFunction(name, session, reference.get(name))
        elif entry["kind"] == "value":
            kind = opaque_type(entry["value"])
            if kind and (name not in reference or opaque_type(wire.encode(reference[name]))):
                raise Unverifiable(f"reads {name}, {described(kind)}")
            try:
                namespace[name] = wire.decode(entry["value"])
            except (KeyError, TypeError, ValueError) as error:
                raise StudentCodeError(f"the sandbox sent back something unreadable ({error})") from None
        else:
            namespace.pop(name, None)
